//! The rows the SQL ledger reads back, as the queries in `queries.rs` select them, and
//! what each becomes.

use serde::Deserialize;

use super::super::{
    Applied, EventRecord, EventSource, LedgerError, OrderRecord, PayoutRecord, SessionRecord,
};
use crate::domain::{Currency, Lang, PaymentStatus, Provider};

/// What an event insert left behind, read back in its batch.
#[derive(Deserialize)]
pub struct EventOutcome {
    previous_status: PaymentStatus,
    status: PaymentStatus,
    claim: String,
}

impl EventOutcome {
    pub fn applied(outcome: Option<EventOutcome>, claim: &str) -> Option<Applied> {
        let outcome = outcome?;
        Some(if outcome.claim == claim {
            Applied::after(outcome.previous_status, outcome.status)
        } else {
            Applied::Duplicate
        })
    }
}

#[derive(Deserialize)]
pub struct Count {
    pub n: u64,
}

#[derive(Deserialize)]
pub struct SessionRow {
    id: String,
    provider: Provider,
    order_id: Option<String>,
    amount: u64,
    currency: Currency,
    description: String,
    status: PaymentStatus,
    provider_ref: Option<String>,
    provider_status: Option<String>,
    checkout_url: Option<String>,
    paid_amount: Option<u64>,
    return_url: String,
    lang: Lang,
    created_at: u64,
    updated_at: u64,
    expires_at: u64,
}

impl From<SessionRow> for SessionRecord {
    fn from(row: SessionRow) -> Self {
        SessionRecord {
            id: row.id,
            provider: row.provider,
            order_id: row.order_id,
            amount: row.amount,
            currency: row.currency,
            description: row.description,
            status: row.status,
            provider_ref: row.provider_ref,
            provider_status: row.provider_status,
            checkout_url: row.checkout_url,
            paid_amount: row.paid_amount,
            return_url: row.return_url,
            lang: row.lang,
            created_at: row.created_at,
            updated_at: row.updated_at,
            expires_at: row.expires_at,
        }
    }
}

#[derive(Deserialize)]
pub struct EventRow {
    event_key: String,
    session_id: String,
    source: String,
    status: PaymentStatus,
    provider_status: String,
    moved: u8,
    at: u64,
}

impl EventRow {
    pub fn record(self) -> Result<EventRecord, LedgerError> {
        let source = match self.source.as_str() {
            "webhook" => EventSource::Webhook,
            "poll" => EventSource::Poll,
            "expiry" => EventSource::Expiry,
            _ => {
                return Err(LedgerError(
                    "a stored event has an unknown source".to_owned(),
                ))
            }
        };
        Ok(EventRecord {
            event_key: self.event_key,
            session_id: self.session_id,
            source,
            status: self.status,
            provider_status: self.provider_status,
            moved: self.moved != 0,
            at: self.at,
        })
    }
}

#[derive(Deserialize)]
pub struct OrderRow {
    id: String,
    reference: String,
    amount: u64,
    currency: Currency,
    description: String,
    customer_json: Option<String>,
    created_at: u64,
}

impl From<OrderRow> for OrderRecord {
    fn from(row: OrderRow) -> Self {
        OrderRecord {
            id: row.id,
            reference: row.reference,
            amount: row.amount,
            currency: row.currency,
            description: row.description,
            customer_json: row.customer_json,
            created_at: row.created_at,
        }
    }
}

#[derive(Deserialize)]
pub struct PayoutRow {
    id: String,
    idempotency_key: String,
    request_digest: String,
    provider: Provider,
    amount: u64,
    currency: Currency,
    recipient_json: String,
    status: PaymentStatus,
    provider_ref: Option<String>,
    provider_status: Option<String>,
    failure: Option<String>,
    created_at: u64,
    updated_at: u64,
}

impl From<PayoutRow> for PayoutRecord {
    fn from(row: PayoutRow) -> Self {
        PayoutRecord {
            id: row.id,
            idempotency_key: row.idempotency_key,
            request_digest: row.request_digest,
            provider: row.provider,
            amount: row.amount,
            currency: row.currency,
            recipient_json: row.recipient_json,
            status: row.status,
            provider_ref: row.provider_ref,
            provider_status: row.provider_status,
            failure: row.failure,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn an_event_outcome_is_duplicate_unless_this_request_wrote_it() {
        let outcome = |claim: &str| EventOutcome {
            previous_status: PaymentStatus::Pending,
            status: PaymentStatus::Succeeded,
            claim: claim.to_owned(),
        };
        assert_eq!(
            EventOutcome::applied(Some(outcome("mine")), "mine"),
            Some(Applied::Moved(
                PaymentStatus::Pending,
                PaymentStatus::Succeeded
            ))
        );
        assert_eq!(
            EventOutcome::applied(Some(outcome("theirs")), "mine"),
            Some(Applied::Duplicate)
        );
        assert_eq!(EventOutcome::applied(None, "mine"), None);
        let late = EventOutcome {
            previous_status: PaymentStatus::Succeeded,
            status: PaymentStatus::Failed,
            claim: "mine".to_owned(),
        };
        assert_eq!(
            EventOutcome::applied(Some(late), "mine"),
            Some(Applied::Refused(PaymentStatus::Succeeded))
        );
    }
}
