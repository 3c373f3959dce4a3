//! JSON answers in the contract's shape, errors included:
//! `{"error": {"code", "message", "field"?}}`.

use serde::Serialize;

use crate::domain::{Lang, Message, Violations};
use crate::http::HttpResponse;
use crate::providers::ProviderError;

use super::ledger::LedgerError;

/// A JSON response with a status.
pub fn json(status: u16, value: &impl Serialize) -> HttpResponse {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
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

/// The ledger failed: nothing was recorded, the caller may try again. No ledger at all is
/// `ledger_not_configured`, which no retry cures.
pub fn ledger_error(failure: &LedgerError) -> HttpResponse {
    if failure.is_not_configured() {
        return error(503, "ledger_not_configured", &failure.0);
    }
    let mut response = error(503, "ledger_unavailable", &failure.to_string());
    response.headers.push(("retry-after".into(), "1".into()));
    response
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
