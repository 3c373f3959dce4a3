//! The Cloudflare D1 (SQLite) ledger, through the Workers binding named `GUICHET_LEDGER`.
//!
//! The schema is `migrations/0001_init.sql`, applied by the merchant with
//! `wrangler d1 migrations apply`. Several isolates may serve the same database at once,
//! so every promise of [`Ledger`] is kept by SQLite itself, never by a read then a write
//! from here: unique keys refuse the second event, order or idempotency key, and a status
//! moves only through an `UPDATE` whose `WHERE` names the statuses it may leave, inside
//! one `db.batch` (one transaction) with the event that justifies it.

use std::cell::Cell;

use js_sys::{Array, Function, Promise, Reflect};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::memory::MemoryLedger;
use super::{
    Applied, EventRecord, EventSource, Ledger, LedgerError, OrderInsert, OrderRecord, PayoutChange,
    PayoutClaim, PayoutRecord, SessionRecord, StatusChange,
};
use crate::domain::money::MAX_AMOUNT;
use crate::domain::{Currency, Lang, PaymentStatus, Provider};

/// The binding name the worker looks for.
pub const BINDING: &str = "GUICHET_LEDGER";

/// Set to `1` to create the tables at first use when they are missing (demo and tests).
pub const AUTO_MIGRATE: &str = "GUICHET_LEDGER_AUTO_MIGRATE";

/// The schema, the same file `wrangler d1 migrations apply` runs.
const MIGRATION: &str = include_str!("../../../migrations/0001_init.sql");

/// The tables the schema creates; all of them must be there before the first query.
const TABLES: [&str; 5] = [
    "orders",
    "sessions",
    "session_events",
    "payouts",
    "payout_events",
];

thread_local! {
    /// True once this isolate has seen the tables: the check costs one query per isolate.
    static SCHEMA_READY: Cell<bool> = const { Cell::new(false) };
}

/// A ledger in a D1 database.
#[derive(Clone)]
pub struct D1Ledger {
    db: JsValue,
    auto_migrate: bool,
}

impl core::fmt::Debug for D1Ledger {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("D1Ledger")
            .field("binding", &BINDING)
            .field("auto_migrate", &self.auto_migrate)
            .finish()
    }
}

impl D1Ledger {
    /// The ledger behind `env.GUICHET_LEDGER`, when that binding is a D1 database (it has
    /// a `prepare` method); `None` otherwise, and the worker keeps its memory ledger.
    pub fn from_env(env: &JsValue) -> Option<D1Ledger> {
        let db = Reflect::get(env, &JsValue::from_str(BINDING)).ok()?;
        if !db.is_object() {
            return None;
        }
        let prepare = Reflect::get(&db, &JsValue::from_str("prepare")).ok()?;
        if !prepare.is_function() {
            return None;
        }
        let auto_migrate = Reflect::get(env, &JsValue::from_str(AUTO_MIGRATE))
            .ok()
            .and_then(|v| v.as_string())
            .is_some_and(|v| matches!(v.trim(), "1" | "true"));
        Some(D1Ledger { db, auto_migrate })
    }

    /// Makes sure the tables exist, once per isolate. Missing tables are an error telling
    /// the merchant to apply the migrations, unless `GUICHET_LEDGER_AUTO_MIGRATE=1`: a
    /// production database is never given a schema behind its owner's back.
    async fn ready(&self) -> Result<(), LedgerError> {
        if SCHEMA_READY.with(Cell::get) {
            return Ok(());
        }
        let names = TABLES.map(|t| format!("'{t}'")).join(", ");
        let sql = format!(
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ({names})"
        );
        let found: Option<Count> = self.first("check the schema", &sql, &[]).await?;
        let complete = found.is_some_and(|c| c.n == TABLES.len() as u64);
        if !complete {
            if !self.auto_migrate {
                return Err(LedgerError(format!(
                    "the D1 database bound as {BINDING} lacks Guichet's tables: apply \
                     migrations/ (wrangler d1 migrations apply <database>), or set \
                     {AUTO_MIGRATE}=1 to create them at first use"
                )));
            }
            let statements = migration_statements(MIGRATION)
                .iter()
                .map(|sql| self.statement(sql, &[]))
                .collect::<Result<Vec<_>, _>>()?;
            self.batch("apply the bundled migration", statements)
                .await?;
        }
        SCHEMA_READY.with(|r| r.set(true));
        Ok(())
    }

    /// `db.prepare(sql).bind(...params)`.
    fn statement(&self, sql: &str, params: &[Bind<'_>]) -> Result<JsValue, LedgerError> {
        let prepared = call(&self.db, "prepare", &[JsValue::from_str(sql)])
            .map_err(|e| d1_error("prepare a statement", &e))?;
        if params.is_empty() {
            return Ok(prepared);
        }
        let values = params
            .iter()
            .map(Bind::to_js)
            .collect::<Result<Vec<_>, _>>()?;
        call(&prepared, "bind", &values).map_err(|e| d1_error("bind parameters", &e))
    }

    /// The first row of a query, if any.
    async fn first<T: DeserializeOwned>(
        &self,
        op: &str,
        sql: &str,
        params: &[Bind<'_>],
    ) -> Result<Option<T>, LedgerError> {
        let statement = self.statement(sql, params)?;
        let row = settle(op, call(&statement, "first", &[])).await?;
        if row.is_null() || row.is_undefined() {
            return Ok(None);
        }
        row_from(op, row).map(Some)
    }

    /// Every row of a query.
    async fn all<T: DeserializeOwned>(
        &self,
        op: &str,
        sql: &str,
        params: &[Bind<'_>],
    ) -> Result<Vec<T>, LedgerError> {
        let statement = self.statement(sql, params)?;
        let result = settle(op, call(&statement, "all", &[])).await?;
        rows(op, &result)
    }

    /// Runs a write; answers how many rows it changed.
    async fn run(&self, op: &str, sql: &str, params: &[Bind<'_>]) -> Result<u64, LedgerError> {
        let statement = self.statement(sql, params)?;
        let result = settle(op, call(&statement, "run", &[])).await?;
        changes(op, &result)
    }

    /// Runs statements as one transaction: all of them, or none if one fails. Answers one
    /// result (`{results, meta}`) per statement.
    async fn batch(&self, op: &str, statements: Vec<JsValue>) -> Result<Vec<JsValue>, LedgerError> {
        let list: Array = statements.into_iter().collect();
        let results = settle(op, call(&self.db, "batch", &[list.into()])).await?;
        let results: Array = results
            .dyn_into()
            .map_err(|_| LedgerError(format!("D1 {op}: the batch answered no list")))?;
        Ok(results.to_vec())
    }
}

/// One value bound to a `?`. Integers cross to JavaScript as numbers, exact up to
/// 2^53 - 1, which [`MAX_AMOUNT`] already caps every amount to.
enum Bind<'a> {
    Text(&'a str),
    Int(u64),
    Null,
}

impl Bind<'_> {
    fn to_js(&self) -> Result<JsValue, LedgerError> {
        match self {
            Bind::Text(text) => Ok(JsValue::from_str(text)),
            Bind::Int(n) => exact(*n).map(JsValue::from_f64),
            Bind::Null => Ok(JsValue::NULL),
        }
    }
}

/// `n` as a JavaScript number, refused rather than rounded above 2^53 - 1.
fn exact(n: u64) -> Result<f64, LedgerError> {
    if n <= MAX_AMOUNT {
        Ok(n as f64)
    } else {
        Err(LedgerError(
            "an integer above 2^53 - 1 cannot be stored exactly".to_owned(),
        ))
    }
}

impl<'a> From<&'a str> for Bind<'a> {
    fn from(text: &'a str) -> Self {
        Bind::Text(text)
    }
}

impl<'a> From<&'a String> for Bind<'a> {
    fn from(text: &'a String) -> Self {
        Bind::Text(text)
    }
}

impl From<u64> for Bind<'_> {
    fn from(n: u64) -> Self {
        Bind::Int(n)
    }
}

impl<'a> From<Option<&'a str>> for Bind<'a> {
    fn from(text: Option<&'a str>) -> Self {
        text.map_or(Bind::Null, Bind::Text)
    }
}

impl From<Option<u64>> for Bind<'_> {
    fn from(n: Option<u64>) -> Self {
        n.map_or(Bind::Null, Bind::Int)
    }
}

/// Calls `target[name](...args)`.
fn call(target: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let method: Function = Reflect::get(target, &JsValue::from_str(name))?.dyn_into()?;
    let args: Array = args.iter().collect();
    method.apply(target, &args)
}

/// Awaits what a D1 method returned (a promise, or a value for the synchronous ones).
async fn settle(op: &str, returned: Result<JsValue, JsValue>) -> Result<JsValue, LedgerError> {
    let value = returned.map_err(|e| d1_error(op, &e))?;
    match value.dyn_into::<Promise>() {
        Ok(promise) => JsFuture::from(promise).await.map_err(|e| d1_error(op, &e)),
        Err(value) => Ok(value),
    }
}

/// A D1 failure in words safe for a log line. D1's own message is kept only for the
/// shapes that name the schema (a constraint, a missing table or column), never a value.
fn d1_error(op: &str, error: &JsValue) -> LedgerError {
    let message = Reflect::get(error, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_default();
    LedgerError(format!("D1 {op} failed: {}", safe_reason(&message)))
}

/// The schema-naming part of a SQLite message, or a generic word.
fn safe_reason(message: &str) -> String {
    const NAMED: [&str; 5] = [
        "UNIQUE constraint failed: ",
        "NOT NULL constraint failed: ",
        "no such table: ",
        "no such column: ",
        "table already exists: ",
    ];
    for phrase in NAMED {
        if let Some(start) = message.find(phrase) {
            let rest = &message[start + phrase.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ',' | ' '))
                .take(120)
                .collect();
            return format!("{phrase}{}", name.trim_end());
        }
    }
    for phrase in [
        "CHECK constraint failed",
        "FOREIGN KEY constraint failed",
        "database is locked",
        "SQLITE_BUSY",
    ] {
        if message.contains(phrase) {
            return phrase.to_owned();
        }
    }
    "D1 error (details withheld)".to_owned()
}

/// `result.meta.changes` of a write.
fn changes(op: &str, result: &JsValue) -> Result<u64, LedgerError> {
    Reflect::get(result, &JsValue::from_str("meta"))
        .and_then(|meta| Reflect::get(&meta, &JsValue::from_str("changes")))
        .ok()
        .and_then(|n| n.as_f64())
        .filter(|n| n.fract() == 0.0 && *n >= 0.0)
        .map(|n| n as u64)
        .ok_or_else(|| LedgerError(format!("D1 {op}: the answer has no meta.changes")))
}

/// `result.results` of a query, each row read as `T`.
fn rows<T: DeserializeOwned>(op: &str, result: &JsValue) -> Result<Vec<T>, LedgerError> {
    let list = Reflect::get(result, &JsValue::from_str("results"))
        .ok()
        .and_then(|r| r.dyn_into::<Array>().ok())
        .ok_or_else(|| LedgerError(format!("D1 {op}: the answer has no results")))?;
    list.iter().map(|row| row_from(op, row)).collect()
}

/// One row as `T`, read through `JSON.stringify` (integers below 2^53 print exactly). The
/// error names the operation only: a stored value may be a customer's.
fn row_from<T: DeserializeOwned>(op: &str, row: JsValue) -> Result<T, LedgerError> {
    let unexpected = || LedgerError(format!("D1 {op}: a stored row has an unexpected shape"));
    let text = js_sys::JSON::stringify(&row)
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(unexpected)?;
    crate::http::from_json(text.as_bytes()).map_err(|_| unexpected())
}

/// The statements of a migration file: comment lines dropped, split where a line ends
/// with `;` (the file's own rule: no semicolon inside a statement).
fn migration_statements(sql: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        let code = line.trim();
        if code.is_empty() || code.starts_with("--") {
            continue;
        }
        if let Some(last) = code.strip_suffix(';') {
            current.push_str(last);
            statements.push(core::mem::take(&mut current));
        } else {
            current.push_str(code);
            current.push('\n');
        }
    }
    if !current.trim().is_empty() {
        statements.push(current);
    }
    statements
}

/// A random token: the one request whose event insert won finds it in the row, and only
/// that request's `UPDATE` runs.
fn claim_token() -> Result<String, LedgerError> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|_| LedgerError("no randomness for an event claim".to_owned()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// What an event insert left behind, read back in its batch.
#[derive(Deserialize)]
struct EventOutcome {
    previous_status: PaymentStatus,
    status: PaymentStatus,
    claim: String,
}

impl EventOutcome {
    fn applied(outcome: Option<EventOutcome>, claim: &str) -> Option<Applied> {
        let outcome = outcome?;
        Some(if outcome.claim == claim {
            Applied::after(outcome.previous_status, outcome.status)
        } else {
            Applied::Duplicate
        })
    }
}

#[derive(Deserialize)]
struct Count {
    n: u64,
}

#[derive(Deserialize)]
struct SessionRow {
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
struct EventRow {
    event_key: String,
    session_id: String,
    source: String,
    status: PaymentStatus,
    provider_status: String,
    moved: u8,
    at: u64,
}

impl EventRow {
    fn record(self) -> Result<EventRecord, LedgerError> {
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
struct OrderRow {
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
struct PayoutRow {
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

const SESSION_COLUMNS: &str = "id, provider, order_id, amount, currency, description, status, \
     provider_ref, provider_status, checkout_url, paid_amount, return_url, lang, created_at, \
     updated_at, expires_at";

const ORDER_COLUMNS: &str =
    "id, reference, amount, currency, description, customer_json, created_at";

const PAYOUT_COLUMNS: &str = "id, idempotency_key, request_digest, provider, amount, currency, \
     recipient_json, status, provider_ref, provider_status, failure, created_at, updated_at";

/// The event row is written only if the session exists, with the status it had at that
/// instant; a key seen before is ignored by its UNIQUE constraint.
const INSERT_SESSION_EVENT: &str = "INSERT INTO session_events \
     (event_key, session_id, source, status, previous_status, provider_status, paid_amount, \
      moved, at, claim) \
     SELECT ?1, id, ?2, ?3, status, ?4, ?5, \
            CASE WHEN status = 'pending' AND ?3 <> 'pending' THEN 1 ELSE 0 END, ?6, ?7 \
     FROM sessions WHERE id = ?8 \
     ON CONFLICT (event_key) DO NOTHING";

/// Runs only for the request whose event row went in, and never leaves a final status
/// (the same final status again only refreshes the provider's word, as in memory).
const UPDATE_SESSION: &str = "UPDATE sessions \
     SET status = ?3, provider_status = ?4, paid_amount = COALESCE(?5, paid_amount), \
         updated_at = ?6 \
     WHERE id = ?8 AND (status = 'pending' OR status = ?3) \
       AND EXISTS (SELECT 1 FROM session_events WHERE event_key = ?1 AND claim = ?7)";

const SESSION_EVENT_OUTCOME: &str =
    "SELECT previous_status, status, claim FROM session_events WHERE event_key = ?1";

const INSERT_PAYOUT_EVENT: &str = "INSERT INTO payout_events \
     (event_key, payout_id, status, previous_status, provider_ref, provider_status, failure, \
      moved, at, claim) \
     SELECT ?1, id, ?2, status, ?3, ?4, ?5, \
            CASE WHEN status = 'pending' AND ?2 <> 'pending' THEN 1 ELSE 0 END, ?6, ?7 \
     FROM payouts WHERE id = ?8 \
     ON CONFLICT (event_key) DO NOTHING";

const UPDATE_PAYOUT: &str = "UPDATE payouts \
     SET status = ?2, provider_status = ?4, provider_ref = COALESCE(?3, provider_ref), \
         failure = COALESCE(?5, failure), updated_at = ?6 \
     WHERE id = ?8 AND (status = 'pending' OR status = ?2) \
       AND EXISTS (SELECT 1 FROM payout_events WHERE event_key = ?1 AND claim = ?7)";

const PAYOUT_EVENT_OUTCOME: &str =
    "SELECT previous_status, status, claim FROM payout_events WHERE event_key = ?1";

impl D1Ledger {
    /// The first row of the `index`th statement of a batch.
    fn batch_row<T: DeserializeOwned>(
        op: &str,
        results: &[JsValue],
        index: usize,
    ) -> Result<Option<T>, LedgerError> {
        let result = results
            .get(index)
            .ok_or_else(|| LedgerError(format!("D1 {op}: the batch answered too few results")))?;
        Ok(rows(op, result)?.into_iter().next())
    }

    /// `meta.changes` of the `index`th statement of a batch.
    fn batch_changes(op: &str, results: &[JsValue], index: usize) -> Result<u64, LedgerError> {
        let result = results
            .get(index)
            .ok_or_else(|| LedgerError(format!("D1 {op}: the batch answered too few results")))?;
        changes(op, result)
    }
}

impl Ledger for D1Ledger {
    async fn create_session(&self, session: &SessionRecord) -> Result<(), LedgerError> {
        self.ready().await?;
        let sql = format!(
            "INSERT INTO sessions ({SESSION_COLUMNS}) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO NOTHING"
        );
        let changed = self
            .run(
                "insert a session",
                &sql,
                &[
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
            .await?;
        if changed == 0 {
            return Err(LedgerError(format!("session {} exists", session.id)));
        }
        Ok(())
    }

    async fn session(&self, id: &str) -> Result<Option<SessionRecord>, LedgerError> {
        self.ready().await?;
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?");
        let row: Option<SessionRow> = self.first("read a session", &sql, &[id.into()]).await?;
        Ok(row.map(SessionRecord::from))
    }

    async fn session_by_provider_ref(
        &self,
        provider: Provider,
        provider_ref: &str,
    ) -> Result<Option<SessionRecord>, LedgerError> {
        self.ready().await?;
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE provider = ? AND provider_ref = ?"
        );
        let row: Option<SessionRow> = self
            .first(
                "find a session by provider id",
                &sql,
                &[provider.as_str().into(), provider_ref.into()],
            )
            .await?;
        Ok(row.map(SessionRecord::from))
    }

    async fn attach_payment(
        &self,
        id: &str,
        provider_ref: &str,
        checkout_url: &str,
        at: u64,
    ) -> Result<bool, LedgerError> {
        self.ready().await?;
        const OP: &str = "attach a payment";
        let update = self.statement(
            "UPDATE sessions SET provider_ref = ?1, checkout_url = ?2, updated_at = ?3 \
             WHERE id = ?4 AND provider_ref IS NULL",
            &[
                provider_ref.into(),
                checkout_url.into(),
                at.into(),
                id.into(),
            ],
        )?;
        let exists = self.statement(
            "SELECT count(*) AS n FROM sessions WHERE id = ?1",
            &[id.into()],
        )?;
        let results = self.batch(OP, vec![update, exists]).await?;
        if Self::batch_changes(OP, &results, 0)? == 1 {
            return Ok(true);
        }
        match Self::batch_row::<Count>(OP, &results, 1)? {
            Some(Count { n }) if n > 0 => Ok(false),
            _ => Err(LedgerError(format!("no session {id}"))),
        }
    }

    async fn apply(&self, session_id: &str, change: &StatusChange) -> Result<Applied, LedgerError> {
        self.ready().await?;
        const OP: &str = "apply a session event";
        let claim = claim_token()?;
        let params: [Bind<'_>; 8] = [
            (&change.event_key).into(),
            change.source.as_str().into(),
            change.status.as_str().into(),
            (&change.provider_status).into(),
            change.paid_amount.into(),
            change.at.into(),
            claim.as_str().into(),
            session_id.into(),
        ];
        let statements = vec![
            self.statement(INSERT_SESSION_EVENT, &params)?,
            self.statement(UPDATE_SESSION, &params)?,
            self.statement(SESSION_EVENT_OUTCOME, &params[..1])?,
        ];
        let results = self.batch(OP, statements).await?;
        let outcome = Self::batch_row::<EventOutcome>(OP, &results, 2)?;
        EventOutcome::applied(outcome, &claim)
            .ok_or_else(|| LedgerError(format!("no session {session_id}")))
    }

    async fn events(&self, session_id: &str) -> Result<Vec<EventRecord>, LedgerError> {
        self.ready().await?;
        let rows: Vec<EventRow> = self
            .all(
                "read a session's events",
                "SELECT event_key, session_id, source, status, provider_status, moved, at \
                 FROM session_events WHERE session_id = ? ORDER BY seq",
                &[session_id.into()],
            )
            .await?;
        rows.into_iter().map(EventRow::record).collect()
    }

    async fn order_is_paid(&self, order_id: &str) -> Result<bool, LedgerError> {
        self.ready().await?;
        let count: Option<Count> = self
            .first(
                "check an order's payment",
                "SELECT count(*) AS n FROM sessions WHERE order_id = ? AND status = 'succeeded'",
                &[order_id.into()],
            )
            .await?;
        Ok(count.is_some_and(|c| c.n > 0))
    }

    async fn create_order(&self, order: &OrderRecord) -> Result<OrderInsert, LedgerError> {
        self.ready().await?;
        const OP: &str = "register an order";
        let insert = self.statement(
            &format!(
                "INSERT INTO orders ({ORDER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (reference) DO NOTHING"
            ),
            &[
                (&order.id).into(),
                (&order.reference).into(),
                order.amount.into(),
                order.currency.code().into(),
                (&order.description).into(),
                order.customer_json.as_deref().into(),
                order.created_at.into(),
            ],
        )?;
        let existing = self.statement(
            &format!("SELECT {ORDER_COLUMNS} FROM orders WHERE reference = ?"),
            &[(&order.reference).into()],
        )?;
        let results = self.batch(OP, vec![insert, existing]).await?;
        if Self::batch_changes(OP, &results, 0)? == 1 {
            return Ok(OrderInsert::Created);
        }
        match Self::batch_row::<OrderRow>(OP, &results, 1)? {
            Some(row) => Ok(OrderInsert::Existing(row.into())),
            // Only an id already taken by another reference lands here.
            None => Err(LedgerError(format!("order id {} exists", order.id))),
        }
    }

    async fn order(&self, id: &str) -> Result<Option<OrderRecord>, LedgerError> {
        self.ready().await?;
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = ?");
        let row: Option<OrderRow> = self.first("read an order", &sql, &[id.into()]).await?;
        Ok(row.map(OrderRecord::from))
    }

    async fn claim_payout(&self, payout: &PayoutRecord) -> Result<PayoutClaim, LedgerError> {
        self.ready().await?;
        const OP: &str = "claim an idempotency key";
        let insert = self.statement(
            &format!(
                "INSERT INTO payouts ({PAYOUT_COLUMNS}) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (idempotency_key) DO NOTHING"
            ),
            &[
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
        )?;
        let existing = self.statement(
            &format!("SELECT {PAYOUT_COLUMNS} FROM payouts WHERE idempotency_key = ?"),
            &[(&payout.idempotency_key).into()],
        )?;
        let results = self.batch(OP, vec![insert, existing]).await?;
        if Self::batch_changes(OP, &results, 0)? == 1 {
            return Ok(PayoutClaim::Claimed);
        }
        match Self::batch_row::<PayoutRow>(OP, &results, 1)? {
            Some(row) => Ok(PayoutClaim::Existing(row.into())),
            None => Err(LedgerError(format!("payout id {} exists", payout.id))),
        }
    }

    async fn payout(&self, id: &str) -> Result<Option<PayoutRecord>, LedgerError> {
        self.ready().await?;
        let sql = format!("SELECT {PAYOUT_COLUMNS} FROM payouts WHERE id = ?");
        let row: Option<PayoutRow> = self.first("read a payout", &sql, &[id.into()]).await?;
        Ok(row.map(PayoutRecord::from))
    }

    async fn payout_by_provider_ref(
        &self,
        provider: Provider,
        provider_ref: &str,
    ) -> Result<Option<PayoutRecord>, LedgerError> {
        self.ready().await?;
        let sql =
            format!("SELECT {PAYOUT_COLUMNS} FROM payouts WHERE provider = ? AND provider_ref = ?");
        let row: Option<PayoutRow> = self
            .first(
                "find a payout by provider id",
                &sql,
                &[provider.as_str().into(), provider_ref.into()],
            )
            .await?;
        Ok(row.map(PayoutRecord::from))
    }

    async fn apply_payout(
        &self,
        payout_id: &str,
        change: &PayoutChange,
    ) -> Result<Applied, LedgerError> {
        self.ready().await?;
        const OP: &str = "apply a payout event";
        let claim = claim_token()?;
        let params: [Bind<'_>; 8] = [
            (&change.event_key).into(),
            change.status.as_str().into(),
            change.provider_ref.as_deref().into(),
            (&change.provider_status).into(),
            change.failure.as_deref().into(),
            change.at.into(),
            claim.as_str().into(),
            payout_id.into(),
        ];
        let statements = vec![
            self.statement(INSERT_PAYOUT_EVENT, &params)?,
            self.statement(UPDATE_PAYOUT, &params)?,
            self.statement(PAYOUT_EVENT_OUTCOME, &params[..1])?,
        ];
        let results = self.batch(OP, statements).await?;
        let outcome = Self::batch_row::<EventOutcome>(OP, &results, 2)?;
        EventOutcome::applied(outcome, &claim)
            .ok_or_else(|| LedgerError(format!("no payout {payout_id}")))
    }
}

/// The ledger one worker request uses: D1 when `GUICHET_LEDGER` is bound, the isolate's
/// memory ledger otherwise. One type for both, so the routes are compiled once rather
/// than once per ledger.
pub enum WorkerLedger<'a> {
    /// No binding: the isolate's memory.
    Memory(&'a MemoryLedger),
    /// The bound D1 database.
    D1(D1Ledger),
}

impl<'a> WorkerLedger<'a> {
    /// D1 when `env` binds it, `memory` otherwise.
    pub fn choose(env: &JsValue, memory: &'a MemoryLedger) -> WorkerLedger<'a> {
        match D1Ledger::from_env(env) {
            Some(d1) => WorkerLedger::D1(d1),
            None => WorkerLedger::Memory(memory),
        }
    }
}

impl Ledger for WorkerLedger<'_> {
    async fn create_session(&self, session: &SessionRecord) -> Result<(), LedgerError> {
        match self {
            WorkerLedger::Memory(l) => l.create_session(session).await,
            WorkerLedger::D1(l) => l.create_session(session).await,
        }
    }

    async fn session(&self, id: &str) -> Result<Option<SessionRecord>, LedgerError> {
        match self {
            WorkerLedger::Memory(l) => l.session(id).await,
            WorkerLedger::D1(l) => l.session(id).await,
        }
    }

    async fn session_by_provider_ref(
        &self,
        provider: Provider,
        provider_ref: &str,
    ) -> Result<Option<SessionRecord>, LedgerError> {
        match self {
            WorkerLedger::Memory(l) => l.session_by_provider_ref(provider, provider_ref).await,
            WorkerLedger::D1(l) => l.session_by_provider_ref(provider, provider_ref).await,
        }
    }

    async fn attach_payment(
        &self,
        id: &str,
        provider_ref: &str,
        checkout_url: &str,
        at: u64,
    ) -> Result<bool, LedgerError> {
        match self {
            WorkerLedger::Memory(l) => l.attach_payment(id, provider_ref, checkout_url, at).await,
            WorkerLedger::D1(l) => l.attach_payment(id, provider_ref, checkout_url, at).await,
        }
    }

    async fn apply(&self, session_id: &str, change: &StatusChange) -> Result<Applied, LedgerError> {
        match self {
            WorkerLedger::Memory(l) => l.apply(session_id, change).await,
            WorkerLedger::D1(l) => l.apply(session_id, change).await,
        }
    }

    async fn events(&self, session_id: &str) -> Result<Vec<EventRecord>, LedgerError> {
        match self {
            WorkerLedger::Memory(l) => l.events(session_id).await,
            WorkerLedger::D1(l) => l.events(session_id).await,
        }
    }

    async fn order_is_paid(&self, order_id: &str) -> Result<bool, LedgerError> {
        match self {
            WorkerLedger::Memory(l) => l.order_is_paid(order_id).await,
            WorkerLedger::D1(l) => l.order_is_paid(order_id).await,
        }
    }

    async fn create_order(&self, order: &OrderRecord) -> Result<OrderInsert, LedgerError> {
        match self {
            WorkerLedger::Memory(l) => l.create_order(order).await,
            WorkerLedger::D1(l) => l.create_order(order).await,
        }
    }

    async fn order(&self, id: &str) -> Result<Option<OrderRecord>, LedgerError> {
        match self {
            WorkerLedger::Memory(l) => l.order(id).await,
            WorkerLedger::D1(l) => l.order(id).await,
        }
    }

    async fn claim_payout(&self, payout: &PayoutRecord) -> Result<PayoutClaim, LedgerError> {
        match self {
            WorkerLedger::Memory(l) => l.claim_payout(payout).await,
            WorkerLedger::D1(l) => l.claim_payout(payout).await,
        }
    }

    async fn payout(&self, id: &str) -> Result<Option<PayoutRecord>, LedgerError> {
        match self {
            WorkerLedger::Memory(l) => l.payout(id).await,
            WorkerLedger::D1(l) => l.payout(id).await,
        }
    }

    async fn payout_by_provider_ref(
        &self,
        provider: Provider,
        provider_ref: &str,
    ) -> Result<Option<PayoutRecord>, LedgerError> {
        match self {
            WorkerLedger::Memory(l) => l.payout_by_provider_ref(provider, provider_ref).await,
            WorkerLedger::D1(l) => l.payout_by_provider_ref(provider, provider_ref).await,
        }
    }

    async fn apply_payout(
        &self,
        payout_id: &str,
        change: &PayoutChange,
    ) -> Result<Applied, LedgerError> {
        match self {
            WorkerLedger::Memory(l) => l.apply_payout(payout_id, change).await,
            WorkerLedger::D1(l) => l.apply_payout(payout_id, change).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_migration_splits_into_its_create_statements() {
        let statements = migration_statements(MIGRATION);
        let tables = statements
            .iter()
            .filter(|s| s.starts_with("CREATE TABLE IF NOT EXISTS"))
            .count();
        let indexes = statements
            .iter()
            .filter(|s| s.starts_with("CREATE INDEX IF NOT EXISTS"))
            .count();
        assert_eq!((tables, indexes), (TABLES.len(), 3), "{statements:#?}");
        assert_eq!(statements.len(), tables + indexes);
        for statement in &statements {
            assert!(
                !statement.contains("--"),
                "a comment was left in: {statement}"
            );
            assert!(
                !statement.contains(';'),
                "two statements were joined: {statement}"
            );
        }
        for table in TABLES {
            let create = format!("CREATE TABLE IF NOT EXISTS {table} (");
            assert!(statements.iter().any(|s| s.starts_with(&create)), "{table}");
        }
    }

    #[test]
    fn a_statement_without_a_final_semicolon_is_kept() {
        assert_eq!(
            migration_statements("-- note\nCREATE TABLE a (x);\n\nCREATE TABLE b (\n  y\n)"),
            vec![
                "CREATE TABLE a (x)".to_owned(),
                "CREATE TABLE b (\ny\n)\n".to_owned()
            ]
        );
    }

    #[test]
    fn d1_errors_keep_schema_names_and_withhold_values() {
        assert_eq!(
            safe_reason("D1_ERROR: UNIQUE constraint failed: sessions.provider, sessions.provider_ref: SQLITE_CONSTRAINT"),
            "UNIQUE constraint failed: sessions.provider, sessions.provider_ref"
        );
        assert_eq!(
            safe_reason("D1_ERROR: no such table: sessions: SQLITE_ERROR"),
            "no such table: sessions"
        );
        assert_eq!(
            safe_reason("D1_ERROR: CHECK constraint failed: typeof(amount) = 'integer'"),
            "CHECK constraint failed"
        );
        let withheld =
            safe_reason("D1_TYPE_ERROR: Type 'object' not supported for value '+2250701020304'");
        assert!(!withheld.contains("2250701020304"), "{withheld}");
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

    #[test]
    fn integers_above_two_to_the_53_are_refused_rather_than_rounded() {
        assert_eq!(exact(MAX_AMOUNT), Ok(9_007_199_254_740_991.0));
        assert!(exact(MAX_AMOUNT + 1).is_err());
    }
}
