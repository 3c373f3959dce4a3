//! The rows the SQL ledger reads back, as the queries in `queries.rs` select them, and
//! what each becomes: one reader per kind of row, a list of [`Row`] calls.

use super::super::{
    Applied, EventRecord, EventSource, OrderRecord, PayoutRecord, Recheck, SessionRecord,
    StoredEvent, Subject,
};
use super::binding::Row;
use crate::domain::{Currency, Lang, PaymentStatus, Provider};

/// Every status, in the enum's order.
const STATUSES: [PaymentStatus; 5] = [
    PaymentStatus::Pending,
    PaymentStatus::Succeeded,
    PaymentStatus::Failed,
    PaymentStatus::Cancelled,
    PaymentStatus::Expired,
];

/// Every language, in the enum's order.
const LANGS: [Lang; 2] = [Lang::Fr, Lang::En];

fn status(f: &mut Row, key: &'static str) -> PaymentStatus {
    f.pick(key, &STATUSES, PaymentStatus::as_str)
}

fn provider(f: &mut Row) -> Provider {
    f.pick("provider", &Provider::ALL, Provider::as_str)
}

fn currency(f: &mut Row) -> Currency {
    f.pick("currency", &Currency::ALL, Currency::code)
}

/// What an event insert left behind, read back in its batch.
pub struct EventOutcome {
    previous_status: PaymentStatus,
    status: PaymentStatus,
    claim: String,
}

impl EventOutcome {
    pub fn read(f: &mut Row) -> EventOutcome {
        EventOutcome {
            previous_status: status(f, "previous_status"),
            status: status(f, "status"),
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
        provider: provider(f),
        order_id: f.text_opt("order_id"),
        amount: f.uint("amount", u64::MAX),
        currency: currency(f),
        description: f.text("description"),
        status: status(f, "status"),
        provider_ref: f.text_opt("provider_ref"),
        provider_status: f.text_opt("provider_status"),
        checkout_url: f.text_opt("checkout_url"),
        paid_amount: f.uint_opt("paid_amount", u64::MAX),
        return_url: f.text("return_url"),
        lang: f.pick("lang", &LANGS, Lang::code),
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
        provider: provider(f),
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
        status: status(f, "status"),
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
        currency: currency(f),
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
        provider: provider(f),
        amount: f.uint("amount", u64::MAX),
        currency: currency(f),
        recipient_json: f.text("recipient_json"),
        status: status(f, "status"),
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
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    /// The names `pick` reads are the ones the enum's `Deserialize` reads, and no other.
    fn same_names<T: DeserializeOwned + PartialEq + core::fmt::Debug + Copy>(
        all: &[T],
        name: fn(T) -> &'static str,
    ) {
        let mut names: Vec<String> = all.iter().map(|v| name(*v).to_owned()).collect();
        for v in all {
            let read: T = crate::http::from_value(Value::String(name(*v).to_owned())).unwrap();
            assert_eq!(read, *v);
            names.push(name(*v).to_uppercase());
            names.push(format!("{} ", name(*v)));
        }
        names.extend(
            ["", "Pending", "fr-CI", "xof", "MONEROO", "paid", "unknown"].map(String::from),
        );
        for text in names {
            let derive = crate::http::from_value::<T>(Value::String(text.clone())).ok();
            let picked = all.iter().copied().find(|v| name(*v) == text);
            assert_eq!(picked, derive, "{text:?}");
        }
    }

    #[test]
    fn stored_names_are_read_as_the_enums_deserialize_reads_them() {
        same_names(&STATUSES, PaymentStatus::as_str);
        same_names(&LANGS, Lang::code);
        same_names(&Provider::ALL, Provider::as_str);
        same_names(&Currency::ALL, Currency::code);
        // Every variant is in the lists (a new one fails to compile here).
        for status in STATUSES {
            let at = match status {
                PaymentStatus::Pending => 0,
                PaymentStatus::Succeeded => 1,
                PaymentStatus::Failed => 2,
                PaymentStatus::Cancelled => 3,
                PaymentStatus::Expired => 4,
            };
            assert_eq!(STATUSES[at], status);
        }
        for lang in LANGS {
            let at = match lang {
                Lang::Fr => 0,
                Lang::En => 1,
            };
            assert_eq!(LANGS[at], lang);
        }
    }
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
