//! The session token a browser presents: verified alone, and through `GET /sessions/:id`.
#![no_main]

#[path = "common.rs"]
mod common;

use guichet::edge::ledger::memory::MemoryLedger;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let config = common::config();
    let _ = config.session_keys.verify(token, common::NOW_MS / 1000);
    let ledger = MemoryLedger::new();
    let bearer = format!("Bearer {token}");
    let request = common::incoming(
        "GET",
        "/api/sessions/gs-0123456789abcdef01234567",
        "",
        &[("authorization", &bearer)],
        b"",
    );
    common::send(&config, &ledger, &request);
});
