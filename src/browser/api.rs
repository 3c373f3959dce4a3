//! The session client: the two edge routes the storefront calls (docs/EDGE.md), over the
//! page's own `fetch`. Answers are read with `Reflect`, not a JSON deserializer.

use js_sys::{Object, Promise, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::error::{self, set, Code};
use super::read::{get, string};
use crate::domain::{Lang, PaymentStatus};

#[wasm_bindgen]
extern "C" {
    /// The page's `fetch`, looked up at each call (tests stub it).
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with(url: &str, init: &Object) -> Promise;
}

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
    /// `POST /sessions`: the created session (`{id, token, checkout_url, ...}`).
    pub async fn create(&self, body: &Object) -> Result<JsValue, Failure> {
        let init = Object::new();
        set(&init, "method", &"POST".into());
        let headers = Object::new();
        set(&headers, "content-type", &"application/json".into());
        set(&init, "headers", &headers);
        let text = JSON::stringify(body).map_err(|_| self.failure(Code::BadResponse, true))?;
        set(&init, "body", &text);
        self.send(&(self.endpoint.clone() + "/sessions"), &init)
            .await
    }

    /// `GET /sessions/:id` with the session's bearer token.
    pub async fn session(&self, id: &str, token: &str) -> Result<JsValue, Failure> {
        let init = Object::new();
        let headers = Object::new();
        set(
            &headers,
            "authorization",
            &(String::from("Bearer ") + token).into(),
        );
        set(&init, "headers", &headers);
        set(&init, "cache", &"no-store".into());
        self.send(&[&self.endpoint, "/sessions/", id].concat(), &init)
            .await
    }

    fn failure(&self, code: Code, fatal: bool) -> Failure {
        Failure {
            error: error::ours(code, self.lang),
            fatal,
        }
    }

    async fn send(&self, url: &str, init: &Object) -> Result<JsValue, Failure> {
        let response = JsFuture::from(fetch_with(url, init))
            .await
            .map_err(|_| self.failure(Code::Network, false))?;
        let status = get(&response, "status").as_f64().unwrap_or(0.0);
        let retry = status >= 500.0 || status == 408.0 || status == 429.0;
        let json = match js_sys::Reflect::get(&response, &"json".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .and_then(|f| f.call0(&response).ok())
        {
            Some(promise) => JsFuture::from(Promise::resolve(&promise)).await.ok(),
            None => None,
        };
        let Some(json) = json.filter(JsValue::is_object) else {
            return Err(self.failure(Code::BadResponse, !retry));
        };
        if (200.0..300.0).contains(&status) {
            return Ok(json);
        }
        Err(Failure {
            error: self.backend_error(&get(&json, "error"), status),
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
        if field.is_string() {
            set(&error, "field", &field);
        }
        let found = get(body, "violations");
        if js_sys::Array::is_array(&found) {
            let shown = js_sys::Array::new();
            for violation in js_sys::Array::from(&found).iter() {
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
