//! The rows the SQL ledger reads back, as the queries in `queries.rs` select them, and
//! what each becomes.

use serde::{Deserialize, Deserializer};

use crate::http::Fields;

use super::super::{
    Applied, EventRecord, EventSource, LedgerError, OrderRecord, PayoutRecord, Recheck,
    SessionRecord, StoredEvent, Subject,
};
use crate::domain::{Currency, Lang, PaymentStatus, Provider};

/// What an event insert left behind, read back in its batch.
pub struct EventOutcome {
    previous_status: PaymentStatus,
    status: PaymentStatus,
    claim: String,
}

impl<'de> Deserialize<'de> for EventOutcome {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct EventOutcome", |f| {
            Ok(EventOutcome {
                previous_status: f.parse_or("previous_status", PaymentStatus::Pending),
                status: f.parse_or("status", PaymentStatus::Pending),
                claim: f.text("claim"),
            })
        })
    }
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

pub struct Count {
    pub n: u64,
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct Count", |f| {
            Ok(Count {
                n: f.uint("n", u64::MAX),
            })
        })
    }
}

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
    metadata_json: Option<String>,
}

impl<'de> Deserialize<'de> for SessionRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct SessionRow", |f| {
            Ok(SessionRow {
                id: f.text("id"),
                provider: f.parse_or("provider", Provider::Moneroo),
                order_id: f.text_opt("order_id"),
                amount: f.uint("amount", u64::MAX),
                currency: f.parse_or("currency", Currency::XOF),
                description: f.text("description"),
                status: f.parse_or("status", PaymentStatus::Pending),
                provider_ref: f.text_opt("provider_ref"),
                provider_status: f.text_opt("provider_status"),
                checkout_url: f.text_opt("checkout_url"),
                paid_amount: f.uint_opt("paid_amount", u64::MAX),
                return_url: f.text("return_url"),
                lang: f.parse_or("lang", Lang::default()),
                created_at: f.uint("created_at", u64::MAX),
                updated_at: f.uint("updated_at", u64::MAX),
                expires_at: f.uint("expires_at", u64::MAX),
                metadata_json: f.text_opt("metadata_json"),
            })
        })
    }
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
            metadata: row.metadata_json,
        }
    }
}

pub struct StoredEventRow {
    seq: u64,
    id: String,
    event_type: String,
    subject_id: String,
    payload: String,
    created_at: u64,
    attempts: u32,
    next_attempt_at: Option<u64>,
    delivered_to: String,
    last_error: Option<String>,
}

impl<'de> Deserialize<'de> for StoredEventRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct StoredEventRow", |f| {
            Ok(StoredEventRow {
                seq: f.uint("seq", u64::MAX),
                id: f.text("id"),
                event_type: f.text("type"),
                subject_id: f.text("subject_id"),
                payload: f.text("payload"),
                created_at: f.uint("created_at", u64::MAX),
                attempts: f.uint("attempts", u32::MAX.into()) as u32,
                next_attempt_at: f.uint_opt("next_attempt_at", u64::MAX),
                delivered_to: f.text("delivered_to"),
                last_error: f.text_opt("last_error"),
            })
        })
    }
}

impl From<StoredEventRow> for StoredEvent {
    fn from(row: StoredEventRow) -> Self {
        StoredEvent {
            seq: row.seq,
            id: row.id,
            event_type: row.event_type,
            subject_id: row.subject_id,
            payload: row.payload,
            created_at: row.created_at,
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at,
            delivered_to: row.delivered_to,
            last_error: row.last_error,
        }
    }
}

pub struct RecheckRow {
    subject: String,
    provider: Provider,
    provider_ref: String,
    our_id: Option<String>,
    attempts: u32,
    due_at: u64,
}

impl<'de> Deserialize<'de> for RecheckRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct RecheckRow", |f| {
            Ok(RecheckRow {
                subject: f.text("subject"),
                provider: f.parse_or("provider", Provider::Moneroo),
                provider_ref: f.text("provider_ref"),
                our_id: f.text_opt("our_id"),
                attempts: f.uint("attempts", u32::MAX.into()) as u32,
                due_at: f.uint("due_at", u64::MAX),
            })
        })
    }
}

impl RecheckRow {
    pub fn mark(self) -> Result<Recheck, LedgerError> {
        let subject = Subject::parse(&self.subject)
            .ok_or_else(|| LedgerError("D1: a stored mark has an unknown subject".to_owned()))?;
        Ok(Recheck {
            subject,
            provider: self.provider,
            provider_ref: self.provider_ref,
            our_id: self.our_id,
            attempts: self.attempts,
            due_at: self.due_at,
        })
    }
}

pub struct EventRow {
    event_key: String,
    session_id: String,
    source: String,
    status: PaymentStatus,
    provider_status: String,
    moved: u8,
    at: u64,
}

impl<'de> Deserialize<'de> for EventRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct EventRow", |f| {
            Ok(EventRow {
                event_key: f.text("event_key"),
                session_id: f.text("session_id"),
                source: f.text("source"),
                status: f.parse_or("status", PaymentStatus::Pending),
                provider_status: f.text("provider_status"),
                moved: f.uint("moved", u8::MAX.into()) as u8,
                at: f.uint("at", u64::MAX),
            })
        })
    }
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

pub struct OrderRow {
    id: String,
    reference: String,
    amount: u64,
    currency: Currency,
    description: String,
    customer_json: Option<String>,
    created_at: u64,
}

impl<'de> Deserialize<'de> for OrderRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct OrderRow", |f| {
            Ok(OrderRow {
                id: f.text("id"),
                reference: f.text("reference"),
                amount: f.uint("amount", u64::MAX),
                currency: f.parse_or("currency", Currency::XOF),
                description: f.text("description"),
                customer_json: f.text_opt("customer_json"),
                created_at: f.uint("created_at", u64::MAX),
            })
        })
    }
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

impl<'de> Deserialize<'de> for PayoutRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct PayoutRow", |f| {
            Ok(PayoutRow {
                id: f.text("id"),
                idempotency_key: f.text("idempotency_key"),
                request_digest: f.text("request_digest"),
                provider: f.parse_or("provider", Provider::Moneroo),
                amount: f.uint("amount", u64::MAX),
                currency: f.parse_or("currency", Currency::XOF),
                recipient_json: f.text("recipient_json"),
                status: f.parse_or("status", PaymentStatus::Pending),
                provider_ref: f.text_opt("provider_ref"),
                provider_status: f.text_opt("provider_status"),
                failure: f.text_opt("failure"),
                created_at: f.uint("created_at", u64::MAX),
                updated_at: f.uint("updated_at", u64::MAX),
            })
        })
    }
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
