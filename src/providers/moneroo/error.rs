//! Moneroo's error answers turned into one [`ProviderError`].

use crate::domain::Provider;
use crate::http::HttpResponse;
use crate::providers::ProviderError;

use super::wire::MonerooErrorBody;

/// Longest message kept from an answer: enough for Laravel's first field errors.
const MESSAGE_MAX: usize = 300;

/// Turns any answer that is not a success (401, 403, 404, 422, 429, 500, 503, and any
/// other) into a [`ProviderError`]. The code is the HTTP status, since Moneroo has no codes
/// of its own; the message is Moneroo's `message` with the first field errors of a 422,
/// or a default when the body is not JSON. 429 and every 5xx are retryable (Moneroo asks
/// for 60 s after a 429).
pub fn read_error(response: &HttpResponse) -> ProviderError {
    let status = response.status;
    let body: MonerooErrorBody = crate::http::from_json(&response.body).unwrap_or_default();
    let mut message = body
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map_or_else(|| default_message(status).to_owned(), str::to_owned);
    // `message (field: text; text; ...)`, written straight into the message.
    let details = body.field_errors();
    for (i, (field, text)) in details.iter().enumerate() {
        message.push_str(if i == 0 { " (" } else { "; " });
        if !field.is_empty() {
            message.push_str(field);
            message.push_str(": ");
        }
        message.push_str(text);
    }
    if !details.is_empty() {
        message.push(')');
    }
    ProviderError {
        provider: Provider::Moneroo,
        code: u64::from(status).to_string(),
        message: clean_message(&message),
        http_status: Some(status),
        retryable: status == 429 || (500..600).contains(&status),
    }
}

/// The field errors of a 422 as `(field, message)` pairs, for an edge that wants to point
/// at the field Moneroo refused. Empty when the body has none.
pub fn read_field_errors(response: &HttpResponse) -> Vec<(String, String)> {
    crate::http::from_json::<MonerooErrorBody>(&response.body)
        .map(|body| body.field_errors())
        .unwrap_or_default()
}

/// How long Moneroo asks us to wait after a 429 when it does not say: 60 s (120 requests
/// a minute).
pub const RATE_LIMIT_WAIT_SECONDS: u64 = 60;

/// Seconds to wait before calling again: the `Retry-After` header when it is a number of
/// seconds, else [`RATE_LIMIT_WAIT_SECONDS`] after a 429. `None` for any other answer
/// without the header.
pub fn retry_after(response: &HttpResponse) -> Option<u64> {
    let header = response
        .header_value("Retry-After")
        .and_then(|v| v.trim().parse().ok());
    match (header, response.status) {
        (Some(seconds), _) => Some(seconds),
        (None, 429) => Some(RATE_LIMIT_WAIT_SECONDS),
        (None, _) => None,
    }
}

fn default_message(status: u16) -> &'static str {
    match status {
        400 => "bad request",
        401 => "unauthorized: the secret key was refused",
        403 => "forbidden: this key may not do that",
        404 => "not found",
        422 => "the request was refused as invalid",
        429 => "too many requests: retry after 60 seconds",
        500..=599 => "Moneroo is unavailable",
        _ => "unexpected answer",
    }
}

/// Makes a provider's text safe to log: control characters dropped, anything that looks
/// like a credential masked (a token after `Bearer`, or one starting with a key prefix),
/// at most [`MESSAGE_MAX`] characters.
pub(super) fn clean_message(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MESSAGE_MAX));
    let mut after_bearer = false;
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let word: String = word.chars().filter(|c| !c.is_control()).collect();
        if after_bearer || looks_like_key(&word) {
            out.push_str("***");
        } else {
            out.push_str(&word);
        }
        after_bearer = word.eq_ignore_ascii_case("bearer");
    }
    match out.char_indices().nth(MESSAGE_MAX) {
        Some((cut, _)) => {
            out.truncate(cut);
            out.push('…');
            out
        }
        None => out,
    }
}

/// Moneroo keys start `pvk_` (private) or `pbk_`; other providers' `sk_`/`pk_` are masked
/// too, in case a proxy echoes them. A prefix counts at the start of the word or after a
/// character that is not a letter, digit or `_` (`key:pvk_...`), never inside a word
/// (`task_id`).
fn looks_like_key(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    ["pvk_", "pbk_", "sk_", "pk_"].iter().any(|prefix| {
        let mut from = 0;
        while let Some(at) = crate::http::text::find_from(&lower, prefix, from) {
            let word_start = lower[..at]
                .chars()
                .next_back()
                .is_none_or(|before| !(before.is_ascii_alphanumeric() || before == '_'));
            if word_start {
                return true;
            }
            from = at + prefix.len();
        }
        false
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_a_message_are_masked() {
        assert_eq!(
            clean_message("Invalid key 'pvk_abc|123' given"),
            "Invalid key *** given"
        );
        assert_eq!(
            clean_message("header Bearer xyz was refused"),
            "header Bearer *** was refused"
        );
        assert_eq!(clean_message("line\nbreak"), "linebreak");
        assert_eq!(clean_message("key:pvk_abc refused"), "*** refused");
        assert_eq!(
            clean_message("task_id and desk_pk_x"),
            "task_id and desk_pk_x"
        );
    }

    /// The message as `read_error` wrote it before it wrote the details in place: each
    /// detail `field: text` (or `text`), joined by `; `, in parentheses.
    fn message_before(response: &HttpResponse) -> String {
        let body: MonerooErrorBody = crate::http::from_json(&response.body).unwrap_or_default();
        let mut message = body
            .message
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map_or_else(
                || default_message(response.status).to_owned(),
                str::to_owned,
            );
        let details: Vec<String> = body
            .field_errors()
            .into_iter()
            .map(|(field, text)| {
                if field.is_empty() {
                    text
                } else {
                    format!("{field}: {text}")
                }
            })
            .collect();
        if !details.is_empty() {
            message = format!("{message} ({})", details.join("; "));
        }
        clean_message(&message)
    }

    #[test]
    fn messages_read_as_before() {
        let messages = [
            "",
            r#""message":"  ","#,
            r#""message":"Refused","#,
            r#""message":5,"#,
        ];
        let errors = [
            "",
            r#""errors":null"#,
            r#""errors":"one text""#,
            r#""errors":"""#,
            r#""errors":{}"#,
            r#""errors":{"amount":["too small","not a number"],"email":"bad"}"#,
            r#""errors":{"a":[],"b":[1,"x",""],"c":null,"d":{"e":"f"}}"#,
            r#""errors":["first","",{"field":"phone","message":"bad phone"}]"#,
            r#""errors":[{"message":"no field"},{"field":"x"},{"field":"","message":""},3]"#,
            r#""errors":[{"field":"key","message":"pvk_secret leaked"}]"#,
        ];
        let mut compared = 0;
        for status in [400, 404, 422, 429, 503, 302] {
            for message in messages {
                for errors in errors {
                    let body = format!("{{{message}{errors}}}").replace(",}", "}");
                    for body in [body.as_str(), "not json", ""] {
                        let response = HttpResponse::new(status, body);
                        assert_eq!(
                            read_error(&response).message,
                            message_before(&response),
                            "{body}"
                        );
                        compared += 1;
                    }
                }
            }
        }
        assert_eq!(compared, 720);
    }

    #[test]
    fn long_messages_are_cut() {
        let long = "a".repeat(1000);
        assert_eq!(clean_message(&long).chars().count(), MESSAGE_MAX + 1);
    }
}
