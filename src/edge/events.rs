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

use serde_json::{Map, Value};

use crate::domain::PaymentStatus;

use super::context::{param, Edge, Effects, Incoming};
pub use super::ledger::Subject;
use super::ledger::{Applied, Ledger, LedgerError, PayoutChange, PayoutRecord, SessionRecord};
use super::ledger::{EventRecord, NewEvent, StatusChange, StoredEvent};
use super::reply::{self, Json, Reply};
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

/// `{"data", "timestamp", "type"}` (the keys sorted, as the `Value` object it was
/// written from had them), `data` given as JSON text.
pub(super) fn body(kind: &str, at: u64, data: &[u8]) -> String {
    let mut json = Json::object();
    json.raw("data", data)
        .time("timestamp", at)
        .str("type", kind);
    String::from_utf8(json.done()).unwrap_or_default()
}

/// The event a session's change would announce, when it makes the session final.
pub fn session_event(
    session: &SessionRecord,
    order_reference: Option<&str>,
    change: &StatusChange,
) -> Option<NewEvent> {
    let kind = event_type(Subject::Payment, change.status)?;
    let mut data = Json::object();
    session_data(&mut data, session, order_reference, None, Some(change));
    Some(NewEvent {
        id: new_event_id(),
        event_type: kind.clone(),
        subject_id: session.id.clone(),
        payload: body(&kind, change.at, &data.done()),
        created_at: change.at,
    })
}

/// A session's fields as the admin key reads it and as events carry it, in key order
/// (they were a `Value` object's), with its history (`events`) when given, and as
/// `change` leaves it when given (its status, provider status, paid amount and time).
pub fn session_data(
    json: &mut Json,
    session: &SessionRecord,
    order_reference: Option<&str>,
    events: Option<&[EventRecord]>,
    change: Option<&StatusChange>,
) {
    let (status, provider_status, paid_amount, updated_at) = match change {
        Some(change) => (
            change.status,
            Some(change.provider_status.as_str()),
            change.paid_amount.or(session.paid_amount),
            change.at,
        ),
        None => (
            session.status,
            session.provider_status.as_deref(),
            session.paid_amount,
            session.updated_at,
        ),
    };
    json.num("amount", session.amount)
        .time("created_at", session.created_at)
        .str("currency", session.currency.code());
    if let Some(events) = events {
        history(json, events, true);
    }
    json.time("expires_at", session.expires_at)
        .str("id", &session.id);
    match session
        .metadata
        .as_deref()
        .and_then(|m| crate::http::parse_json(m.as_bytes()).ok())
    {
        Some(metadata) => json.value("metadata", &metadata),
        None => json.raw("metadata", b"{}"),
    };
    json.str("object", "session")
        .str_or_null("order_id", session.order_id.as_deref())
        .num_or_null("paid_amount", paid_amount)
        .str("provider", session.provider.as_str())
        .str_or_null("provider_ref", session.provider_ref.as_deref())
        .str_or_null("provider_status", provider_status)
        .str_or_null("reference", order_reference)
        .str("status", status.as_str())
        .time("updated_at", updated_at);
}

/// `"events": [...]`: a session's history, oldest first, as the shop's status page
/// shows it (`source`, `status`, `provider_status`, `moved`, `at`), or in key order
/// (`sorted`) within the admin key's view.
pub fn history(json: &mut Json, events: &[EventRecord], sorted: bool) {
    json.open(Some("events"), b'[');
    for event in events {
        let at = rfc3339(event.at);
        json.open(None, b'{');
        if sorted {
            json.str("at", &at)
                .bool("moved", event.moved)
                .str("provider_status", &event.provider_status)
                .str("source", event.source.as_str())
                .str("status", event.status.as_str());
        } else {
            json.str("source", event.source.as_str())
                .str("status", event.status.as_str())
                .str("provider_status", &event.provider_status)
                .bool("moved", event.moved)
                .str("at", &at);
        }
        json.close(b'}');
    }
    json.close(b']');
}

/// The event a payout's change would announce, when it makes the payout final. `data`
/// is the payout after the change, as events carry it ([`super::payouts::event_data`]).
pub fn payout_event(payout: &PayoutRecord, change: &PayoutChange, data: &[u8]) -> Option<NewEvent> {
    let kind = event_type(Subject::Payout, change.status)?;
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
        payout_event(payout, change, &super::payouts::event_data(&after))
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

/// What an out-of-range `limit` is told (names [`PAGE_MAX`]; a test keeps them together).
const LIMIT_RANGE: &str = "limit is a whole number from 1 to 100";

/// One stored event as `GET /events` lists it: the delivered body, plus its id, cursor
/// and delivery state, among the body's keys in key order (as a `Value` object had
/// them; a key of ours replaces the body's). A body that is not an object is listed as it
/// is, one that is not JSON as `{}` plus ours.
fn listed(json: &mut Json, event: &StoredEvent) {
    let fields = match crate::http::parse_json(event.payload.as_bytes()) {
        Ok(Value::Object(fields)) => fields,
        Ok(other) => {
            json.item(&other);
            return;
        }
        Err(_) => Map::new(),
    };
    const OURS: [&str; 3] = ["cursor", "delivery", "id"];
    let mut next = 0;
    // Ours that sort before `key` (all that are left, without one).
    let mut ours = |json: &mut Json, key: Option<&str>| {
        while next < OURS.len() && key.is_none_or(|key| OURS[next] <= key) {
            match next {
                0 => json.str("cursor", &event.seq.to_string()),
                1 => json
                    .open(Some("delivery"), b'{')
                    .num("attempts", u64::from(event.attempts))
                    .bool(
                        "delivered",
                        event.next_attempt_at.is_none() && event.last_error.is_none(),
                    )
                    .str_or_null("last_error", event.last_error.as_deref())
                    .str_or_null(
                        "next_attempt_at",
                        event.next_attempt_at.map(rfc3339).as_deref(),
                    )
                    .close(b'}'),
                _ => json.str("id", &event.id),
            };
            next += 1;
        }
    };
    json.open(None, b'{');
    for (key, value) in &fields {
        ours(json, Some(key));
        if !OURS.contains(&key.as_str()) {
            json.entry(key, value);
        }
    }
    ours(json, None);
    json.close(b'}');
}

/// `GET /events?after=<cursor>&limit=<n>` (the router checked the admin key): events in
/// the order they were written.
pub async fn list(edge: &Edge<'_, impl Effects>, request: &Incoming) -> Reply {
    let query = crate::form::decode(request.query.as_bytes()).unwrap_or_default();
    let read = |name: &str| param(&query, name).map(str::trim);
    let after = match read("after").filter(|a| !a.is_empty()) {
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
    let limit = match read("limit").filter(|l| !l.is_empty()) {
        None => 50,
        Some(text) => match page_size(text) {
            Some(n) => n,
            None => return Err(reply::error(400, "invalid_limit", LIMIT_RANGE).into()),
        },
    };
    // One more than asked tells whether another page follows.
    let mut events = edge.ledger.events_after(after, limit + 1).await?;
    let has_more = events.len() > limit as usize;
    events.truncate(limit as usize);
    Ok(page(&events, has_more))
}

/// A `limit` from 1 to [`PAGE_MAX`], read as a `u64` (the edge's one integer reader,
/// where a `u32` reader was a second one): the same numbers, the same refusals.
fn page_size(text: &str) -> Option<u32> {
    text.parse::<u64>()
        .ok()
        .filter(|n| (1..=u64::from(PAGE_MAX)).contains(n))
        .map(|n| n as u32)
}

/// `{"data", "next_cursor", "has_more"}`: a page of events.
#[inline]
pub(super) fn page(events: &[StoredEvent], has_more: bool) -> crate::http::HttpResponse {
    let mut json = Json::object();
    json.open(Some("data"), b'[');
    for event in events {
        listed(&mut json, event);
    }
    let next_cursor = events.last().map(|e| e.seq.to_string());
    json.close(b']')
        .str_or_null("next_cursor", next_cursor.as_deref())
        .bool("has_more", has_more);
    json.answer(200)
}

#[cfg(test)]
pub(crate) mod tests {
    /// Numbers as `GET /events` and the settings may spell them (a `+`, zeros, spaces,
    /// signs, other digits, each integer type's bounds and one past them).
    pub(crate) fn number_texts() -> Vec<String> {
        let mut texts: Vec<String> = [
            "",
            " ",
            "0",
            "1",
            "+1",
            "-1",
            "-0",
            "00",
            "007",
            "1 ",
            " 1",
            "1.0",
            "1e2",
            "0x10",
            "١",
            "５",
            "++1",
            "+",
            "-",
            "99",
            "100",
            "101",
            "250",
            "600000",
            "600001",
            "65535",
            "65536",
            "4294967295",
            "4294967296",
            "9223372036854775807",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999",
        ]
        .iter()
        .map(|t| (*t).to_owned())
        .collect();
        for n in 0..600u64 {
            let n = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (n % 64);
            texts.push(n.to_string());
            texts.push(format!("+{n}"));
            texts.push(format!("0{n}"));
        }
        texts
    }

    #[test]
    fn the_page_size_reads_as_a_u32_did() {
        let texts = number_texts();
        for text in &texts {
            let before = text
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=super::PAGE_MAX).contains(n));
            assert_eq!(super::page_size(text), before, "{text:?}");
        }
        assert!(texts.len() > 1800);
    }

    #[test]
    fn the_limit_message_names_the_page_size() {
        assert_eq!(
            super::LIMIT_RANGE,
            format!("limit is a whole number from 1 to {}", super::PAGE_MAX)
        );
    }
}
