//! The storefront side inside headless Chromium: the exported `validateCheckout` takes
//! plain JavaScript objects and judges the checkout stories exactly as the backend does,
//! in the shopper's language.
#![cfg(all(target_arch = "wasm32", feature = "browser"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use guichet::browser::{format_amount, validate_checkout};
use js_sys::{Array, Reflect, JSON};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn field(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &name.into()).unwrap()
}

#[wasm_bindgen_test]
fn the_browser_bundle_judges_every_story_like_the_backend() {
    assert!(
        Reflect::has(&js_sys::global(), &"document".into()).unwrap(),
        "runs in a real page"
    );
    for story in common::stories() {
        let request = JSON::parse(&story.request.to_string()).unwrap();
        let report = validate_checkout(request, Some("en".into()));
        let found: Vec<common::Expected> = Array::from(&field(&report, "violations"))
            .iter()
            .map(|v| common::Expected {
                code: field(&v, "code").as_string().unwrap(),
                field: field(&v, "field").as_string().unwrap(),
            })
            .collect();
        assert_eq!(found, common::judge(&story.request), "{}", story.story);
        assert_eq!(field(&report, "ok").as_bool(), Some(found.is_empty()));
    }
}

#[wasm_bindgen_test]
fn messages_come_in_the_shoppers_language() {
    let request = JSON::parse(r#"{"provider":"moneyfusion","order_id":"o1","customer":{"first_name":"Koffi","last_name":"M"}}"#).unwrap();
    let fr = validate_checkout(request.clone(), None);
    let en = validate_checkout(request, Some("en-GB".into()));
    let message = |r: &JsValue| {
        field(&Array::from(&field(r, "violations")).get(0), "message")
            .as_string()
            .unwrap()
    };
    assert_eq!(message(&fr), "Ce champ est obligatoire.");
    assert_eq!(message(&en), "This field is required.");
}

#[wasm_bindgen_test]
fn amounts_are_written_for_shoppers_and_bad_ones_refused() {
    assert_eq!(
        format_amount(12500.0, "XOF", None).unwrap(),
        "12\u{202f}500\u{a0}F CFA"
    );
    assert_eq!(
        format_amount(1999.0, "usd", Some("en".into())).unwrap(),
        "$\u{a0}19.99"
    );
    assert!(format_amount(12.5, "XOF", None).is_err());
    assert!(format_amount(f64::NAN, "XOF", None).is_err());
    assert!(format_amount(-1.0, "XOF", None).is_err());
    assert!(format_amount(10.0, "BTC", None).is_err());
}
