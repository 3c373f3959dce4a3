//! Shared by the fuzz targets: a backend with every provider configured, no network (a
//! provider call fails at once), a fixed clock, and the checks every answer must pass.
#![allow(dead_code)]

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use guichet::edge::ledger::memory::MemoryLedger;
use guichet::edge::runtime::Runtime;
use guichet::edge::{route, Config, Edge, Incoming};
use guichet::http::{HttpRequest, HttpResponse, Transport, TransportError};

pub const ADMIN_KEY: &str = "fuzz-admin-key";
pub const SESSION_SECRET: &str = "fuzz-session-secret";
pub const MONEROO_WEBHOOK_SECRET: &str = "whsec_fuzz";
pub const CINETPAY_SECRET_KEY: &str = "fuzz-cinetpay-secret";
/// 2026-11-21T10:15:00Z.
pub const NOW_MS: u64 = 1_795_256_100_000;

pub fn config() -> Config {
    let env = [
        ("GUICHET_SESSION_SECRET", SESSION_SECRET),
        ("GUICHET_ALLOWED_ORIGINS", "https://shop.ci"),
        (
            "GUICHET_CATALOG",
            r#"{"wax-6y": {"name": "Wax", "price": 15000, "currency": "XOF"},
                "hat": {"name": "Hat", "price": 1250, "currency": "EUR"}}"#,
        ),
        ("GUICHET_ADMIN_KEY", ADMIN_KEY),
        ("GUICHET_PUBLIC_URL", "https://pay.shop.ci"),
        ("MONEROO_SECRET_KEY", "pvk_fuzz"),
        ("MONEROO_WEBHOOK_SECRET", MONEROO_WEBHOOK_SECRET),
        ("CINETPAY_API_KEY", "fuzz-api-key"),
        ("CINETPAY_SITE_ID", "445160"),
        ("CINETPAY_SECRET_KEY", CINETPAY_SECRET_KEY),
        ("CINETPAY_TRANSFER_PASSWORD", "fuzz-transfer"),
        (
            "MONEYFUSION_API_URL",
            "https://www.pay.moneyfusion.net/Fuzz/5a1d3b0c9e7f2468/pay/",
        ),
        ("MONEYFUSION_PRIVATE_KEY", "mf_fuzz"),
    ];
    Config::from_env(|name| {
        env.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    })
}

/// Every provider call fails at once, as a network that is down.
pub struct NoNetwork;

impl Transport for NoNetwork {
    async fn send(&self, _: &HttpRequest) -> Result<HttpResponse, TransportError> {
        Err(TransportError::Network("fuzzing: no network".to_owned()))
    }
}

/// A clock that never moves and pauses that take no time.
pub struct Frozen;

impl Runtime for Frozen {
    fn now_ms(&self) -> u64 {
        NOW_MS
    }
    async fn sleep(&self, _: u64) {}
}

/// Runs a future that never waits on anything (memory ledger, no network) to its end.
pub fn finish<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("a route waited on nothing"),
    }
}

/// Sends one request through the routes and checks the answer: JSON in the error form
/// when it is an error, never larger than a small multiple of the request, never naming
/// the ledger's tables.
pub fn send(config: &Config, ledger: &MemoryLedger, request: &Incoming) -> HttpResponse {
    let edge = Edge::new(config, ledger, &NoNetwork, &Frozen);
    let answer = finish(route(&edge, request));
    check(&answer, request);
    answer
}

pub fn check(answer: &HttpResponse, request: &Incoming) {
    let size = request.body.len() + request.query.len() + request.path.len();
    assert!(
        answer.body.len() <= 16 * 1024 + 4 * size,
        "a {size} byte request answered {} bytes",
        answer.body.len()
    );
    if answer.status >= 400 {
        let value: serde_json::Value =
            serde_json::from_slice(&answer.body).expect("an error answer is JSON");
        assert!(value["error"]["code"].is_string(), "{value}");
    }
    let text = String::from_utf8_lossy(&answer.body);
    assert!(!text.contains("constraint"), "{text}");
    for (name, value) in &answer.headers {
        assert!(
            !value.chars().any(|c| c.is_control()),
            "header {name} has a control character: {value:?}"
        );
    }
}

pub fn incoming(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Incoming {
    Incoming {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        body: body.to_vec(),
    }
}
