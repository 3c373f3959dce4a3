//! The rows the SQL ledger reads back, as the queries in `queries.rs` select them, and
//! what each becomes: one reader per kind of row, a list of [`Row`] calls.

use super::super::{
    Applied, EventRecord, EventSource, OrderRecord, PayoutRecord, Recheck, SessionRecord,
    StoredEvent, Subject,
};
use super::binding::Row;
use crate::domain::{Currency, Lang, PaymentStatus, Provider};

/// What an event insert left behind, read back in its batch.
pub struct EventOutcome {
    previous_status: PaymentStatus,
    status: PaymentStatus,
    claim: String,
}

impl EventOutcome {
    pub fn read(f: &mut Row) -> EventOutcome {
        EventOutcome {
            previous_status: f.parse("previous_status", PaymentStatus::Pending),
            status: f.parse("status", PaymentStatus::Pending),
            claim: f.text("claim"),
        }
    }

    pub fn applied(outcome: Option<EventOutcome>, claim: &str) -> Option<Applied> {
        let outcome = outcome?;
        Some(if outcome.claim == claim {
            Applied::after(outcome.previous_status, outcome.status)
        } else {
            Applied::Duplicate
        })
    }
}

/// `count(*) AS n`.
pub fn count(f: &mut Row) -> u64 {
    f.uint("n", u64::MAX)
}

pub fn session(f: &mut Row) -> SessionRecord {
    SessionRecord {
        id: f.text("id"),
        provider: f.parse("provider", Provider::Moneroo),
        order_id: f.text_opt("order_id"),
        amount: f.uint("amount", u64::MAX),
        currency: f.parse("currency", Currency::XOF),
        description: f.text("description"),
        status: f.parse("status", PaymentStatus::Pending),
        provider_ref: f.text_opt("provider_ref"),
        provider_status: f.text_opt("provider_status"),
        checkout_url: f.text_opt("checkout_url"),
        paid_amount: f.uint_opt("paid_amount", u64::MAX),
        return_url: f.text("return_url"),
        lang: f.parse("lang", Lang::default()),
        created_at: f.uint("created_at", u64::MAX),
        updated_at: f.uint("updated_at", u64::MAX),
        expires_at: f.uint("expires_at", u64::MAX),
        metadata: f.text_opt("metadata_json"),
    }
}

pub fn stored_event(f: &mut Row) -> StoredEvent {
    StoredEvent {
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
    }
}

pub fn recheck(f: &mut Row) -> Recheck {
    let subject = f.text("subject");
    let subject = Subject::parse(&subject).unwrap_or_else(|| {
        f.invalid("D1: a stored mark has an unknown subject");
        Subject::Payment
    });
    Recheck {
        subject,
        provider: f.parse("provider", Provider::Moneroo),
        provider_ref: f.text("provider_ref"),
        our_id: f.text_opt("our_id"),
        attempts: f.uint("attempts", u32::MAX.into()) as u32,
        due_at: f.uint("due_at", u64::MAX),
    }
}

pub fn event(f: &mut Row) -> EventRecord {
    let event_key = f.text("event_key");
    let session_id = f.text("session_id");
    let source = match f.text("source").as_str() {
        "webhook" => EventSource::Webhook,
        "poll" => EventSource::Poll,
        "expiry" => EventSource::Expiry,
        _ => {
            f.invalid("a stored event has an unknown source");
            EventSource::Webhook
        }
    };
    EventRecord {
        event_key,
        session_id,
        source,
        status: f.parse("status", PaymentStatus::Pending),
        provider_status: f.text("provider_status"),
        moved: f.uint("moved", u8::MAX.into()) != 0,
        at: f.uint("at", u64::MAX),
    }
}

pub fn order(f: &mut Row) -> OrderRecord {
    OrderRecord {
        id: f.text("id"),
        reference: f.text("reference"),
        amount: f.uint("amount", u64::MAX),
        currency: f.parse("currency", Currency::XOF),
        description: f.text("description"),
        customer_json: f.text_opt("customer_json"),
        created_at: f.uint("created_at", u64::MAX),
    }
}

pub fn payout(f: &mut Row) -> PayoutRecord {
    PayoutRecord {
        id: f.text("id"),
        idempotency_key: f.text("idempotency_key"),
        request_digest: f.text("request_digest"),
        provider: f.parse("provider", Provider::Moneroo),
        amount: f.uint("amount", u64::MAX),
        currency: f.parse("currency", Currency::XOF),
        recipient_json: f.text("recipient_json"),
        status: f.parse("status", PaymentStatus::Pending),
        provider_ref: f.text_opt("provider_ref"),
        provider_status: f.text_opt("provider_status"),
        failure: f.text_opt("failure"),
        created_at: f.uint("created_at", u64::MAX),
        updated_at: f.uint("updated_at", u64::MAX),
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
