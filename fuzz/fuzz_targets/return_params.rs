//! `/return/:provider`: the query the provider sends the shopper back with, and
//! CinetPay's form POST. The bytes up to the first newline are the query, the rest the
//! body; the first byte picks the provider and the method.
#![no_main]

#[path = "common.rs"]
mod common;

use guichet::edge::ledger::memory::MemoryLedger;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let (query, body) = match rest.iter().position(|b| *b == b'\n') {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    let Ok(query) = std::str::from_utf8(query) else {
        return;
    };
    let provider = ["moneroo", "cinetpay", "moneyfusion"][usize::from(pick % 3)];
    let method = if pick / 3 % 2 == 0 { "GET" } else { "POST" };
    let config = common::config();
    let ledger = MemoryLedger::new();
    let path = format!("/api/return/{provider}");
    let request = common::incoming(method, &path, query, &[], body);
    common::send(&config, &ledger, &request);
});
