//! The SQL ledger, through a D1-shaped binding named `GUICHET_LEDGER`: Cloudflare D1 on
//! Workers; on Node and Deno, a SQLite file or PostgreSQL opened from
//! `GUICHET_LEDGER_URL` by `js/edge/ledger-*.js`, which present the same shape, say
//! their `kind`, and keep their own schema up to date (`managesSchema`). The queries are
//! SQLite's, which D1 speaks; the PostgreSQL binding numbers their placeholders its way
//! and runs each batch as one serializable transaction. Only the schema has a dialect of
//! its own (`migrations/postgres/`).
//!
//! - `binding.rs`: the binding seen from Rust (statements, batches, rows, safe errors);
//! - `queries.rs`: every statement beside the values it binds;
//! - `rows.rs`: what the queries read back;
//! - `schema.rs`: the bundled migration, for a database created at first use.

mod binding;
mod queries;
mod rows;
mod schema;

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::cell::Cell;

use js_sys::Reflect;
use wasm_bindgen::JsValue;

use self::binding::{Answer, Binding, Call, Query, Row, Rows};
use self::rows::EventOutcome;
use self::schema::{STATEMENTS, TABLES};
use super::{
    Applied, DeliveryState, EventRecord, Ledger, LedgerError, NewEvent, OrderInsert, OrderRecord,
    PayoutChange, PayoutClaim, PayoutRecord, Recheck, SessionRecord, StatusChange, StoredEvent,
    Subject,
};
use crate::domain::Provider;

/// The binding name the worker looks for.
pub const BINDING: &str = "GUICHET_LEDGER";

/// Set to `1` to create the tables at first use when they are missing (demo and tests).
pub const AUTO_MIGRATE: &str = "GUICHET_LEDGER_AUTO_MIGRATE";

/// Why a database without the tables is refused: a constant naming [`BINDING`] and
/// [`AUTO_MIGRATE`] (a test checks it against them), not a text formatted at run time.
const NO_TABLES: &str = "the D1 database bound as GUICHET_LEDGER lacks Guichet's tables: \
     apply migrations/ (wrangler d1 migrations apply <database>), or set \
     GUICHET_LEDGER_AUTO_MIGRATE=1 to create them at first use";

thread_local! {
    /// True once this isolate has seen the tables: the check costs one query per isolate.
    static SCHEMA_READY: Cell<bool> = const { Cell::new(false) };
}

/// A ledger in a SQL database behind a D1-shaped binding.
#[derive(Clone)]
pub struct SqlLedger {
    db: Binding,
    kind: &'static str,
    /// The binding keeps its schema up to date itself (a SQLite file, PostgreSQL).
    manages_schema: bool,
    auto_migrate: bool,
}

impl core::fmt::Debug for SqlLedger {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SqlLedger")
            .field("binding", &BINDING)
            .field("kind", &self.kind)
            .field("auto_migrate", &self.auto_migrate)
            .finish()
    }
}

/// A random token: the one request whose event insert won finds it in the row, and only
/// that request's `UPDATE` runs.
fn claim_token() -> Result<String, LedgerError> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|_| LedgerError("no randomness for an event claim".to_owned()))?;
    Ok(crate::signature::encode_hex(&bytes))
}

impl SqlLedger {
    /// The ledger behind `env.GUICHET_LEDGER`, when that binding is a D1 database (it has
    /// a `prepare` method); `None` otherwise.
    pub fn from_env(env: &JsValue) -> Option<SqlLedger> {
        let db = Reflect::get(env, &JsValue::from_str(BINDING)).ok()?;
        let kind = match Reflect::get(&db, &JsValue::from_str("kind"))
            .ok()
            .and_then(|k| k.as_string())
            .as_deref()
        {
            Some("sqlite") => "sqlite",
            Some("postgres") => "postgres",
            _ => "d1",
        };
        let manages_schema = Reflect::get(&db, &JsValue::from_str("managesSchema"))
            .ok()
            .and_then(|m| m.as_bool())
            .unwrap_or(false);
        let db = Binding::new(db, kind)?;
        let auto_migrate = Reflect::get(env, &JsValue::from_str(AUTO_MIGRATE))
            .ok()
            .and_then(|v| v.as_string())
            .is_some_and(|v| matches!(v.trim(), "1" | "true"));
        Some(SqlLedger {
            db,
            kind,
            manages_schema,
            auto_migrate,
        })
    }

    /// Makes sure the tables exist, once per isolate. Missing tables are an error telling
    /// the merchant to apply the migrations, unless `GUICHET_LEDGER_AUTO_MIGRATE=1`: a
    /// production database is never given a schema behind its owner's back.
    async fn ready(&self) -> Result<(), LedgerError> {
        if self.manages_schema || SCHEMA_READY.with(Cell::get) {
            return Ok(());
        }
        let found = self
            .db
            .exec("check the schema", Call::First, &[queries::count_tables()])
            .await?
            .first()?
            .one(rows::count)?;
        if found != Some(TABLES.len() as u64) {
            if !self.auto_migrate {
                return Err(LedgerError(NO_TABLES.to_owned()));
            }
            let mut statements = Vec::new();
            for sql in STATEMENTS {
                statements.push(Query::new(sql, []));
            }
            self.db
                .exec("apply the bundled migration", Call::Batch, &statements)
                .await?;
        }
        SCHEMA_READY.with(|r| r.set(true));
        Ok(())
    }

    /// Every method's one step: the schema checked once per isolate, then `queries` run
    /// with `call`. A method builds its statements, awaits this once, and reads the
    /// answer: the retries, the binding's calls and their state are this future's alone.
    async fn exec(
        &self,
        op: &str,
        call: Call,
        queries: Vec<Query<'_>>,
    ) -> Result<Answer, LedgerError> {
        self.ready().await?;
        self.db.exec(op, call, &queries).await
    }

    /// `queries` run with `call`, then the answer read by `then`: the future of every
    /// method that decides after the answer, one whatever the method (see [`Then`]).
    fn then<'a, O>(
        &'a self,
        op: &'a str,
        call: Call,
        queries: Vec<Query<'a>>,
        then: impl FnOnce(Answer) -> Result<O, LedgerError> + 'a,
    ) -> Then<'a, O> {
        Then {
            answer: Box::pin(self.exec(op, call, queries)),
            then: Some(Box::new(then)),
        }
    }

    /// The rows of one query run with `call` ([`Call::First`] or [`Call::All`]): the one
    /// future every read awaits, whatever record it reads.
    async fn rows(&self, op: &str, call: Call, query: Query<'_>) -> Result<Rows, LedgerError> {
        let answer = self.exec(op, call, vec![query]).await?;
        match call {
            Call::First => answer.first(),
            _ => answer.rows(0),
        }
    }

    /// The first row of one query, read by `read`.
    fn first<'a, T>(
        &'a self,
        op: &'a str,
        query: Query<'a>,
        read: fn(&mut Row) -> T,
    ) -> Read<'a, T, Option<T>> {
        Read {
            rows: Box::pin(self.rows(op, Call::First, query)),
            read,
            finish: Rows::one,
        }
    }

    /// Every row of one query, read by `read`.
    fn all<'a, T>(
        &'a self,
        op: &'a str,
        query: Query<'a>,
        read: fn(&mut Row) -> T,
    ) -> Read<'a, T, Vec<T>> {
        Read {
            rows: Box::pin(self.rows(op, Call::All, query)),
            read,
            finish: Rows::all,
        }
    }

    /// Runs one write, whatever it changed.
    fn write<'a>(&'a self, op: &'a str, query: Query<'a>) -> Then<'a, ()> {
        self.then(op, Call::Run, vec![query], |answer| {
            answer.changes(0)?;
            Ok(())
        })
    }

    /// Writes a record unless its key is taken (the batch's first statement, an insert
    /// that does nothing on conflict), else reads the rows holding the key (its second)
    /// with `read`, which answers `Ok(None)` when this request's insert went in.
    fn insert_or_read<'a, O>(
        &'a self,
        op: &'a str,
        batch: Vec<Query<'a>>,
        read: impl FnOnce(Option<Rows>) -> Result<O, LedgerError> + 'a,
    ) -> Then<'a, O> {
        self.then(op, Call::Batch, batch, |results| {
            if results.changes(0)? == 1 {
                return read(None);
            }
            read(Some(results.rows(1)?))
        })
    }

    /// Applies an event in its batch ([`queries::apply_session_event`] and its payout
    /// twin): what its third statement read back says what happened.
    async fn apply_event(
        &self,
        op: &str,
        batch: Vec<Query<'_>>,
        claim: &str,
    ) -> Result<Option<Applied>, LedgerError> {
        let results = self.exec(op, Call::Batch, batch).await?;
        Ok(EventOutcome::applied(
            results.rows(2)?.one(EventOutcome::read)?,
            claim,
        ))
    }
}

/// A read's future: [`SqlLedger::rows`]' future, boxed (one copy whatever the record),
/// then its rows read by `read` and `finish` ([`Rows::one`] or [`Rows::all`]). Before,
/// each reader was an async fn of its own, one state machine per kind of record.
struct Read<'a, T, O> {
    rows: Pin<Box<dyn Future<Output = Result<Rows, LedgerError>> + 'a>>,
    read: Reader<T>,
    finish: fn(Rows, Reader<T>) -> Result<O, LedgerError>,
}

/// A row's reader (the functions of `rows.rs`).
type Reader<T> = fn(&mut Row) -> T;

impl<T, O> Future for Read<'_, T, O> {
    type Output = Result<O, LedgerError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (read, finish) = (self.read, self.finish);
        self.rows.as_mut().poll(cx).map(|rows| finish(rows?, read))
    }
}

/// The future of a method that decides after the answer: [`SqlLedger::exec`]'s future,
/// boxed (one state machine whatever the method), then `then` on its answer. Before, each
/// such method was an async fn, a state machine of its own around `exec`'s.
struct Then<'a, O> {
    answer: Pin<Box<dyn Future<Output = Result<Answer, LedgerError>> + 'a>>,
    then: Option<Reading<'a, O>>,
}

/// What a [`Then`] does with the answer.
type Reading<'a, O> = Box<dyn FnOnce(Answer) -> Result<O, LedgerError> + 'a>;

impl<O> Future for Then<'_, O> {
    type Output = Result<O, LedgerError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Poll::Ready(answer) = self.answer.as_mut().poll(cx) else {
            return Poll::Pending;
        };
        // Taken once: a future is not polled again after it answered.
        match self.then.take() {
            Some(then) => Poll::Ready(answer.and_then(then)),
            None => Poll::Pending,
        }
    }
}

impl Ledger for SqlLedger {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn create_session<'a>(
        &'a self,
        session: &'a SessionRecord,
    ) -> impl Future<Output = Result<(), LedgerError>> {
        let batch = queries::insert_session(session);
        self.then("insert a session", Call::Batch, batch, |results| {
            if results.changes(0)? == 0 {
                return Err(LedgerError(format!("session {} exists", session.id)));
            }
            Ok(())
        })
    }

    fn session<'a>(
        &'a self,
        id: &'a str,
    ) -> impl Future<Output = Result<Option<SessionRecord>, LedgerError>> {
        self.first("read a session", queries::session(id), rows::session)
    }

    fn session_by_provider_ref<'a>(
        &'a self,
        provider: Provider,
        provider_ref: &'a str,
    ) -> impl Future<Output = Result<Option<SessionRecord>, LedgerError>> {
        let query = queries::session_by_provider_ref(provider, provider_ref);
        self.first("find a session by provider id", query, rows::session)
    }

    fn attach_payment<'a>(
        &'a self,
        id: &'a str,
        provider_ref: &'a str,
        checkout_url: &'a str,
        at: u64,
    ) -> impl Future<Output = Result<bool, LedgerError>> {
        let batch = vec![
            queries::attach_payment(id, provider_ref, checkout_url, at),
            queries::session_exists(id),
        ];
        self.insert_or_read("attach a payment", batch, move |rows| {
            match rows.map(|rows| rows.one(rows::count)).transpose()? {
                None => Ok(true),
                Some(Some(n)) if n > 0 => Ok(false),
                Some(_) => Err(LedgerError(format!("no session {id}"))),
            }
        })
    }

    async fn apply(
        &self,
        session_id: &str,
        change: &StatusChange,
        event: Option<&NewEvent>,
    ) -> Result<Applied, LedgerError> {
        let claim = claim_token()?;
        let batch = queries::apply_session_event(session_id, change, &claim, event);
        self.apply_event("apply a session event", batch, &claim)
            .await?
            .ok_or_else(|| LedgerError(format!("no session {session_id}")))
    }

    fn events<'a>(
        &'a self,
        session_id: &'a str,
    ) -> impl Future<Output = Result<Vec<EventRecord>, LedgerError>> {
        let query = queries::session_events(session_id);
        self.all("read a session's events", query, rows::event)
    }

    fn order_is_paid<'a>(
        &'a self,
        order_id: &'a str,
    ) -> impl Future<Output = Result<bool, LedgerError>> {
        let query = vec![queries::order_paid(order_id)];
        self.then("check an order's payment", Call::First, query, |answer| {
            Ok(answer.first()?.one(rows::count)?.is_some_and(|n| n > 0))
        })
    }

    fn create_order<'a>(
        &'a self,
        order: &'a OrderRecord,
    ) -> impl Future<Output = Result<OrderInsert, LedgerError>> {
        let batch = queries::insert_order(order).into();
        self.insert_or_read("register an order", batch, |rows| {
            match rows.map(|rows| rows.one(rows::order)).transpose()? {
                None => Ok(OrderInsert::Created),
                Some(Some(existing)) => Ok(OrderInsert::Existing(existing)),
                // Only an id already taken by another reference lands here.
                Some(None) => Err(LedgerError(format!("order id {} exists", order.id))),
            }
        })
    }

    fn order<'a>(
        &'a self,
        id: &'a str,
    ) -> impl Future<Output = Result<Option<OrderRecord>, LedgerError>> {
        self.first("read an order", queries::order(id), rows::order)
    }

    fn claim_payout<'a>(
        &'a self,
        payout: &'a PayoutRecord,
    ) -> impl Future<Output = Result<PayoutClaim, LedgerError>> {
        let batch = queries::claim_payout(payout).into();
        self.insert_or_read("claim an idempotency key", batch, |rows| {
            match rows.map(|rows| rows.one(rows::payout)).transpose()? {
                None => Ok(PayoutClaim::Claimed),
                Some(Some(existing)) => Ok(PayoutClaim::Existing(existing)),
                Some(None) => Err(LedgerError(format!("payout id {} exists", payout.id))),
            }
        })
    }

    fn payout<'a>(
        &'a self,
        id: &'a str,
    ) -> impl Future<Output = Result<Option<PayoutRecord>, LedgerError>> {
        self.first("read a payout", queries::payout(id), rows::payout)
    }

    fn payout_by_provider_ref<'a>(
        &'a self,
        provider: Provider,
        provider_ref: &'a str,
    ) -> impl Future<Output = Result<Option<PayoutRecord>, LedgerError>> {
        let query = queries::payout_by_provider_ref(provider, provider_ref);
        self.first("find a payout by provider id", query, rows::payout)
    }

    async fn apply_payout(
        &self,
        payout_id: &str,
        change: &PayoutChange,
        event: Option<&NewEvent>,
    ) -> Result<Applied, LedgerError> {
        let claim = claim_token()?;
        let batch = queries::apply_payout_event(payout_id, change, &claim, event);
        self.apply_event("apply a payout event", batch, &claim)
            .await?
            .ok_or_else(|| LedgerError(format!("no payout {payout_id}")))
    }

    fn order_by_reference<'a>(
        &'a self,
        reference: &'a str,
    ) -> impl Future<Output = Result<Option<OrderRecord>, LedgerError>> {
        let query = queries::order_by_reference(reference);
        self.first("find an order by reference", query, rows::order)
    }

    fn sessions_of_order<'a>(
        &'a self,
        order_id: &'a str,
    ) -> impl Future<Output = Result<Vec<SessionRecord>, LedgerError>> {
        let query = queries::sessions_of_order(order_id);
        self.all("read an order's sessions", query, rows::session)
    }

    fn events_after(
        &self,
        after: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, LedgerError>> {
        let query = queries::events_after(after, limit);
        self.all("list the merchant's events", query, rows::stored_event)
    }

    fn due_events(
        &self,
        now: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, LedgerError>> {
        let query = queries::due_events(now, limit);
        self.all("find events to deliver", query, rows::stored_event)
    }

    fn lease_event<'a>(
        &'a self,
        id: &'a str,
        seen: u64,
        until: u64,
    ) -> impl Future<Output = Result<bool, LedgerError>> {
        let query = vec![queries::lease_event(id, seen, until)];
        self.then("take an event for delivery", Call::Run, query, |answer| {
            Ok(answer.changes(0)? == 1)
        })
    }

    fn record_delivery<'a>(
        &'a self,
        id: &'a str,
        state: &'a DeliveryState,
    ) -> impl Future<Output = Result<(), LedgerError>> {
        self.write("record a delivery", queries::record_delivery(id, state))
    }

    fn note_recheck<'a>(
        &'a self,
        mark: &'a Recheck,
    ) -> impl Future<Output = Result<(), LedgerError>> {
        self.write("note a notification", queries::note_recheck(mark))
    }

    fn clear_recheck<'a>(
        &'a self,
        mark: &'a Recheck,
    ) -> impl Future<Output = Result<(), LedgerError>> {
        self.write("clear a notification", queries::clear_recheck(mark))
    }

    fn due_rechecks(
        &self,
        now: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Recheck>, LedgerError>> {
        let query = queries::due_rechecks(now, limit);
        self.all("find notifications to confirm", query, rows::recheck)
    }

    fn sessions_to_check(
        &self,
        now: u64,
        before: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<SessionRecord>, LedgerError>> {
        let query = queries::sessions_to_check(now, before, limit);
        self.all("find sessions to check", query, rows::session)
    }

    fn payouts_to_check(
        &self,
        before: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<PayoutRecord>, LedgerError>> {
        let query = queries::payouts_to_check(before, limit);
        self.all("find payouts to check", query, rows::payout)
    }

    fn mark_checked<'a>(
        &'a self,
        subject: Subject,
        id: &'a str,
        at: u64,
    ) -> impl Future<Output = Result<(), LedgerError>> {
        let query = queries::mark_checked(subject, id, at);
        self.write("note a sweep's check", query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The refusal names the binding and the setting as their constants spell them.
    #[test]
    fn the_missing_tables_text_names_the_binding_and_the_setting() {
        assert_eq!(
            NO_TABLES,
            format!(
                "the D1 database bound as {BINDING} lacks Guichet's tables: apply \
                 migrations/ (wrangler d1 migrations apply <database>), or set \
                 {AUTO_MIGRATE}=1 to create them at first use"
            )
        );
    }
}
