//! Every statement of the SQL ledger, each beside the values it binds. SQLite's dialect,
//! which D1 speaks.
//!
//! Several isolates or processes may write at once, so every promise of the ledger is
//! kept by the database itself, never by a read then a write from here: unique keys
//! refuse the second event, order or idempotency key, and a status moves only through an
//! `UPDATE` whose `WHERE` names the statuses it may leave, in one batch (one transaction)
//! with the event that justifies it.

use super::super::{OrderRecord, PayoutChange, PayoutRecord, SessionRecord, StatusChange};
use super::binding::{Bind, Query};
use crate::domain::Provider;

const SESSION_COLUMNS: &str = "id, provider, order_id, amount, currency, description, status, \
     provider_ref, provider_status, checkout_url, paid_amount, return_url, lang, created_at, \
     updated_at, expires_at";

const ORDER_COLUMNS: &str =
    "id, reference, amount, currency, description, customer_json, created_at";

const PAYOUT_COLUMNS: &str = "id, idempotency_key, request_digest, provider, amount, currency, \
     recipient_json, status, provider_ref, provider_status, failure, created_at, updated_at";

/// How many of `tables` exist.
pub fn count_tables<'a>(tables: &[&str]) -> Query<'a> {
    let names = tables
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ");
    Query::new(
        format!(
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ({names})"
        ),
        [],
    )
}

/// A new session; changes nothing when the id exists.
pub fn insert_session(session: &SessionRecord) -> Query<'_> {
    Query::new(
        format!(
            "INSERT INTO sessions ({SESSION_COLUMNS}) \
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
    )
}

/// A session by id.
pub fn session(id: &str) -> Query<'_> {
    Query::new(
        format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?"),
        [id.into()],
    )
}

/// A session by the provider's id of its payment.
pub fn session_by_provider_ref(provider: Provider, provider_ref: &str) -> Query<'_> {
    Query::new(
        format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE provider = ? AND provider_ref = ?"),
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
pub fn apply_session_event<'a>(
    session_id: &'a str,
    change: &'a StatusChange,
    claim: &'a str,
) -> [Query<'a>; 3] {
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
    [
        Query::new(
            "INSERT INTO session_events \
             (event_key, session_id, source, status, previous_status, provider_status, \
              paid_amount, moved, at, claim) \
             SELECT ?1, id, ?2, ?3, status, ?4, ?5, \
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
    ]
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
            format!(
                "INSERT INTO orders ({ORDER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) \
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
            format!("SELECT {ORDER_COLUMNS} FROM orders WHERE reference = ?"),
            [(&order.reference).into()],
        ),
    ]
}

/// An order by id.
pub fn order(id: &str) -> Query<'_> {
    Query::new(
        format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = ?"),
        [id.into()],
    )
}

/// A new payout under its idempotency key, and the payout holding that key, in one batch.
pub fn claim_payout(payout: &PayoutRecord) -> [Query<'_>; 2] {
    [
        Query::new(
            format!(
                "INSERT INTO payouts ({PAYOUT_COLUMNS}) \
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
            format!("SELECT {PAYOUT_COLUMNS} FROM payouts WHERE idempotency_key = ?"),
            [(&payout.idempotency_key).into()],
        ),
    ]
}

/// A payout by id.
pub fn payout(id: &str) -> Query<'_> {
    Query::new(
        format!("SELECT {PAYOUT_COLUMNS} FROM payouts WHERE id = ?"),
        [id.into()],
    )
}

/// A payout by the provider's id.
pub fn payout_by_provider_ref(provider: Provider, provider_ref: &str) -> Query<'_> {
    Query::new(
        format!("SELECT {PAYOUT_COLUMNS} FROM payouts WHERE provider = ? AND provider_ref = ?"),
        [provider.as_str().into(), provider_ref.into()],
    )
}

/// The three statements that apply a payout event in one batch, as for sessions
/// ([`apply_session_event`]).
pub fn apply_payout_event<'a>(
    payout_id: &'a str,
    change: &'a PayoutChange,
    claim: &'a str,
) -> [Query<'a>; 3] {
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
    [
        Query::new(
            "INSERT INTO payout_events \
             (event_key, payout_id, status, previous_status, provider_ref, provider_status, \
              failure, moved, at, claim) \
             SELECT ?1, id, ?2, status, ?3, ?4, ?5, \
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
    ]
}
