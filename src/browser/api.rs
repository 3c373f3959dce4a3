//! The session client: reads the answers of the two edge routes the storefront calls
//! (docs/EDGE.md) with `Reflect`, not a JSON deserializer. The driver sends the requests
//! with the page's own `fetch` (see [`super::client`]).

use js_sys::Object;
use wasm_bindgen::prelude::*;

use super::error::{self, set, Code};
use super::read::{array, get, string};
use crate::domain::{Lang, PaymentStatus};

/// A failed request: the error to give the page, and whether asking again is pointless.
pub struct Failure {
    /// A `GuichetError`.
    pub error: JsValue,
    /// True for a refusal (4xx but 408 and 429) or an unreadable answer, false for a
    /// network failure or a server error worth retrying.
    pub fatal: bool,
}

/// Where the edge is mounted and the shopper's language.
pub struct Api {
    /// The base URL, without a trailing `/` (`/api`, `https://pay.shop.example/api`).
    pub endpoint: String,
    /// The language of errors made here.
    pub lang: Lang,
}

impl Api {
    /// Judges an answer: `status` is the HTTP status (0 when the network failed) and
    /// `json` the parsed body (null when it was not JSON).
    pub fn read(&self, status: f64, json: &JsValue) -> Result<(), Failure> {
        let retry = status == 0.0 || status >= 500.0 || status == 408.0 || status == 429.0;
        let ours = |code| Failure {
            error: error::ours(code, self.lang),
            fatal: !retry,
        };
        if status == 0.0 {
            return Err(ours(Code::Network));
        }
        if !json.is_object() {
            return Err(ours(Code::BadResponse));
        }
        if (200.0..300.0).contains(&status) {
            return Ok(());
        }
        Err(Failure {
            error: self.backend_error(&get(json, "error"), status),
            fatal: !retry,
        })
    }

    /// The backend's `{error: {code, message, field?, violations?}}` as a `GuichetError`,
    /// violation messages picked in the shopper's language.
    fn backend_error(&self, body: &JsValue, status: f64) -> JsValue {
        let Some(code) = string(body, &["code"]) else {
            return error::ours(Code::BadResponse, self.lang);
        };
        let message = string(body, &["message"]).unwrap_or_else(|| code.clone());
        let error = error::error(&code, &message);
        set(&error, "status", &status.into());
        let field = get(body, "field");
        if field.as_string().is_some() {
            set(&error, "field", &field);
        }
        let found = get(body, "violations");
        if let Some(found) = array(&found) {
            let shown = js_sys::Array::new();
            for violation in found.iter() {
                let message = get(&violation, "message");
                let text = string(&message, &[self.lang.code()]).or_else(|| message.as_string());
                let one = Object::new();
                set(&one, "code", &get(&violation, "code"));
                set(&one, "field", &get(&violation, "field"));
                set(&one, "message", &text.unwrap_or_default().into());
                shown.push(&one);
            }
            set(&error, "violations", &shown);
        }
        error
    }
}

/// The status the backend reported; an unknown word is not final.
pub fn status(session: &JsValue) -> PaymentStatus {
    let text = string(session, &["status"]).unwrap_or_default();
    [
        PaymentStatus::Succeeded,
        PaymentStatus::Failed,
        PaymentStatus::Cancelled,
        PaymentStatus::Expired,
    ]
    .into_iter()
    .find(|s| s.as_str() == text)
    .unwrap_or(PaymentStatus::Pending)
}

/// The outcome the page sees, from a backend session: `{session, provider, status, amount,
/// currency, reference?, paid_amount?}`.
pub fn outcome(session: &JsValue) -> JsValue {
    let shown: JsValue = Object::new().into();
    set(&shown, "session", &get(session, "id"));
    for key in [
        "provider",
        "status",
        "amount",
        "currency",
        "reference",
        "paid_amount",
    ] {
        let value = get(session, key);
        if !value.is_undefined() {
            set(&shown, key, &value);
        }
    }
    shown
}
