//! Every JSON text the edge reads (bodies, provider answers, stored rows) goes through
//! `http::parse_json`, which follows serde_json's parser step by step: the same value, or
//! the same error at the same line and column, as `serde_json::from_slice`, on any bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|bytes: &[u8]| {
    let ours = guichet::http::parse_json(bytes).map_err(|e| e.to_string());
    let theirs = serde_json::from_slice::<Value>(bytes).map_err(|e| e.to_string());
    match (&ours, &theirs) {
        // Written out, so that a float's every bit counts.
        (Ok(a), Ok(b)) => assert_eq!(
            serde_json::to_string(a).unwrap(),
            serde_json::to_string(b).unwrap()
        ),
        _ => assert_eq!(ours, theirs),
    }
});
