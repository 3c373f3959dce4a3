//! Events to the merchant: one per final status of a session or a payout, written in the
//! same ledger transaction that moves the status (so never lost, never two), then
//! delivered by [`super::outbox`] and readable again with `GET /events`.
//!
//! A body is `{"type", "timestamp", "data"}` (Standard Webhooks' shape); `data` is the
//! session (or payout) as `GET` shows it to the admin key, with the order's id and
//! reference, the shop's metadata, the paid amount and the provider's reference.
//!
//! Every status change goes through [`apply_session`] or [`apply_payout`], which build the
//! event a final status needs and hand it to the ledger with the change.

use serde::Serialize;
use serde_json::{json, Value};

use crate::domain::PaymentStatus;

use super::context::{Edge, Effects, Incoming};
pub use super::ledger::Subject;
use super::ledger::{Applied, Ledger, LedgerError, PayoutChange, PayoutRecord, SessionRecord};
use super::ledger::{NewEvent, StatusChange, StoredEvent};
use super::reply::{self, Reply};
use super::runtime::{random_hex, rfc3339};

/// The event type of a final status: `payment.succeeded`, `payout.failed`; `None` for
/// `pending`, which announces nothing.
pub fn event_type(subject: Subject, status: PaymentStatus) -> Option<String> {
    if !status.is_final() {
        return None;
    }
    let prefix = match subject {
        Subject::Payment => "payment",
        Subject::Payout => "payout",
    };
    Some(format!("{prefix}.{}", status.as_str()))
}

/// A new event id, the `webhook-id` of every delivery attempt (`msg_` and 24 hex digits).
fn new_event_id() -> String {
    format!("msg_{}", random_hex(12))
}

fn body(kind: &str, at: u64, data: Value) -> String {
    crate::http::json_text(&json!({ "type": kind, "timestamp": rfc3339(at), "data": data }))
}

/// The event a session's change would announce, when it makes the session final.
pub fn session_event(
    session: &SessionRecord,
    order_reference: Option<&str>,
    change: &StatusChange,
) -> Option<NewEvent> {
    let kind = event_type(Subject::Payment, change.status)?;
    let after = SessionRecord {
        status: change.status,
        provider_status: Some(change.provider_status.clone()),
        paid_amount: change.paid_amount.or(session.paid_amount),
        updated_at: change.at,
        ..session.clone()
    };
    let data = session_data(&after, order_reference);
    Some(NewEvent {
        id: new_event_id(),
        event_type: kind.clone(),
        subject_id: session.id.clone(),
        payload: body(&kind, change.at, data),
        created_at: change.at,
    })
}

/// A session as the admin key reads it and as events carry it.
pub fn session_data(session: &SessionRecord, order_reference: Option<&str>) -> Value {
    let metadata = session
        .metadata
        .as_deref()
        .and_then(|m| crate::http::parse_json(m.as_bytes()).ok())
        .unwrap_or_else(|| json!({}));
    json!({
        "object": "session",
        "id": session.id,
        "provider": session.provider,
        "reference": order_reference,
        "order_id": session.order_id,
        "amount": session.amount,
        "currency": session.currency.code(),
        "status": session.status,
        "paid_amount": session.paid_amount,
        "provider_ref": session.provider_ref,
        "provider_status": session.provider_status,
        "metadata": metadata,
        "created_at": rfc3339(session.created_at),
        "updated_at": rfc3339(session.updated_at),
        "expires_at": rfc3339(session.expires_at),
    })
}

/// The event a payout's change would announce, when it makes the payout final. `view`
/// is the payout as `GET /payouts/:id` shows it after the change.
pub fn payout_event(payout: &PayoutRecord, change: &PayoutChange, view: Value) -> Option<NewEvent> {
    let kind = event_type(Subject::Payout, change.status)?;
    let mut data = view;
    if let Some(fields) = data.as_object_mut() {
        fields.insert("object".into(), json!("payout"));
    }
    Some(NewEvent {
        id: new_event_id(),
        event_type: kind.clone(),
        subject_id: payout.id.clone(),
        payload: body(&kind, change.at, data),
        created_at: change.at,
    })
}

/// Applies a confirmed change to a session, with the event it announces when it makes the
/// session final. Tells the outbox when an event may have been written.
pub async fn apply_session(
    edge: &Edge<'_, impl Effects>,
    session: &SessionRecord,
    change: &StatusChange,
) -> Result<Applied, LedgerError> {
    let event = if change.status.is_final() && !session.status.is_final() {
        let reference = match session.order_id.as_deref() {
            Some(order_id) => edge.ledger.order(order_id).await?.map(|o| o.reference),
            None => None,
        };
        session_event(session, reference.as_deref(), change)
    } else {
        None
    };
    let applied = edge
        .ledger
        .apply(&session.id, change, event.as_ref())
        .await?;
    if matches!(applied, Applied::Moved(_, to) if to.is_final()) {
        super::outbox::wake();
    }
    Ok(applied)
}

/// Applies a change to a payout, with the event it announces when it makes it final.
pub async fn apply_payout(
    edge: &Edge<'_, impl Effects>,
    payout: &PayoutRecord,
    change: &PayoutChange,
    view: impl FnOnce(&PayoutRecord) -> Value,
) -> Result<Applied, LedgerError> {
    let event = if change.status.is_final() && !payout.status.is_final() {
        let after = PayoutRecord {
            status: change.status,
            provider_ref: change.provider_ref.clone().or(payout.provider_ref.clone()),
            provider_status: Some(change.provider_status.clone()),
            failure: change.failure.clone().or(payout.failure.clone()),
            updated_at: change.at,
            ..payout.clone()
        };
        payout_event(payout, change, view(&after))
    } else {
        None
    };
    let applied = edge
        .ledger
        .apply_payout(&payout.id, change, event.as_ref())
        .await?;
    if matches!(applied, Applied::Moved(_, to) if to.is_final()) {
        super::outbox::wake();
    }
    Ok(applied)
}

/// How many events one `GET /events` page holds at most.
pub const PAGE_MAX: u32 = 100;

#[derive(Serialize)]
struct Page {
    data: Vec<Value>,
    next_cursor: Option<String>,
    has_more: bool,
}

/// One stored event as `GET /events` lists it: the delivered body, plus its id, cursor
/// and delivery state.
fn listed(event: &StoredEvent) -> Value {
    let mut value = crate::http::parse_json(event.payload.as_bytes()).unwrap_or_else(|_| json!({}));
    if let Some(fields) = value.as_object_mut() {
        fields.insert("id".into(), json!(event.id));
        fields.insert("cursor".into(), json!(event.seq.to_string()));
        fields.insert(
            "delivery".into(),
            json!({
                "attempts": event.attempts,
                "delivered": event.next_attempt_at.is_none() && event.last_error.is_none(),
                "next_attempt_at": event.next_attempt_at.map(rfc3339),
                "last_error": event.last_error,
            }),
        );
    }
    value
}

/// `GET /events?after=<cursor>&limit=<n>` (the router checked the admin key): events in
/// the order they were written.
pub async fn list(edge: &Edge<'_, impl Effects>, request: &Incoming) -> Reply {
    let query = crate::form::decode(request.query.as_bytes()).unwrap_or_default();
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
    };
    let after = match param("after").filter(|a| !a.is_empty()) {
        None => 0,
        Some(cursor) => match cursor.parse::<u64>() {
            Ok(seq) => seq,
            Err(_) => {
                return Err(
                    reply::error(400, "invalid_cursor", "after is not a cursor we gave").into(),
                )
            }
        },
    };
    let limit = match param("limit").filter(|l| !l.is_empty()) {
        None => 50,
        Some(text) => match text.parse::<u32>() {
            Ok(n) if (1..=PAGE_MAX).contains(&n) => n,
            _ => {
                return Err(reply::error(
                    400,
                    "invalid_limit",
                    &format!("limit is a whole number from 1 to {PAGE_MAX}"),
                )
                .into())
            }
        },
    };
    // One more than asked tells whether another page follows.
    let mut events = edge.ledger.events_after(after, limit + 1).await?;
    let has_more = events.len() > limit as usize;
    events.truncate(limit as usize);
    let next_cursor = events.last().map(|e| e.seq.to_string());
    Ok(reply::json(
        200,
        &Page {
            data: events.iter().map(listed).collect(),
            next_cursor,
            has_more,
        },
    ))
}
