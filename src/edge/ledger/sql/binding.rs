//! The D1-shaped binding, seen from Rust: `db.prepare(sql).bind(...)`, then `first`,
//! `all`, `run`, or `db.batch([...])` for several statements in one transaction. D1 on
//! Workers has this shape; so does any JavaScript object that imitates it.
//!
//! Errors keep only what names the schema (a constraint, a table, a column), never a
//! value: a stored value may be a customer's.

use js_sys::{Array, Function, Promise, Reflect};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::super::LedgerError;
use crate::domain::money::MAX_AMOUNT;

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
    /// The SQL, with `?` or `?N` placeholders.
    pub sql: String,
    /// The values, in placeholder order.
    pub params: Vec<Bind<'a>>,
}

impl<'a> Query<'a> {
    /// `sql` binding `params`.
    pub fn new(sql: impl Into<String>, params: impl Into<Vec<Bind<'a>>>) -> Query<'a> {
        Query {
            sql: sql.into(),
            params: params.into(),
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
        let prepared = call(&self.db, "prepare", &[JsValue::from_str(&query.sql)])
            .map_err(|e| d1_error(&self.op("prepare a statement"), &e))?;
        if query.params.is_empty() {
            return Ok(prepared);
        }
        let values = query
            .params
            .iter()
            .map(|b| b.to_js())
            .collect::<Result<Vec<_>, _>>()?;
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

    /// The first row of a query, if any.
    pub async fn first<T: DeserializeOwned>(
        &self,
        op: &str,
        query: Query<'_>,
    ) -> Result<Option<T>, LedgerError> {
        let op = &self.op(op);
        let statement = self.statement(&query)?;
        let row = resolve(op, call(&statement, "first", &[])).await?;
        if row.is_null() || row.is_undefined() {
            return Ok(None);
        }
        row_from(op, row).map(Some)
    }

    /// Every row of a query.
    pub async fn all<T: DeserializeOwned>(
        &self,
        op: &str,
        query: Query<'_>,
    ) -> Result<Vec<T>, LedgerError> {
        let op = &self.op(op);
        let statement = self.statement(&query)?;
        let result = resolve(op, call(&statement, "all", &[])).await?;
        rows(op, &result)
    }

    /// Runs a write; answers how many rows it changed.
    pub async fn run(&self, op: &str, query: Query<'_>) -> Result<u64, LedgerError> {
        let op = &self.op(op);
        let statement = self.statement(&query)?;
        let result = resolve(op, call(&statement, "run", &[])).await?;
        changes(op, &result)
    }

    /// Runs statements as one transaction: all of them, or none if one fails.
    pub async fn batch(&self, op: &str, queries: &[Query<'_>]) -> Result<Batch, LedgerError> {
        let op = &self.op(op);
        let list = queries
            .iter()
            .map(|q| self.statement(q))
            .collect::<Result<Array, _>>()?;
        let results = resolve(op, call(&self.db, "batch", &[list.into()])).await?;
        let results: Array = results
            .dyn_into()
            .map_err(|_| LedgerError(format!("{op}: the batch answered no list")))?;
        Ok(Batch {
            op: op.clone(),
            results: results.to_vec(),
        })
    }
}

/// What a batch answered: one result (`{results, meta}`) per statement.
pub struct Batch {
    op: String,
    results: Vec<JsValue>,
}

impl Batch {
    fn result(&self, index: usize) -> Result<&JsValue, LedgerError> {
        self.results
            .get(index)
            .ok_or_else(|| LedgerError(format!("{}: the batch answered too few results", self.op)))
    }

    /// The first row of the `index`th statement.
    pub fn row<T: DeserializeOwned>(&self, index: usize) -> Result<Option<T>, LedgerError> {
        Ok(rows(&self.op, self.result(index)?)?.into_iter().next())
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

/// Awaits what a D1 method returned (a promise, or a value for the synchronous ones).
async fn resolve(op: &str, returned: Result<JsValue, JsValue>) -> Result<JsValue, LedgerError> {
    let value = returned.map_err(|e| d1_error(op, &e))?;
    match value.dyn_into::<Promise>() {
        Ok(promise) => JsFuture::from(promise).await.map_err(|e| d1_error(op, &e)),
        Err(value) => Ok(value),
    }
}

/// A database failure in words safe for a log line.
fn d1_error(op: &str, error: &JsValue) -> LedgerError {
    let message = Reflect::get(error, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_default();
    LedgerError(format!("{op} failed: {}", safe_reason(&message)))
}

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
    if message.contains("guichet-migrate") {
        return "the schema is not up to date: run npx guichet-migrate".to_owned();
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
    "details withheld".to_owned()
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

/// `result.results` of a query, each row read as `T`.
fn rows<T: DeserializeOwned>(op: &str, result: &JsValue) -> Result<Vec<T>, LedgerError> {
    let list = Reflect::get(result, &JsValue::from_str("results"))
        .ok()
        .and_then(|r| r.dyn_into::<Array>().ok())
        .ok_or_else(|| LedgerError(format!("{op}: the answer has no results")))?;
    list.iter().map(|row| row_from(op, row)).collect()
}

/// One row as `T`, read through `JSON.stringify` (integers below 2^53 print exactly). The
/// error names the operation only: a stored value may be a customer's.
fn row_from<T: DeserializeOwned>(op: &str, row: JsValue) -> Result<T, LedgerError> {
    let unexpected = || LedgerError(format!("{op}: a stored row has an unexpected shape"));
    let text = js_sys::JSON::stringify(&row)
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(unexpected)?;
    crate::http::from_json(text.as_bytes()).map_err(|_| unexpected())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn integers_above_two_to_the_53_are_refused_rather_than_rounded() {
        assert_eq!(exact(MAX_AMOUNT), Ok(9_007_199_254_740_991.0));
        assert!(exact(MAX_AMOUNT + 1).is_err());
    }
}
