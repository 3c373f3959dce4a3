//! JSON answers in the contract's shape, errors included:
//! `{"error": {"code", "message", "field"?}}`.

use crate::domain::{Lang, Message, Violations};
use crate::http::{json_text, HttpResponse};
use crate::providers::ProviderError;

use super::ledger::LedgerError;

/// What a route answers: the answer it meant to give, or the [`Failure`] that stopped it.
pub type Reply = Result<HttpResponse, Failure>;

/// Why a route stopped short, carried up with `?` and written out by the router as the
/// contract's error answer (`{"error": {"code", "message", "field"?}}`).
#[derive(Debug)]
pub enum Failure {
    /// The ledger failed: a `503` (`ledger_unavailable`, or `ledger_not_configured`
    /// when there is none), its own words kept for the log.
    Ledger(LedgerError),
    /// An error answer written out already (a refusal, a `404`, a `422`).
    Answer(HttpResponse),
}

impl From<LedgerError> for Failure {
    fn from(failure: LedgerError) -> Failure {
        Failure::Ledger(failure)
    }
}

impl From<HttpResponse> for Failure {
    fn from(answer: HttpResponse) -> Failure {
        Failure::Answer(answer)
    }
}

impl From<Failure> for HttpResponse {
    fn from(failure: Failure) -> HttpResponse {
        match failure {
            Failure::Ledger(failure) => ledger_error(&failure),
            Failure::Answer(answer) => answer,
        }
    }
}

/// An answer's JSON, written field by field as serde_json's compact writer writes a
/// derived `Serialize` (the same escapes and numbers, fields in the order written): one
/// non-generic path for every answer, where each derived type compiled its own
/// serializer, its `serialize_entry` instances and its copy of the writer's entry.
pub struct Json(Vec<u8>);

impl Json {
    /// An object, opened.
    pub fn object() -> Json {
        let mut out = Vec::with_capacity(256);
        out.push(b'{');
        Json(out)
    }

    /// A comma unless a value opened just before.
    fn next(&mut self) {
        if !matches!(self.0.last(), Some(b'{' | b'[')) {
            self.0.push(b',');
        }
    }

    /// `"key":` (keys are ours: plain ASCII that needs no escape).
    #[inline(never)]
    pub fn key(&mut self, key: &str) -> &mut Json {
        self.next();
        self.0.push(b'"');
        self.0.extend_from_slice(key.as_bytes());
        self.0.extend_from_slice(b"\":");
        self
    }

    /// serde_json's text of a value, appended. Through `to_vec`: serde_json is built
    /// without `std` (Cargo.toml), which keeps std's `io::Error` texts out of the wasm but
    /// does not export its `Serializer` to write into this vector directly.
    fn append(&mut self, text: serde_json::Result<Vec<u8>>) -> &mut Json {
        if let Ok(text) = text {
            self.0.extend_from_slice(&text);
        }
        self
    }

    /// A text value, escaped as serde_json escapes it.
    #[inline(never)]
    pub fn text(&mut self, value: &str) -> &mut Json {
        json_text::push_str(&mut self.0, value);
        self
    }

    /// `"key":"value"`.
    pub fn str(&mut self, key: &str, value: &str) -> &mut Json {
        self.key(key).text(value)
    }

    /// `"key":"value"`, left out when `None`.
    pub fn opt_str(&mut self, key: &str, value: Option<&str>) -> &mut Json {
        if let Some(value) = value {
            self.str(key, value);
        }
        self
    }

    /// `"key":"value"` or `"key":null`.
    #[inline(never)]
    pub fn str_or_null(&mut self, key: &str, value: Option<&str>) -> &mut Json {
        match value {
            Some(value) => self.str(key, value),
            None => self.raw(key, b"null"),
        }
    }

    /// `"key":n`.
    #[inline(never)]
    pub fn num(&mut self, key: &str, value: u64) -> &mut Json {
        json_text::push_u64(&mut self.key(key).0, value);
        self
    }

    /// `"key":"<RFC 3339 time>"` for Unix seconds.
    #[inline(never)]
    pub fn time(&mut self, key: &str, seconds: u64) -> &mut Json {
        let out = &mut self.key(key).0;
        out.push(b'"');
        super::runtime::push_rfc3339(out, seconds);
        out.push(b'"');
        self
    }

    /// `"key":n` or `"key":null`.
    pub fn num_or_null(&mut self, key: &str, value: Option<u64>) -> &mut Json {
        match value {
            Some(value) => self.num(key, value),
            None => self.raw(key, b"null"),
        }
    }

    /// `"key":true` or `"key":false`.
    pub fn bool(&mut self, key: &str, value: bool) -> &mut Json {
        self.raw(key, if value { b"true" } else { b"false" })
    }

    /// `"key":` and JSON text written already.
    #[inline(never)]
    pub fn raw(&mut self, key: &str, json: &[u8]) -> &mut Json {
        self.key(key).0.extend_from_slice(json);
        self
    }

    /// `"key":` and a JSON value.
    pub fn value(&mut self, key: &str, value: &serde_json::Value) -> &mut Json {
        self.key(key).write(value)
    }

    /// `"key":` and a JSON value, the key escaped (a key that is not ours).
    pub fn entry(&mut self, key: &str, value: &serde_json::Value) -> &mut Json {
        self.next();
        self.text(key).0.push(b':');
        self.write(value)
    }

    /// A JSON value as the next item of a list.
    pub fn item(&mut self, value: &serde_json::Value) -> &mut Json {
        self.next();
        self.write(value)
    }

    #[inline(never)]
    fn write(&mut self, value: &serde_json::Value) -> &mut Json {
        self.append(serde_json::to_vec(value))
    }

    /// `{` or `[`: an object or a list opened, as a field (`"key":`, when given) or as
    /// the next item of a list.
    #[inline(never)]
    pub fn open(&mut self, key: Option<&str>, bracket: u8) -> &mut Json {
        match key {
            Some(key) => {
                self.key(key);
            }
            None => self.next(),
        }
        self.0.push(bracket);
        self
    }

    /// `}` or `]`.
    pub fn close(&mut self, bracket: u8) -> &mut Json {
        self.0.push(bracket);
        self
    }

    /// The text written, the last object closed.
    pub fn done(mut self) -> Vec<u8> {
        self.0.push(b'}');
        self.0
    }

    /// The answer: the last object closed.
    pub fn answer(self, status: u16) -> HttpResponse {
        json_body(status, self.done())
    }
}

/// The answer around a JSON body.
#[inline(never)]
fn json_body(status: u16, body: Vec<u8>) -> HttpResponse {
    let mut response = HttpResponse::new(status, body);
    response.headers.push((
        "content-type".into(),
        "application/json; charset=utf-8".into(),
    ));
    response
        .headers
        .push(("cache-control".into(), "no-store".into()));
    response
}

/// An error answer's `{"error": {"code", "message"` opened, for the caller to finish.
fn error_head(code: &str, message: &str) -> Json {
    let mut json = Json::object();
    json.open(Some("error"), b'{')
        .str("code", code)
        .str("message", message);
    json
}

/// An error answer: a stable code and a message for the developer reading it.
#[inline(never)]
pub fn error(status: u16, code: &str, message: &str) -> HttpResponse {
    let mut json = error_head(code, message);
    json.close(b'}');
    json.answer(status)
}

/// A 422 listing every violation; the first one's code and field lead, as the contract's
/// single-error form, and the list follows for forms that show them all. The leading
/// message is in the shopper's language; each violation carries both.
pub fn invalid(violations: &Violations, lang: Lang) -> HttpResponse {
    let list = violations.as_slice();
    let mut json = match list.first() {
        Some(first) => {
            let mut json = error_head(&first.code, first.message.get(lang));
            json.str("field", &first.field);
            json
        }
        None => error_head("invalid_request", "invalid request"),
    };
    json.open(Some("violations"), b'[');
    for violation in list {
        json.open(None, b'{')
            .str("code", &violation.code)
            .str("field", &violation.field)
            .open(Some("message"), b'{')
            .str("fr", &violation.message.fr)
            .str("en", &violation.message.en)
            .close(b'}')
            .close(b'}');
    }
    json.close(b']');
    let omitted = violations.omitted();
    if omitted > 0 {
        json.num("omitted", omitted as u64);
    }
    json.close(b'}');
    json.answer(422)
}

/// A setting the route needs is missing or malformed: the merchant's to fix. Names the
/// setting, never its value.
pub fn not_configured(setting: &str) -> HttpResponse {
    error(
        500,
        "not_configured",
        &format!("{setting} is not set on this backend"),
    )
}

/// The ledger failed: nothing was recorded, the caller may try again. The answer says
/// only that; the ledger's own words (which may name a table, a column or a statement)
/// go to the log. No ledger at all is `ledger_not_configured`, which no retry cures.
fn ledger_error(failure: &LedgerError) -> HttpResponse {
    if failure.is_not_configured() {
        return error(503, "ledger_not_configured", &failure.0);
    }
    super::log::error(&failure.to_string());
    // The one case the operator must act on is named (without any schema name): a ledger
    // whose migrations were never applied says so in its own words.
    let message = if crate::http::text::contains(&failure.0, "migrations/") {
        "the ledger is not set up: apply migrations/ (details in the backend's log)"
    } else {
        "the ledger could not be reached; try again in a moment"
    };
    let mut response = error(503, "ledger_unavailable", message);
    response.headers.push(("retry-after".into(), "1".into()));
    response
}

/// A body longer than the route accepts, refused before it is read whole.
pub fn too_large(limit: usize) -> HttpResponse {
    error(
        413,
        "body_too_large",
        &format!("the body is larger than this route accepts ({limit} bytes)"),
    )
}

/// A provider answered something that cannot be true (the same payment id for two of our
/// sessions): nothing is recorded, the operator is told in the log.
pub fn provider_anomaly(provider: crate::domain::Provider, what: &str) -> HttpResponse {
    super::log::error(&format!("{provider} anomaly: {what}"));
    error(
        502,
        "provider_anomaly",
        &format!("{provider} gave an answer that cannot be right; nothing was recorded"),
    )
}

/// A provider refused or could not be reached. A shopper may read the message, so it is
/// in their language; the provider's own code follows for the developer.
pub fn provider_error(failure: &ProviderError, lang: Lang) -> HttpResponse {
    let (status, code, message) = if failure.retryable {
        (
            503,
            "provider_unavailable",
            Message::new(
                "Le service de paiement ne répond pas pour le moment. Réessayez dans un instant.",
                "The payment service is not answering right now. Try again in a moment.",
            ),
        )
    } else {
        (
            502,
            "provider_refused",
            Message::new(
                "Le service de paiement a refusé ce paiement.",
                "The payment service refused this payment.",
            ),
        )
    };
    let text = format!(
        "{} ({} {})",
        message.get(lang),
        failure.provider,
        failure.code
    );
    let mut response = error(status, code, &text);
    if failure.retryable {
        response.headers.push(("retry-after".into(), "2".into()));
    }
    response
}

#[cfg(test)]
#[path = "answers_tests.rs"]
mod answers_tests;
