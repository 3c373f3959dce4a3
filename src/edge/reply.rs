//! JSON answers in the contract's shape, errors included:
//! `{"error": {"code", "message", "field"?}}`.

use serde::Serialize;

use crate::domain::Violations;
use crate::http::HttpResponse;

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
/// single-error form, and the list follows for forms that show them all.
pub fn invalid(violations: &Violations) -> HttpResponse {
    let first = violations.as_slice().first();
    json(
        422,
        &ErrorBody {
            error: ErrorDetail {
                code: first.map_or("invalid_request", |v| v.code.as_str()),
                message: first.map_or("invalid request", |v| v.message.en.as_str()),
                field: first.map(|v| v.field.as_str()),
                violations: Some(violations),
            },
        },
    )
}
