//! The D1-shaped binding, seen from Rust: `db.prepare(sql).bind(...)`, then `first`,
//! `all`, `run`, or `db.batch([...])` for several statements in one transaction. D1 on
//! Workers has this shape; so does any JavaScript object that imitates it.
//!
//! Errors keep only what names the schema (a constraint, a table, a column), never a
//! value: a stored value may be a customer's.
//!
//! Every statement and batch of every kind of ledger passes here, so this is where a
//! transient failure is tried again ([`transient`]: D1's network blips and resets,
//! SQLite's `database is locked`, PostgreSQL's serialization failures, deadlocks and lost
//! connections): [`ATTEMPTS`] tries in all, with exponential backoff and jitter, before
//! the error reaches the caller (who answers 503). A constraint violation is never tried
//! again: it carries meaning (an event applied once, a payout claimed once). The pause
//! is a timer, so the process goes on serving while it waits; the JavaScript drivers keep
//! only their engine's own short waits (SQLite's busy timeout, PostgreSQL's rerun of a
//! serializable transaction that conflicted).

use js_sys::{Array, Function, Promise, Reflect};
use serde_json::Value;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::super::LedgerError;
use crate::domain::money::MAX_AMOUNT;
use crate::edge::backoff::pause;
use crate::edge::log;
use crate::http::text::contains;
use crate::http::Fields;

/// Tries in all for a statement or batch that fails with a [`transient`] error.
const ATTEMPTS: u32 = 4;

/// The first pause between two tries; each next one doubles (plus jitter): 50, 100,
/// 200 ms, so a ledger that stays unavailable answers 503 within about a second.
const BASE_PAUSE_MS: u64 = 50;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: i32) -> JsValue;
}

/// One value bound to a `?`. Integers cross to JavaScript as numbers, exact up to
/// 2^53 - 1, which [`MAX_AMOUNT`] already caps every amount to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bind<'a> {
    /// A text value.
    Text(&'a str),
    /// An integer.
    Int(u64),
    /// SQL `NULL`.
    Null,
}

impl Bind<'_> {
    fn to_js(self) -> Result<JsValue, LedgerError> {
        match self {
            Bind::Text(text) => Ok(JsValue::from_str(text)),
            Bind::Int(n) => exact(n).map(JsValue::from_f64),
            Bind::Null => Ok(JsValue::NULL),
        }
    }
}

/// `n` as a JavaScript number, refused rather than rounded above 2^53 - 1.
pub(super) fn exact(n: u64) -> Result<f64, LedgerError> {
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

/// A statement and the values it binds, written side by side in `queries.rs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query<'a> {
    /// The SQL, with `?` or `?N` placeholders: a constant, so no text is built per call.
    pub sql: &'static str,
    /// The values, in placeholder order.
    pub params: Vec<Bind<'a>>,
}

impl<'a> Query<'a> {
    /// `sql` binding `params`.
    pub fn new(sql: &'static str, params: impl Into<Vec<Bind<'a>>>) -> Query<'a> {
        Query {
            sql,
            params: params.into(),
        }
    }
}

/// Which method of the binding runs the statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `statement.first()`: the first row, if any (read with [`Answer::first`]).
    First,
    /// `statement.all()`: every row (read with [`Answer::rows`]`(0)`).
    All,
    /// `statement.run()`: a write (read with [`Answer::changes`]`(0)`).
    Run,
    /// `db.batch([...])`: every statement as one transaction, all or none.
    Batch,
}

impl Call {
    fn method(self) -> &'static str {
        match self {
            Call::First => "first",
            Call::All => "all",
            Call::Run => "run",
            Call::Batch => "batch",
        }
    }
}

/// The database object (`env.GUICHET_LEDGER`).
#[derive(Clone)]
pub struct Binding {
    db: JsValue,
    /// `d1`, `sqlite` or `postgres`, for error messages.
    kind: &'static str,
}

impl Binding {
    /// `db` when it looks like a D1 database (it has a `prepare` method).
    pub fn new(db: JsValue, kind: &'static str) -> Option<Binding> {
        if !db.is_object() {
            return None;
        }
        let prepare = Reflect::get(&db, &JsValue::from_str("prepare")).ok()?;
        prepare.is_function().then_some(Binding { db, kind })
    }

    /// `db.prepare(sql).bind(...params)`.
    fn statement(&self, query: &Query<'_>) -> Result<JsValue, LedgerError> {
        let prepared = call(&self.db, "prepare", &[JsValue::from_str(query.sql)])
            .map_err(|e| d1_error(&self.op("prepare a statement"), &e))?;
        if query.params.is_empty() {
            return Ok(prepared);
        }
        let mut values = Vec::with_capacity(query.params.len());
        for bind in &query.params {
            values.push(bind.to_js()?);
        }
        call(&prepared, "bind", &values).map_err(|e| d1_error(&self.op("bind parameters"), &e))
    }

    /// What a message calls an operation: `D1 read a session`.
    fn op(&self, op: &str) -> String {
        match self.kind {
            "sqlite" => format!("SQLite {op}"),
            "postgres" => format!("PostgreSQL {op}"),
            _ => format!("D1 {op}"),
        }
    }

    /// Runs `queries` with `call` (one query, or a batch), tried again on a transient
    /// error: the one path of every statement, so the retries, the binding's calls and
    /// their errors are compiled once, not once per kind of call or per ledger method.
    pub async fn exec(
        &self,
        op: &str,
        call: Call,
        queries: &[Query<'_>],
    ) -> Result<Answer, LedgerError> {
        let op = self.op(op);
        // Loops, not `collect::<Result<..>>()` (an adapter chain compiled for each use).
        // Every call but a batch runs one query.
        let (target, args) = match call {
            Call::Batch => {
                let statements = Array::new();
                for query in queries {
                    statements.push(&self.statement(query)?);
                }
                (self.db.clone(), vec![statements.into()])
            }
            _ => (self.statement(&queries[0])?, Vec::new()),
        };
        let value = retried(&op, || self::call(&target, call.method(), &args)).await?;
        let results = match call {
            Call::Batch => value
                .dyn_into::<Array>()
                .map_err(|_| LedgerError(format!("{op}: the batch answered no list")))?
                .to_vec(),
            _ => vec![value],
        };
        Ok(Answer { op, call, results })
    }
}

/// What the binding answered: for a batch, one result (`{results, meta}`) per statement;
/// for one statement, its result (a row or `null` for [`Call::First`]).
pub struct Answer {
    op: String,
    call: Call,
    results: Vec<JsValue>,
}

impl Answer {
    fn result(&self, index: usize) -> Result<&JsValue, LedgerError> {
        self.results
            .get(index)
            .ok_or_else(|| LedgerError(format!("{}: the batch answered too few results", self.op)))
    }

    /// The row of a [`Call::First`], if any.
    pub fn first(self) -> Result<Rows, LedgerError> {
        let mut values = Vec::new();
        if let Some(row) = self.results.into_iter().next() {
            if !row.is_null() && !row.is_undefined() {
                values.push(row_value(&self.op, row)?);
            }
        }
        Ok(Rows {
            op: self.op,
            values,
        })
    }

    /// The rows of the `index`th statement (its first with [`Rows::one`]).
    pub fn rows(&self, index: usize) -> Result<Rows, LedgerError> {
        debug_assert!(self.call != Call::First);
        rows(self.op.clone(), self.result(index)?)
    }

    /// How many rows the `index`th statement changed.
    pub fn changes(&self, index: usize) -> Result<u64, LedgerError> {
        changes(&self.op, self.result(index)?)
    }
}

/// Calls `target[name](...args)`.
fn call(target: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let method: Function = Reflect::get(target, &JsValue::from_str(name))?.dyn_into()?;
    let args: Array = args.iter().collect();
    method.apply(target, &args)
}

/// Runs `send` (one D1 method call) until it succeeds, fails for good, or has failed
/// with a [`transient`] error [`ATTEMPTS`] times; each try again is logged.
async fn retried(
    op: &str,
    send: impl Fn() -> Result<JsValue, JsValue>,
) -> Result<JsValue, LedgerError> {
    let mut attempt = 1;
    loop {
        let error = match resolve(send()).await {
            Ok(value) => return Ok(value),
            Err(error) => Failure::of(&error),
        };
        // `{op} failed: {reason}`, written once and extended.
        let failed = error.failed(op);
        if !error.transient() {
            return Err(LedgerError(failed));
        }
        if attempt >= ATTEMPTS {
            return Err(LedgerError(format!(
                "{failed}, a transient error, on each of {ATTEMPTS} tries"
            )));
        }
        let ms = pause(BASE_PAUSE_MS, attempt);
        attempt += 1;
        log::error(&format!(
            "guichet: {failed}, a transient error; trying again in {ms} ms (try {attempt} of {ATTEMPTS})"
        ));
        sleep(ms).await;
    }
}

/// A `setTimeout` of `ms`: the runtime serves other requests meanwhile.
async fn sleep(ms: u64) {
    let ms = i32::try_from(ms).unwrap_or(i32::MAX);
    let promise = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    });
    // A timer cannot fail; if it did, trying again sooner is harmless.
    let _ = JsFuture::from(promise).await;
}

/// Awaits what a D1 method returned (a promise, or a value for the synchronous ones).
async fn resolve(returned: Result<JsValue, JsValue>) -> Result<JsValue, JsValue> {
    match returned?.dyn_into::<Promise>() {
        Ok(promise) => JsFuture::from(promise).await,
        Err(value) => Ok(value),
    }
}

/// What a database error says: its `message`, and its `code` where the driver sets one
/// (a PostgreSQL SQLSTATE, `SQLITE_BUSY`, `ECONNRESET`). Neither leaves this module
/// unfiltered: see [`Failure::reason`].
struct Failure {
    message: String,
    code: Option<String>,
}

impl Failure {
    fn of(error: &JsValue) -> Failure {
        let text = |name: &str| {
            Reflect::get(error, &JsValue::from_str(name))
                .ok()
                .and_then(|m| m.as_string())
        };
        Failure {
            message: text("message")
                .or_else(|| error.as_string())
                .unwrap_or_default(),
            code: text("code"),
        }
    }

    fn transient(&self) -> bool {
        transient(&self.message, self.code.as_deref())
    }

    /// `{op} failed: {reason}`.
    fn failed(&self, op: &str) -> String {
        format!("{op} failed: {}", self.reason())
    }

    /// Words safe for a log line: the schema names of [`safe_reason`], else the code.
    fn reason(&self) -> String {
        let reason = safe_reason(&self.message);
        match &self.code {
            Some(code) if reason == WITHHELD && is_code(code) => format!("code {code}"),
            _ => reason,
        }
    }
}

/// A driver's error code, which names a condition and never holds a value.
fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 32
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether a failure may pass if the same statement is sent again a moment later:
///
/// - D1: the errors Cloudflare's guide on retrying queries lists (`Network connection
///   lost`, `storage caused object to be reset`, `reset because its code was updated`)
///   and a D1 database that could not be resolved "due to transient issue";
/// - SQLite (a file, or D1): another connection holds the write lock (`SQLITE_BUSY`,
///   `database is locked`);
/// - PostgreSQL: serialization failure (40001), deadlock (40P01), a connection lost or
///   refused (SQLSTATE class 08, 57P01–57P03 while the server restarts, and the npm
///   `postgres` client's `CONNECTION_CLOSED`, `CONNECTION_DESTROYED`, `CONNECT_TIMEOUT`,
///   `ECONNRESET`, `ECONNREFUSED`, `EPIPE`, `ETIMEDOUT`).
///
/// Never a constraint violation (SQLite's `constraint failed`, SQLSTATE class 23): a
/// second try would fail the same way, and the first one's answer carries meaning.
fn transient(message: &str, code: Option<&str>) -> bool {
    let code = code.unwrap_or_default();
    if contains(message, "constraint failed")
        || contains(message, "SQLITE_CONSTRAINT")
        || code.starts_with("23")
        || code.starts_with("SQLITE_CONSTRAINT")
    {
        return false;
    }
    const MESSAGES: [&str; 7] = [
        "Network connection lost",
        "storage caused object to be reset",
        "reset because its code was updated",
        "due to transient issue",
        "database is locked",
        "SQLITE_BUSY",
        "Connection terminated unexpectedly",
    ];
    const CODES: [&str; 14] = [
        "SQLITE_BUSY",
        "40001",
        "40P01",
        "57P01",
        "57P02",
        "57P03",
        "CONNECTION_CLOSED",
        "CONNECTION_DESTROYED",
        "CONNECT_TIMEOUT",
        "ECONNRESET",
        "ECONNREFUSED",
        "EPIPE",
        "ETIMEDOUT",
        "SQLITE_BUSY_SNAPSHOT",
    ];
    MESSAGES.iter().any(|m| contains(message, m))
        || CODES.contains(&code)
        || (code.len() == 5 && code.starts_with("08"))
}

/// A database failure in words safe for a log line.
fn d1_error(op: &str, error: &JsValue) -> LedgerError {
    LedgerError(Failure::of(error).failed(op))
}

/// What [`safe_reason`] says of a message that names nothing it may repeat.
const WITHHELD: &str = "details withheld";

/// The schema-naming part of a SQLite message, or a generic word.
pub(super) fn safe_reason(message: &str) -> String {
    const NAMED: [&str; 5] = [
        "UNIQUE constraint failed: ",
        "NOT NULL constraint failed: ",
        "no such table: ",
        "no such column: ",
        "table already exists: ",
    ];
    for phrase in NAMED {
        if let Some(start) = crate::http::text::find(message, phrase) {
            // The phrase, then up to 120 characters of names, trailing spaces cut: a
            // loop, not a take_while/take/collect chain.
            let mut reason = phrase.to_owned();
            for (n, c) in message[start + phrase.len()..].chars().enumerate() {
                if n == 120 || !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ',' | ' ')) {
                    break;
                }
                reason.push(c);
            }
            let named = reason[phrase.len()..].trim_end().len();
            reason.truncate(phrase.len() + named);
            return reason;
        }
    }
    if contains(message, "guichet-migrate") {
        return "the schema is not up to date: run npx guichet-migrate".to_owned();
    }
    for phrase in [
        "CHECK constraint failed",
        "FOREIGN KEY constraint failed",
        "database is locked",
        "SQLITE_BUSY",
        "Network connection lost",
        "storage caused object to be reset",
        "reset because its code was updated",
        "due to transient issue",
        "Connection terminated unexpectedly",
    ] {
        if contains(message, phrase) {
            return phrase.to_owned();
        }
    }
    WITHHELD.to_owned()
}

/// `result.meta.changes` of a write.
fn changes(op: &str, result: &JsValue) -> Result<u64, LedgerError> {
    Reflect::get(result, &JsValue::from_str("meta"))
        .and_then(|meta| Reflect::get(&meta, &JsValue::from_str("changes")))
        .ok()
        .and_then(|n| n.as_f64())
        .filter(|n| n.fract() == 0.0 && *n >= 0.0)
        .map(|n| n as u64)
        .ok_or_else(|| LedgerError(format!("{op}: the answer has no meta.changes")))
}

/// Rows a statement answered, each as the JSON value `JSON.stringify` wrote of it, and
/// the operation that read them, for errors. Reading them as a type is the only generic
/// step: the query, its retries and the row's text are the same code for every type.
pub struct Rows {
    op: String,
    values: Vec<Value>,
}

impl Rows {
    /// Every row, each read by `read` (see [`Row`]): the loop and its errors are the same
    /// code for every kind of row.
    pub fn all<T>(self, read: fn(&mut Row) -> T) -> Result<Vec<T>, LedgerError> {
        let mut out = Vec::with_capacity(self.values.len());
        self.each(&mut |row| out.push(read(row)))?;
        Ok(out)
    }

    /// The first row, if any (every row read, as [`Rows::all`] does).
    pub fn one<T>(self, read: fn(&mut Row) -> T) -> Result<Option<T>, LedgerError> {
        let mut first = None;
        self.each(&mut |row| {
            let item = read(row);
            first = first.take().or(Some(item));
        })?;
        Ok(first)
    }

    /// Gives each row to `take`, then answers the rows' error, if any: the loop and its
    /// errors compiled once, not once per kind of row.
    fn each(self, take: &mut dyn FnMut(&mut Row)) -> Result<(), LedgerError> {
        let mut invalid = None;
        for value in self.values {
            let Value::Object(fields) = value else {
                return Err(unexpected(&self.op));
            };
            let mut row = Row::new(fields);
            take(&mut row);
            if !row.shape() {
                return Err(unexpected(&self.op));
            }
            invalid = invalid.or(row.invalid);
        }
        match invalid {
            // Read after every row's shape, as the rows were checked before their values.
            Some(why) => Err(LedgerError(why.to_owned())),
            None => Ok(()),
        }
    }
}

/// One row's columns, read by name with [`Fields`]' readers (the rules of the JSON the
/// routes read: `null` as missing, a whole number within its bound). A column that is
/// missing or of the wrong type marks the row's shape wrong ([`Rows::all`] then answers
/// an error naming the operation only, never the reader's words, which may quote a
/// stored value) and answers a stand-in that is never seen: a row's reader is
/// straight-line code.
pub struct Row {
    fields: Fields,
    /// A stored name that is none of its enum's.
    unknown: bool,
    invalid: Option<&'static str>,
}

impl Row {
    fn new(fields: serde_json::Map<String, Value>) -> Row {
        Row {
            fields: Fields::of(fields),
            unknown: false,
            invalid: None,
        }
    }

    /// Whether every column read had the type its reader asked for.
    fn shape(&self) -> bool {
        !self.unknown && !self.fields.failed()
    }

    /// An optional text.
    pub fn text_opt(&mut self, key: &'static str) -> Option<String> {
        self.fields.text_opt(key)
    }

    /// A required text.
    pub fn text(&mut self, key: &'static str) -> String {
        self.fields.text(key)
    }

    /// An optional whole number, at most `max`.
    pub fn uint_opt(&mut self, key: &'static str, max: u64) -> Option<u64> {
        self.fields.uint_opt(key, max)
    }

    /// A required whole number, at most `max`.
    pub fn uint(&mut self, key: &'static str, max: u64) -> u64 {
        self.fields.uint(key, max)
    }

    /// A required stored name: the one of `all` whose `name` it is, exactly as written
    /// (the names the enums' `Deserialize` reads; a test keeps them the same).
    pub fn pick<T: Copy>(
        &mut self,
        key: &'static str,
        all: &[T],
        name: fn(T) -> &'static str,
    ) -> T {
        let text = self.fields.text(key);
        match all.iter().find(|v| name(**v) == text) {
            Some(v) => *v,
            None => {
                self.unknown = true;
                all[0]
            }
        }
    }

    /// Notes that a value read has the right type but means nothing here: the rows'
    /// error is then `why` (after every row's shape was checked).
    pub fn invalid(&mut self, why: &'static str) {
        self.invalid = self.invalid.or(Some(why));
    }
}

/// `result.results` of a query.
fn rows(op: String, result: &JsValue) -> Result<Rows, LedgerError> {
    let list = Reflect::get(result, &JsValue::from_str("results"))
        .ok()
        .and_then(|r| r.dyn_into::<Array>().ok())
        .ok_or_else(|| LedgerError(format!("{op}: the answer has no results")))?;
    let mut values = Vec::with_capacity(list.length() as usize);
    for row in list.iter() {
        values.push(row_value(&op, row)?);
    }
    Ok(Rows { op, values })
}

/// The error of a row that cannot be read: it names the operation only, since a stored
/// value may be a customer's.
fn unexpected(op: &str) -> LedgerError {
    LedgerError(format!("{op}: a stored row has an unexpected shape"))
}

/// One row as a JSON value, read through `JSON.stringify` (integers below 2^53 print
/// exactly).
fn row_value(op: &str, row: JsValue) -> Result<Value, LedgerError> {
    js_sys::JSON::stringify(&row)
        .ok()
        .and_then(|t| t.as_string())
        .and_then(|text| crate::http::parse_json(text.as_bytes()).ok())
        .ok_or_else(|| unexpected(op))
}

#[cfg(test)]
mod tests;
