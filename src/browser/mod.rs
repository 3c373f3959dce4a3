//! The storefront SDK, compiled to the browser bundle.
//!
//! It validates with the same [`crate::domain`] rules as the backend before any request,
//! so a shopper sees every mistake at once, in their language, without a round trip.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::domain::{Checkout, CheckoutInput, Currency, Lang, Money, Violation};

/// What `validateCheckout` answers.
#[derive(Serialize)]
struct Report<'a> {
    ok: bool,
    violations: Vec<Shown<'a>>,
}

/// A violation as the storefront shows it: code, field and the message in one language.
#[derive(Serialize)]
struct Shown<'a> {
    code: &'a str,
    field: &'a str,
    message: &'a str,
}

/// Checks a checkout request (`{provider, items | order_id, customer, ...}`) with the
/// backend's rules. Answers `{ok, violations: [{code, field, message}]}` with messages in
/// `lang` (`fr` by default).
#[wasm_bindgen(js_name = validateCheckout)]
pub fn validate_checkout(request: JsValue, lang: Option<String>) -> Result<JsValue, JsError> {
    let lang = lang.as_deref().map(Lang::from_tag).unwrap_or_default();
    let input: CheckoutInput = serde_wasm_bindgen::from_value(request)
        .map_err(|e| JsError::new(&format!("checkout request: {e}")))?;
    let found = match Checkout::parse(&input) {
        Ok(_) => Vec::new(),
        Err(violations) => violations.into_iter().collect(),
    };
    let report = Report {
        ok: found.is_empty(),
        violations: found.iter().map(|v: &Violation| shown(v, lang)).collect(),
    };
    serde_wasm_bindgen::to_value(&report).map_err(|e| JsError::new(&e.to_string()))
}

fn shown(violation: &Violation, lang: Lang) -> Shown<'_> {
    Shown {
        code: &violation.code,
        field: &violation.field,
        message: violation.message.get(lang),
    }
}

/// Writes an amount in minor units for a shopper (`12 500 F CFA`, `F CFA 12,500`).
#[wasm_bindgen(js_name = formatAmount)]
pub fn format_amount(amount: f64, currency: &str, lang: Option<String>) -> Result<String, JsError> {
    let lang = lang.as_deref().map(Lang::from_tag).unwrap_or_default();
    let currency = Currency::from_code(currency)
        .ok_or_else(|| JsError::new("currency: not one of the supported ISO 4217 codes"))?;
    // JavaScript numbers: only whole, non-negative, exactly representable amounts.
    if !(amount >= 0.0 && amount.fract() == 0.0 && amount <= crate::domain::money::MAX_AMOUNT as f64) {
        return Err(JsError::new("amount: a whole number of minor units is required"));
    }
    let money = Money::from_minor(amount as u64, currency).map_err(|e| JsError::new(&e.to_string()))?;
    Ok(money.display(lang))
}
