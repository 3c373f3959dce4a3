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

pub mod api;
pub mod client;
pub mod error;
pub mod hosts;
pub mod message;
pub mod outcome;
pub mod params;
pub mod poll;
mod read;
pub mod store;

use js_sys::Object;
use wasm_bindgen::prelude::*;

use crate::domain::{Checkout, Currency, Lang, Money};
use error::set;

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

/// The browser bundle's allocator: a small free list, as the bundle's size is a feature
/// (dlmalloc is 7 KB of it). The edge keeps the default.
#[cfg(all(target_arch = "wasm32", not(feature = "edge")))]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

/// Checks a checkout request (`{provider, items | order_id, customer, ...}`) with the
/// backend's rules. Answers `{ok, violations: [{code, field, message}]}` with messages in
/// `lang` (`fr` by default).
#[wasm_bindgen(js_name = validateCheckout)]
pub fn validate_checkout(request: JsValue, lang: Option<String>) -> JsValue {
    let lang = lang.as_deref().map(Lang::from_tag).unwrap_or_default();
    let violations = match Checkout::parse(&read::checkout(&request)) {
        Ok(_) => js_sys::Array::new(),
        Err(found) => error::violations(&found, lang),
    };
    let report: JsValue = Object::new().into();
    set(&report, "ok", &JsValue::from_bool(violations.length() == 0));
    set(&report, "violations", &violations);
    report
}

/// Writes an amount in minor units for a shopper (`12 500 F CFA`, `F CFA 12,500`).
#[wasm_bindgen(js_name = formatAmount)]
pub fn format_amount(
    amount: f64,
    currency: &str,
    lang: Option<String>,
) -> Result<JsValue, JsValue> {
    let lang = lang.as_deref().map(Lang::from_tag).unwrap_or_default();
    let currency = Currency::from_code(currency)
        .ok_or_else(|| js_sys::Error::new("currency: not one of the supported ISO 4217 codes"))?;
    // JavaScript numbers cross as f64: only whole, non-negative, exactly representable
    // amounts become Money, and nothing is computed in floating point.
    let exact =
        amount >= 0.0 && amount.fract() == 0.0 && amount <= crate::domain::money::MAX_AMOUNT as f64;
    if !exact {
        return Err(js_sys::Error::new("amount: a whole number of minor units is required").into());
    }
    let money = Money::from_minor(amount as u64, currency)
        .map_err(|_| js_sys::Error::new("amount: out of range"))?;
    // A JavaScript string at once: a returned `String` costs glue and a shrinking copy.
    Ok(money.display(lang).into())
}
