//! Shared by the native and wasm test suites: the checkout stories that both bundles must
//! judge the same way.
#![allow(dead_code)]

use guichet::domain::{Checkout, CheckoutInput};
use serde::Deserialize;

/// One story from `tests/fixtures/domain/checkouts.json`.
#[derive(Deserialize)]
pub struct Story {
    pub story: String,
    pub request: serde_json::Value,
    pub violations: Vec<Expected>,
}

/// A violation a story expects: code and field, in order.
#[derive(Deserialize, Debug, PartialEq, Eq)]
pub struct Expected {
    pub code: String,
    pub field: String,
}

pub fn stories() -> Vec<Story> {
    serde_json::from_str(include_str!("../fixtures/domain/checkouts.json")).unwrap()
}

/// Judges a story with the domain's rules and returns the (code, field) list found.
pub fn judge(request: &serde_json::Value) -> Vec<Expected> {
    let input: CheckoutInput = serde_json::from_value(request.clone()).unwrap();
    match Checkout::parse(&input) {
        Ok(_) => Vec::new(),
        Err(found) => found
            .into_iter()
            .map(|v| {
                assert!(!v.message.fr.is_empty() && !v.message.en.is_empty());
                assert_ne!(v.message.fr, v.message.en, "{} has no French text", v.code);
                Expected {
                    code: v.code,
                    field: v.field,
                }
            })
            .collect(),
    }
}
