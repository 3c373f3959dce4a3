//! Every statement of the SQL ledger, each beside the values it binds. SQLite's dialect,
//! which D1 speaks, kept to what PostgreSQL reads the same way: its binding only renumbers
//! the placeholders (`?N` to `$N`), and a value PostgreSQL cannot type from its place (a
//! `NULL` in a `SELECT` list) is cast to its column's type.
//!
//! Several isolates or processes may write at once, so every promise of the ledger is
//! kept by the database itself, never by a read then a write from here: unique keys
//! refuse the second event, order or idempotency key, and a status moves only through an
//! `UPDATE` whose `WHERE` names the statuses it may leave, in one batch (one transaction)
//! with the event that justifies it.

use super::super::{
    DeliveryState, NewEvent, OrderRecord, PayoutChange, PayoutRecord, Recheck, SessionRecord,
    StatusChange, Subject,
};
use super::binding::{Bind, Query};
use crate::domain::Provider;

// The column lists, as macros so that every statement is one constant text
// (`concat!`), built at compile time.
macro_rules! session_columns {
    () => {
        "id, provider, order_id, amount, currency, description, status, provider_ref, \
         provider_status, checkout_url, paid_amount, return_url, lang, created_at, \
         updated_at, expires_at"
    };
}

/// What a session read selects: its columns and the shop's metadata beside them.
macro_rules! session_select {
    () => {
        concat!(
            session_columns!(),
            ", (SELECT metadata_json FROM session_metadata WHERE session_id = sessions.id) \
             AS metadata_json"
        )
    };
}

macro_rules! event_columns {
    () => {
        "seq, id, type, subject_id, payload, created_at, attempts, next_attempt_at, \
         delivered_to, last_error"
    };
}

macro_rules! order_columns {
    () => {
        "id, reference, amount, currency, description, customer_json, created_at"
    };
}

macro_rules! payout_columns {
    () => {
        "id, idempotency_key, request_digest, provider, amount, currency, recipient_json, \
         status, provider_ref, provider_status, failure, created_at, updated_at"
    };
}

/// The statement of [`announce`] for an event table.
macro_rules! announce_sql {
    ($events:literal) => {
        concat!(
            "INSERT INTO merchant_events (id, type, subject_id, payload, created_at, \
             next_attempt_at) SELECT ?1, ?2, ?3, ?4, ?5, ?5 WHERE EXISTS (SELECT 1 FROM ",
            $events,
            " WHERE event_key = ?6 AND claim = ?7 AND moved = 1 AND status <> 'pending') \
             ON CONFLICT (subject_id) DO NOTHING"
        )
    };
}

/// How many of the schema's tables ([`super::schema::TABLES`], checked by a test) exist.
pub fn count_tables<'a>() -> Query<'a> {
    Query::new(
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN \
         ('orders', 'sessions', 'session_events', 'payouts', 'payout_events', \
         'merchant_events', 'rechecks', 'session_metadata', 'sweep_checks')",
        [],
    )
}

/// A new session and its metadata, in one batch; changes nothing when the id exists.
pub fn insert_session(session: &SessionRecord) -> Vec<Query<'_>> {
    let mut batch = vec![Query::new(
        concat!(
            "INSERT INTO sessions (",
            session_columns!(),
            ") \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO NOTHING"
        ),
        [
            (&session.id).into(),
            session.provider.as_str().into(),
            session.order_id.as_deref().into(),
            session.amount.into(),
            session.currency.code().into(),
            (&session.description).into(),
            session.status.as_str().into(),
            session.provider_ref.as_deref().into(),
            session.provider_status.as_deref().into(),
            session.checkout_url.as_deref().into(),
            session.paid_amount.into(),
            (&session.return_url).into(),
            session.lang.code().into(),
            session.created_at.into(),
            session.updated_at.into(),
            session.expires_at.into(),
        ],
    )];
    if let Some(metadata) = session.metadata.as_deref() {
        batch.push(Query::new(
            "INSERT INTO session_metadata (session_id, metadata_json) VALUES (?1, ?2) \
             ON CONFLICT (session_id) DO NOTHING",
            [(&session.id).into(), metadata.into()],
        ));
    }
    batch
}

/// A session by id.
pub fn session(id: &str) -> Query<'_> {
    Query::new(
        concat!("SELECT ", session_select!(), " FROM sessions WHERE id = ?"),
        [id.into()],
    )
}

/// A session by the provider's id of its payment.
pub fn session_by_provider_ref(provider: Provider, provider_ref: &str) -> Query<'_> {
    Query::new(
        concat!(
            "SELECT ",
            session_select!(),
            " FROM sessions WHERE provider = ? AND provider_ref = ?"
        ),
        [provider.as_str().into(), provider_ref.into()],
    )
}

/// Records the provider's payment, only on a session that has none.
pub fn attach_payment<'a>(
    id: &'a str,
    provider_ref: &'a str,
    checkout_url: &'a str,
    at: u64,
) -> Query<'a> {
    Query::new(
        "UPDATE sessions SET provider_ref = ?1, checkout_url = ?2, updated_at = ?3 \
         WHERE id = ?4 AND provider_ref IS NULL",
        [
            provider_ref.into(),
            checkout_url.into(),
            at.into(),
            id.into(),
        ],
    )
}

/// Whether a session exists (`n` is 0 or 1).
pub fn session_exists(id: &str) -> Query<'_> {
    Query::new(
        "SELECT count(*) AS n FROM sessions WHERE id = ?1",
        [id.into()],
    )
}

/// The three statements that apply a session event in one batch:
///
/// 1. the event row is written only if the session exists, with the status it had at
///    that instant; a key seen before is ignored by its UNIQUE constraint;
/// 2. the session moves only for the request whose event row went in (its `claim`), and
///    never away from a final status (the same final status again only refreshes the
///    provider's word, as in memory);
/// 3. the event row is read back: whose claim, which statuses.
///
/// With `event`, a fourth statement writes the merchant's event when this request's row
/// moved the session from pending to final ([`announce`]).
pub fn apply_session_event<'a>(
    session_id: &'a str,
    change: &'a StatusChange,
    claim: &'a str,
    event: Option<&'a NewEvent>,
) -> Vec<Query<'a>> {
    let params: [Bind<'a>; 8] = [
        (&change.event_key).into(),
        change.source.as_str().into(),
        change.status.as_str().into(),
        (&change.provider_status).into(),
        change.paid_amount.into(),
        change.at.into(),
        claim.into(),
        session_id.into(),
    ];
    let mut batch = vec![
        Query::new(
            "INSERT INTO session_events \
             (event_key, session_id, source, status, previous_status, provider_status, \
              paid_amount, moved, at, claim) \
             SELECT ?1, id, ?2, ?3, status, ?4, CAST(?5 AS BIGINT), \
                    CASE WHEN status = 'pending' AND ?3 <> 'pending' THEN 1 ELSE 0 END, ?6, ?7 \
             FROM sessions WHERE id = ?8 \
             ON CONFLICT (event_key) DO NOTHING",
            params,
        ),
        Query::new(
            "UPDATE sessions \
             SET status = ?3, provider_status = ?4, paid_amount = COALESCE(?5, paid_amount), \
                 updated_at = ?6 \
             WHERE id = ?8 AND (status = 'pending' OR status = ?3) \
               AND EXISTS (SELECT 1 FROM session_events WHERE event_key = ?1 AND claim = ?7)",
            params,
        ),
        Query::new(
            "SELECT previous_status, status, claim FROM session_events WHERE event_key = ?1",
            [params[0]],
        ),
    ];
    // Pushed, not `chain(..).collect()` (an adapter instance for these two batches).
    if let Some(e) = event {
        batch.push(announce(
            e,
            announce_sql!("session_events"),
            &change.event_key,
            claim,
        ));
    }
    batch
}

/// The merchant's event, written only when the event row this request claimed moved its
/// record from pending to final; `subject_id` is UNIQUE, so never a second event.
/// `sql` is [`announce_sql`] of the record's event table.
fn announce<'a>(
    event: &'a NewEvent,
    sql: &'static str,
    event_key: &'a str,
    claim: &'a str,
) -> Query<'a> {
    Query::new(
        sql,
        [
            (&event.id).into(),
            (&event.event_type).into(),
            (&event.subject_id).into(),
            (&event.payload).into(),
            event.created_at.into(),
            event_key.into(),
            claim.into(),
        ],
    )
}

/// A session's history, oldest first.
pub fn session_events(session_id: &str) -> Query<'_> {
    Query::new(
        "SELECT event_key, session_id, source, status, provider_status, moved, at \
         FROM session_events WHERE session_id = ? ORDER BY seq",
        [session_id.into()],
    )
}

/// How many succeeded sessions an order has.
pub fn order_paid(order_id: &str) -> Query<'_> {
    Query::new(
        "SELECT count(*) AS n FROM sessions WHERE order_id = ? AND status = 'succeeded'",
        [order_id.into()],
    )
}

/// A new order, and the order holding its reference, in one batch.
pub fn insert_order(order: &OrderRecord) -> [Query<'_>; 2] {
    [
        Query::new(
            concat!(
                "INSERT INTO orders (",
                order_columns!(),
                ") VALUES (?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (reference) DO NOTHING"
            ),
            [
                (&order.id).into(),
                (&order.reference).into(),
                order.amount.into(),
                order.currency.code().into(),
                (&order.description).into(),
                order.customer_json.as_deref().into(),
                order.created_at.into(),
            ],
        ),
        Query::new(
            concat!(
                "SELECT ",
                order_columns!(),
                " FROM orders WHERE reference = ?"
            ),
            [(&order.reference).into()],
        ),
    ]
}

/// An order by id.
pub fn order(id: &str) -> Query<'_> {
    Query::new(
        concat!("SELECT ", order_columns!(), " FROM orders WHERE id = ?"),
        [id.into()],
    )
}

/// A new payout under its idempotency key, and the payout holding that key, in one batch.
pub fn claim_payout(payout: &PayoutRecord) -> [Query<'_>; 2] {
    [
        Query::new(
            concat!(
                "INSERT INTO payouts (",
                payout_columns!(),
                ") \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (idempotency_key) DO NOTHING"
            ),
            [
                (&payout.id).into(),
                (&payout.idempotency_key).into(),
                (&payout.request_digest).into(),
                payout.provider.as_str().into(),
                payout.amount.into(),
                payout.currency.code().into(),
                (&payout.recipient_json).into(),
                payout.status.as_str().into(),
                payout.provider_ref.as_deref().into(),
                payout.provider_status.as_deref().into(),
                payout.failure.as_deref().into(),
                payout.created_at.into(),
                payout.updated_at.into(),
            ],
        ),
        Query::new(
            concat!(
                "SELECT ",
                payout_columns!(),
                " FROM payouts WHERE idempotency_key = ?"
            ),
            [(&payout.idempotency_key).into()],
        ),
    ]
}

/// A payout by id.
pub fn payout(id: &str) -> Query<'_> {
    Query::new(
        concat!("SELECT ", payout_columns!(), " FROM payouts WHERE id = ?"),
        [id.into()],
    )
}

/// A payout by the provider's id.
pub fn payout_by_provider_ref(provider: Provider, provider_ref: &str) -> Query<'_> {
    Query::new(
        concat!(
            "SELECT ",
            payout_columns!(),
            " FROM payouts WHERE provider = ? AND provider_ref = ?"
        ),
        [provider.as_str().into(), provider_ref.into()],
    )
}

/// The three statements that apply a payout event in one batch, as for sessions
/// ([`apply_session_event`]).
pub fn apply_payout_event<'a>(
    payout_id: &'a str,
    change: &'a PayoutChange,
    claim: &'a str,
    event: Option<&'a NewEvent>,
) -> Vec<Query<'a>> {
    let params: [Bind<'a>; 8] = [
        (&change.event_key).into(),
        change.status.as_str().into(),
        change.provider_ref.as_deref().into(),
        (&change.provider_status).into(),
        change.failure.as_deref().into(),
        change.at.into(),
        claim.into(),
        payout_id.into(),
    ];
    let mut batch = vec![
        Query::new(
            "INSERT INTO payout_events \
             (event_key, payout_id, status, previous_status, provider_ref, provider_status, \
              failure, moved, at, claim) \
             SELECT ?1, id, ?2, status, CAST(?3 AS TEXT), ?4, CAST(?5 AS TEXT), \
                    CASE WHEN status = 'pending' AND ?2 <> 'pending' THEN 1 ELSE 0 END, ?6, ?7 \
             FROM payouts WHERE id = ?8 \
             ON CONFLICT (event_key) DO NOTHING",
            params,
        ),
        Query::new(
            "UPDATE payouts \
             SET status = ?2, provider_status = ?4, provider_ref = COALESCE(?3, provider_ref), \
                 failure = COALESCE(?5, failure), updated_at = ?6 \
             WHERE id = ?8 AND (status = 'pending' OR status = ?2) \
               AND EXISTS (SELECT 1 FROM payout_events WHERE event_key = ?1 AND claim = ?7)",
            params,
        ),
        Query::new(
            "SELECT previous_status, status, claim FROM payout_events WHERE event_key = ?1",
            [params[0]],
        ),
    ];
    // Pushed, not `chain(..).collect()` (an adapter instance for these two batches).
    if let Some(e) = event {
        batch.push(announce(
            e,
            announce_sql!("payout_events"),
            &change.event_key,
            claim,
        ));
    }
    batch
}

/// An order by the merchant's reference.
pub fn order_by_reference(reference: &str) -> Query<'_> {
    Query::new(
        concat!(
            "SELECT ",
            order_columns!(),
            " FROM orders WHERE reference = ?"
        ),
        [reference.into()],
    )
}

/// An order's sessions, oldest first.
pub fn sessions_of_order(order_id: &str) -> Query<'_> {
    Query::new(
        concat!(
            "SELECT ",
            session_select!(),
            " FROM sessions WHERE order_id = ? ORDER BY created_at, id"
        ),
        [order_id.into()],
    )
}

/// Events after a cursor, in the order written.
pub fn events_after<'a>(after: u64, limit: u32) -> Query<'a> {
    Query::new(
        concat!(
            "SELECT ",
            event_columns!(),
            " FROM merchant_events WHERE seq > ?1 ORDER BY seq LIMIT ?2"
        ),
        [after.into(), u64::from(limit).into()],
    )
}

/// Events whose next delivery attempt is due, oldest due first.
pub fn due_events<'a>(now: u64, limit: u32) -> Query<'a> {
    Query::new(
        concat!(
            "SELECT ",
            event_columns!(),
            " FROM merchant_events \
             WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= ?1 \
             ORDER BY next_attempt_at, seq LIMIT ?2"
        ),
        [now.into(), u64::from(limit).into()],
    )
}

/// Takes an event for delivery, only if nobody moved its next attempt since it was read.
pub fn lease_event(id: &str, seen: u64, until: u64) -> Query<'_> {
    Query::new(
        "UPDATE merchant_events SET next_attempt_at = ?3 WHERE id = ?1 AND next_attempt_at = ?2",
        [id.into(), seen.into(), until.into()],
    )
}

/// The outcome of a delivery attempt.
pub fn record_delivery<'a>(id: &'a str, state: &'a DeliveryState) -> Query<'a> {
    Query::new(
        "UPDATE merchant_events \
         SET attempts = ?2, next_attempt_at = ?3, delivered_to = ?4, last_error = ?5 WHERE id = ?1",
        [
            id.into(),
            u64::from(state.attempts).into(),
            state.next_attempt_at.into(),
            (&state.delivered_to).into(),
            state.last_error.as_deref().into(),
        ],
    )
}

/// Writes a notification's mark, or reschedules the one with the same key.
pub fn note_recheck(mark: &Recheck) -> Query<'_> {
    Query::new(
        "INSERT INTO rechecks (subject, provider, key, provider_ref, our_id, attempts, due_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (subject, provider, key) DO UPDATE SET \
           attempts = excluded.attempts, due_at = excluded.due_at, \
           our_id = COALESCE(excluded.our_id, rechecks.our_id)",
        [
            mark.subject.as_str().into(),
            mark.provider.as_str().into(),
            mark.key().into(),
            (&mark.provider_ref).into(),
            mark.our_id.as_deref().into(),
            u64::from(mark.attempts).into(),
            mark.due_at.into(),
        ],
    )
}

/// Removes a notification's mark.
pub fn clear_recheck(mark: &Recheck) -> Query<'_> {
    Query::new(
        "DELETE FROM rechecks WHERE subject = ?1 AND provider = ?2 AND key = ?3",
        [
            mark.subject.as_str().into(),
            mark.provider.as_str().into(),
            mark.key().into(),
        ],
    )
}

/// Marks due, oldest first.
pub fn due_rechecks<'a>(now: u64, limit: u32) -> Query<'a> {
    Query::new(
        "SELECT subject, provider, provider_ref, our_id, attempts, due_at FROM rechecks \
         WHERE due_at <= ?1 ORDER BY due_at LIMIT ?2",
        [now.into(), u64::from(limit).into()],
    )
}

/// Pending sessions opened and last asked at or before `before`, or past their time;
/// least recently asked first.
pub fn sessions_to_check<'a>(now: u64, before: u64, limit: u32) -> Query<'a> {
    Query::new(
        concat!(
            "SELECT ",
            session_select!(),
            " FROM sessions \
             LEFT JOIN sweep_checks ON subject = 'payment' AND record_id = sessions.id \
             WHERE status = 'pending' \
               AND ((created_at <= ?2 AND COALESCE(checked_at, 0) <= ?2) OR expires_at <= ?1) \
             ORDER BY COALESCE(checked_at, 0), created_at LIMIT ?3"
        ),
        [now.into(), before.into(), u64::from(limit).into()],
    )
}

/// Pending payouts created and last asked at or before `before`, least recently asked
/// first.
pub fn payouts_to_check<'a>(before: u64, limit: u32) -> Query<'a> {
    Query::new(
        concat!(
            "SELECT ",
            payout_columns!(),
            " FROM payouts \
             LEFT JOIN sweep_checks ON subject = 'payout' AND record_id = payouts.id \
             WHERE status = 'pending' AND created_at <= ?1 AND COALESCE(checked_at, 0) <= ?1 \
             ORDER BY COALESCE(checked_at, 0), created_at LIMIT ?2"
        ),
        [before.into(), u64::from(limit).into()],
    )
}

/// Notes when the sweep asked about a session or payout.
pub fn mark_checked(subject: Subject, id: &str, at: u64) -> Query<'_> {
    Query::new(
        "INSERT INTO sweep_checks (subject, record_id, checked_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (subject, record_id) DO UPDATE SET checked_at = excluded.checked_at",
        [subject.as_str().into(), id.into(), at.into()],
    )
}

#[cfg(test)]
mod tests {
    use super::super::schema::TABLES;
    use super::*;

    #[test]
    fn the_schema_check_counts_every_table_of_the_schema() {
        let names = TABLES
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ");
        assert_eq!(
            count_tables().sql,
            format!(
                "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ({names})"
            )
        );
    }
}
