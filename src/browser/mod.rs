//! The storefront SDK, compiled to the browser bundle.
//!
//! It validates with the same [`crate::domain`] rules as the backend before any request,
//! so a shopper sees every mistake at once, in their language, without a round trip. The
//! checkout itself ([`client::Client`]) calls only the edge backend (docs/EDGE.md), never a
//! provider, and takes every outcome from `GET /sessions/:id`.
//!
//! One module per idea: [`api`] (the session client), [`outcome`] (each event once per
//! session), [`hosts`] (where a shopper may be sent), [`params`] (return parameters),
//! [`poll`] (backoff), [`store`] (resume after a reload), [`message`] (the return page's
//! nudge), [`error`] (`GuichetError`), `read` (JavaScript objects in, without serde).
//!
//! Two modules are built from here. Feature `browser`: the checkout (`Client`,
//! `validateCheckout`, `formatAmount`), the critical path a page loads at import.
//! Feature `return-page`: [`lookup`], which finds the session the return page or
//! `resume()` follows (query parameters, the stored session, the nudge to the opener),
//! loaded only by `handleReturn()` and `resume()`; the page's one `Client` follows it.

#[cfg(feature = "browser")]
pub mod api;
#[cfg(feature = "browser")]
pub mod client;
#[cfg(feature = "browser")]
pub mod error;
#[cfg(feature = "browser")]
pub mod hosts;
#[cfg(feature = "return-page")]
pub mod lookup;
#[cfg(feature = "browser")]
pub mod message;
#[cfg(feature = "browser")]
pub mod outcome;
pub mod params;
#[cfg(feature = "browser")]
pub mod poll;
#[cfg(feature = "browser")]
mod read;
pub mod store;

use wasm_bindgen::prelude::*;

#[cfg(feature = "browser")]
pub use client::Client;

#[wasm_bindgen]
extern "C" {
    /// The page's `window`, absent outside a page (Node, Deno, a worker).
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: Option<web_sys::Window>;
}

/// The page's `window`, read by name: `web_sys::window()` looks for the global object
/// through four accessors and an `instanceof`, which cost the bundle more than this.
fn window() -> Option<web_sys::Window> {
    WINDOW.with(Clone::clone)
}

#[wasm_bindgen]
extern "C" {
    /// `Reflect.get` with the key passed as a string: no key object made and dropped at
    /// each call. A getter may throw: caught.
    #[wasm_bindgen(js_namespace = Reflect, js_name = get, catch)]
    fn reflect_get(object: &JsValue, key: &str) -> Result<JsValue, JsValue>;
    /// `Reflect.set`, the key a string. Not caught: it only ever sets a property on an
    /// object this module created, which cannot throw.
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn reflect_set(object: &JsValue, key: &str, value: &JsValue);
}

/// A property, or `undefined` when `object` is not an object.
pub(crate) fn get(object: &JsValue, key: &str) -> JsValue {
    if object.is_object() {
        reflect_get(object, key).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// Sets a property of an object this module created.
pub(crate) fn set(object: &JsValue, key: &str, value: &JsValue) {
    reflect_set(object, key, value);
}

/// A property of the page's `location` (`href`, `origin`, `search`), read by name as
/// strings are: `web_sys::Location`'s getters each cost a glue function in the bundle.
pub(crate) fn here(key: &str) -> String {
    let window = window().map_or(JsValue::UNDEFINED, JsValue::from);
    get(&get(&window, "location"), key)
        .as_string()
        .unwrap_or_default()
}

/// The browser bundle's allocator: a small free list, as the bundle's size is a feature
/// (dlmalloc is 7 KB of it). The edge has its own (talc, src/edge/mod.rs).
#[cfg(all(target_arch = "wasm32", not(feature = "edge")))]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

#[cfg(feature = "browser")]
/// Checks a checkout request (`{provider, items | order_id, customer, ...}`) with the
/// backend's rules. Answers `{ok, violations: [{code, field, message}]}` with messages in
/// `lang` (`fr` by default).
#[wasm_bindgen(js_name = validateCheckout)]
pub fn validate_checkout(request: JsValue, lang: JsValue) -> JsValue {
    use crate::domain::{Checkout, Lang};
    // Strings are read from JavaScript values (`as_string`, which the rest reads with):
    // a `String` parameter costs each export its own copying glue.
    let lang = lang
        .as_string()
        .map(|tag| Lang::from_tag(&tag))
        .unwrap_or_default();
    let violations = match Checkout::parse(&read::checkout(&request)) {
        Ok(_) => js_sys::Array::new(),
        Err(found) => error::violations(&found, lang),
    };
    let report: JsValue = js_sys::Object::new().into();
    set(&report, "ok", &JsValue::from_bool(violations.length() == 0));
    set(&report, "violations", &violations);
    report
}

#[cfg(feature = "browser")]
/// Writes an amount in minor units for a shopper (`12 500 F CFA`, `F CFA 12,500`): a
/// string, or the `Error` saying why it cannot, which index.js throws. Returned rather
/// than thrown: a `Result` costs the export its return-area glue.
#[wasm_bindgen(js_name = formatAmount)]
pub fn format_amount(amount: f64, currency: JsValue, lang: JsValue) -> JsValue {
    use crate::domain::{Currency, Lang, Money};
    let lang = lang
        .as_string()
        .map(|tag| Lang::from_tag(&tag))
        .unwrap_or_default();
    let Some(currency) = Currency::from_code(&currency.as_string().unwrap_or_default()) else {
        return js_sys::Error::new("currency: not one of the supported ISO 4217 codes").into();
    };
    // JavaScript numbers cross as f64: only whole, non-negative, exactly representable
    // amounts become Money, and nothing is computed in floating point.
    let exact =
        amount >= 0.0 && amount.fract() == 0.0 && amount <= crate::domain::money::MAX_AMOUNT as f64;
    if !exact {
        return js_sys::Error::new("amount: a whole number of minor units is required").into();
    }
    match Money::from_minor(amount as u64, currency) {
        // A JavaScript string at once: a returned `String` costs glue and a shrinking copy.
        Ok(money) => money.display(lang).into(),
        Err(_) => js_sys::Error::new("amount: out of range").into(),
    }
}
