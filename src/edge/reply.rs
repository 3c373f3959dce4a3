//! JSON answers in the contract's shape, errors included:
//! `{"error": {"code", "message", "field"?}}`.

use serde::Serialize;

use crate::domain::{Lang, Message, Violations};
use crate::http::HttpResponse;
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

/// A JSON response with a status.
pub fn json(status: u16, value: &impl Serialize) -> HttpResponse {
    json_body(
        status,
        serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec()),
    )
}

/// The answer around a JSON body: not generic, so compiled once rather than once per
/// type [`json`] writes.
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

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    violations: Option<&'a Violations>,
    /// Violations found past the ones listed (see [`crate::domain::validation::MAX_REPORTED`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    omitted: Option<usize>,
}

/// An error answer: a stable code and a message for the developer reading it.
pub fn error(status: u16, code: &str, message: &str) -> HttpResponse {
    json(
        status,
        &ErrorBody {
            error: ErrorDetail {
                code,
                message,
                field: None,
                violations: None,
                omitted: None,
            },
        },
    )
}

/// A 422 listing every violation; the first one's code and field lead, as the contract's
/// single-error form, and the list follows for forms that show them all. The leading
/// message is in the shopper's language; each violation carries both.
pub fn invalid(violations: &Violations, lang: Lang) -> HttpResponse {
    let first = violations.as_slice().first();
    json(
        422,
        &ErrorBody {
            error: ErrorDetail {
                code: first.map_or("invalid_request", |v| v.code.as_str()),
                message: first.map_or("invalid request", |v| v.message.get(lang)),
                field: first.map(|v| v.field.as_str()),
                violations: Some(violations),
                omitted: Some(violations.omitted()).filter(|n| *n > 0),
            },
        },
    )
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
