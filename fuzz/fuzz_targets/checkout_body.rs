//! `POST /sessions`: the checkout body a browser sends, parsed, validated and priced.
#![no_main]

#[path = "common.rs"]
mod common;

use guichet::edge::ledger::memory::MemoryLedger;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let config = common::config();
    let ledger = MemoryLedger::new();
    let request = common::incoming(
        "POST",
        "/api/sessions",
        "",
        &[
            ("content-type", "application/json"),
            ("origin", "https://shop.ci"),
        ],
        body,
    );
    common::send(&config, &ledger, &request);
});
