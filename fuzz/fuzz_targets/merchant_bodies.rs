//! `POST /orders` and `POST /payouts`: the bodies the merchant's servers send (the admin
//! key proves who sent them, not that they are well formed). The first byte picks the
//! route.
#![no_main]

#[path = "common.rs"]
mod common;

use guichet::edge::ledger::memory::MemoryLedger;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let config = common::config();
    let ledger = MemoryLedger::new();
    let bearer = format!("Bearer {}", common::ADMIN_KEY);
    let path = if pick % 2 == 0 {
        "/api/orders"
    } else {
        "/api/payouts"
    };
    let request = common::incoming(
        "POST",
        path,
        "",
        &[
            ("authorization", &bearer),
            ("idempotency-key", "fuzz-key"),
            ("content-type", "application/json"),
        ],
        body,
    );
    common::send(&config, &ledger, &request);
});
