//! `POST /sessions` (MoneyFusion) through the edge's routes, natively, N times in a row:
//! the memory ledger, a fixed clock and a canned provider answer (a new payment token per
//! call), so that nothing but the edge's own work runs. `bench/instructions.mjs` runs it
//! under callgrind, whose instruction counts repeat exactly from run to run on this noisy
//! machine: the route's cost per request, and where it goes (issue #18).
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use guichet::edge::ledger::memory::MemoryLedger;
use guichet::edge::runtime::Runtime;
use guichet::edge::{route, Config, Edge, Incoming};
use guichet::http::{HttpRequest, HttpResponse, Transport, TransportError};

/// A clock that never moves: the same session lifetime every time.
struct Clock;
impl Runtime for Clock {
    fn now_ms(&self) -> u64 {
        1_790_000_000_000
    }
    async fn sleep(&self, _ms: u64) {}
}

/// MoneyFusion's answer to a payment request, as the sandbox gives it, with a fresh token.
struct Canned(std::cell::Cell<u64>);
impl Transport for Canned {
    async fn send(&self, _request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let n = self.0.get() + 1;
        self.0.set(n);
        Ok(HttpResponse {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: format!(r#"{{"statut":true,"token":"5d58823b{n:06x}","message":"paiement en cours","url":"http://127.0.0.1:9/moneyfusion/pay/5d58823b{n:06x}"}}"#).into_bytes(),
        })
    }
}

/// Polls `f` to its end: the memory ledger and the canned transport never wait.
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let env = [
        ("GUICHET_LEDGER", "memory"),
        (
            "GUICHET_CATALOG",
            r#"{"pagne-wax":{"name":"Pagne wax 6 yards","price":15000,"currency":"XOF"},"sac":{"name":"Sac en raphia","price":7500,"currency":"XOF"}}"#,
        ),
        (
            "GUICHET_SESSION_SECRET",
            "bench-session-secret-0123456789abcdef",
        ),
        ("GUICHET_PUBLIC_URL", "http://127.0.0.1:8787"),
        ("GUICHET_ALLOWED_ORIGINS", "http://127.0.0.1:8787"),
        (
            "MONEYFUSION_API_URL",
            "http://127.0.0.1:9/moneyfusion/GuichetSandbox/5a1d3b0c9e7f2468/pay/",
        ),
        ("MONEYFUSION_BASE_URL", "http://127.0.0.1:9/moneyfusion"),
    ];
    let config = Config::from_env(|name| {
        env.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    });
    let ledger = MemoryLedger::new();
    let canned = Canned(std::cell::Cell::new(0));
    let body = br#"{"provider":"moneyfusion","items":[{"sku":"pagne-wax","quantity":2}],"customer":{"first_name":"Awa","last_name":"Kon\u00e9","email":"awa@example.ci","phone":"+2250701020304","country":"CI"},"lang":"fr"}"#;
    let mut last = 0;
    for _ in 0..n {
        let incoming = Incoming {
            method: "POST".into(),
            path: "/api/sessions".into(),
            query: String::new(),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("host".into(), "127.0.0.1:8787".into()),
            ],
            body: body.to_vec(),
        };
        let edge = Edge::new(&config, &ledger, &canned, &Clock);
        let response = block_on(route(&edge, &incoming));
        last = response.status;
        if n == 1 {
            println!("{}", String::from_utf8_lossy(&response.body));
        }
    }
    assert_eq!(last, 201, "POST /sessions did not create a session");
}
