//! What the ledger keeps for fulfilment: the merchant's events (the outbox) and the marks
//! of notifications still to confirm.

use serde::Serialize;

use crate::domain::Provider;

/// What an event or a mark is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    /// A checkout session (`payment.*`).
    Payment,
    /// A payout (`payout.*`).
    Payout,
}

impl Subject {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Payment => "payment",
            Subject::Payout => "payout",
        }
    }

    /// The subject a stored name names.
    pub fn parse(name: &str) -> Option<Subject> {
        match name {
            "payment" => Some(Subject::Payment),
            "payout" => Some(Subject::Payout),
            _ => None,
        }
    }
}

/// An event to write with the change that makes a session or payout final. The ledger
/// writes it only when the change does move the record from pending to final, in the
/// same transaction, and at most one per record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// `msg_` and hex: the `webhook-id` of every attempt.
    pub id: String,
    /// `payment.succeeded`, `payout.failed`.
    pub event_type: String,
    /// The session or payout id; unique among events.
    pub subject_id: String,
    /// The exact body delivered.
    pub payload: String,
    /// Unix seconds.
    pub created_at: u64,
}

/// An event as the ledger holds it, with its delivery state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// The order of writing, from 1: the `GET /events` cursor.
    pub seq: u64,
    /// `msg_` and hex.
    pub id: String,
    /// `payment.succeeded` and the like.
    pub event_type: String,
    /// The session or payout id.
    pub subject_id: String,
    /// The body.
    pub payload: String,
    /// Unix seconds.
    pub created_at: u64,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// When the next attempt is due; `None` once delivered everywhere or abandoned.
    pub next_attempt_at: Option<u64>,
    /// Tags of the endpoints that answered 2xx, comma-separated.
    pub delivered_to: String,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

/// An event's delivery state after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryState {
    /// Attempts so far.
    pub attempts: u32,
    /// When to try again; `None` when done (delivered, or abandoned with `last_error`).
    pub next_attempt_at: Option<u64>,
    /// Tags of the endpoints that answered 2xx, comma-separated.
    pub delivered_to: String,
    /// Why the attempt failed.
    pub last_error: Option<String>,
}

/// An authentic notification still to confirm: written before its status call, cleared
/// once settled, picked up by the sweep otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recheck {
    /// Payment or payout.
    pub subject: Subject,
    /// Who sent it.
    pub provider: Provider,
    /// The provider's id (may be empty when `our_id` is set).
    pub provider_ref: String,
    /// Our id, when the notification carried it.
    pub our_id: Option<String>,
    /// Status calls tried by the sweep.
    pub attempts: u32,
    /// Unix seconds from which the sweep takes it.
    pub due_at: u64,
}

impl Recheck {
    /// The mark's key: the provider's id, else ours. One mark per key.
    pub fn key(&self) -> &str {
        if self.provider_ref.is_empty() {
            self.our_id.as_deref().unwrap_or_default()
        } else {
            &self.provider_ref
        }
    }
}
