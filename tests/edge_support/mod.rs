//! Shared by the native edge test files: the edge's routes driven as values, with the
//! adapters' reqwest transport to a running sandbox, a clock that tests can move, and the memory
//! ledger.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::cell::Cell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use guichet::edge::ledger::memory::MemoryLedger;
use guichet::edge::runtime::Runtime;
use guichet::edge::{route, Config, Edge, Incoming};
use guichet::http::HttpResponse;

use crate::adapters_support::ReqwestTransport;
use guichet::sandbox::SandboxHandle;
use serde_json::{json, Value};

/// The wall clock plus an offset a test can move forward; pauses between retries are
/// real but ten times shorter.
#[derive(Default)]
pub struct TestClock {
    pub offset_ms: Cell<u64>,
}

impl TestClock {
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .set(self.offset_ms.get() + by.as_millis() as u64);
    }
}

impl Runtime for TestClock {
    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64
            + self.offset_ms.get()
    }

    async fn sleep(&self, ms: u64) {
        tokio::time::sleep(Duration::from_millis(ms / 10)).await;
    }
}

pub const ADMIN_KEY: &str = "admin-test-key";
pub const SHOP: &str = "http://127.0.0.1:8080";

/// The catalog the stories buy from.
pub const CATALOG: &str = r#"{
    "wax-6y": {"name": "Wax 6 yards", "price": 15000, "currency": "XOF"},
    "sandals": {"name": "Sandals", "price": 7500, "currency": "XOF"}
}"#;

/// The backend's environment against a running sandbox, with notifications and returns
/// sent to `public_url`.
pub fn env_for(sandbox: &SandboxHandle, public_url: &str) -> Vec<(String, String)> {
    let endpoints = sandbox.endpoints();
    let credentials = sandbox.credentials();
    [
        ("GUICHET_SESSION_SECRET", "test-session-secret"),
        ("GUICHET_ALLOWED_ORIGINS", SHOP),
        ("GUICHET_CATALOG", CATALOG),
        ("GUICHET_ADMIN_KEY", ADMIN_KEY),
        ("GUICHET_PUBLIC_URL", public_url),
        ("GUICHET_RETURN_URL", "http://127.0.0.1:8080/return.html"),
        ("MONEROO_SECRET_KEY", &credentials.moneroo_secret_key),
        (
            "MONEROO_WEBHOOK_SECRET",
            &credentials.moneroo_webhook_secret,
        ),
        ("MONEROO_BASE_URL", &endpoints.moneroo),
        ("CINETPAY_API_KEY", &credentials.cinetpay_apikey),
        ("CINETPAY_SITE_ID", &credentials.cinetpay_site_id),
        ("CINETPAY_SECRET_KEY", &credentials.cinetpay_secret_key),
        ("CINETPAY_BASE_URL", &endpoints.cinetpay),
        ("CINETPAY_TRANSFER_BASE_URL", &endpoints.cinetpay_transfer),
        (
            "CINETPAY_TRANSFER_PASSWORD",
            &credentials.cinetpay_transfer_password,
        ),
        ("MONEYFUSION_API_URL", &endpoints.moneyfusion_api_url),
        ("MONEYFUSION_BASE_URL", &endpoints.moneyfusion),
        ("MONEYFUSION_PAYOUT_BASE_URL", &endpoints.moneyfusion),
        (
            "MONEYFUSION_PRIVATE_KEY",
            &credentials.moneyfusion_private_key,
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// One backend: its settings, a memory ledger, reqwest and a movable clock.
pub struct Backend {
    pub config: Config,
    pub ledger: MemoryLedger,
    pub transport: ReqwestTransport,
    pub clock: TestClock,
}

impl Backend {
    pub fn new(env: &[(String, String)]) -> Backend {
        Backend {
            config: Config::from_env(|name| {
                env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
            }),
            ledger: MemoryLedger::new(),
            transport: ReqwestTransport::default(),
            clock: TestClock::default(),
        }
    }

    /// Sends one request through the routes.
    pub async fn send(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> HttpResponse {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let incoming = Incoming {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), (*v).to_owned()))
                .collect(),
            body: body.to_vec(),
        };
        let edge = Edge::new(&self.config, &self.ledger, &self.transport, &self.clock);
        route(&edge, &incoming).await
    }

    /// Sends JSON and reads JSON back.
    pub async fn json(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut all = headers.to_vec();
        all.push(("content-type", "application/json"));
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let response = self.send(method, path, &all, &bytes).await;
        let value = if response.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&response.body).unwrap_or_else(|_| {
                panic!(
                    "not JSON ({}): {}",
                    response.status,
                    String::from_utf8_lossy(&response.body)
                )
            })
        };
        (response.status, value)
    }
}

/// A shopper every provider accepts.
pub fn customer() -> Value {
    json!({
        "first_name": "Awa",
        "last_name": "Koné",
        "email": "awa@example.ci",
        "phone": "+2250701020304",
        "country": "CI"
    })
}

impl Backend {
    /// A session as the ledger holds it.
    pub async fn ledger_session(&self, id: &str) -> guichet::edge::ledger::SessionRecord {
        use guichet::edge::ledger::Ledger;
        self.ledger.session(id).await.unwrap().expect("a session")
    }

    /// A session's history.
    pub async fn ledger_events(&self, id: &str) -> Vec<guichet::edge::ledger::EventRecord> {
        use guichet::edge::ledger::Ledger;
        self.ledger.events(id).await.unwrap()
    }

    /// Asks the provider about a session and records the answer, as a status read does.
    pub async fn refresh(&self, id: &str) -> guichet::edge::ledger::SessionRecord {
        let edge = Edge::new(&self.config, &self.ledger, &self.transport, &self.clock);
        let session = self.ledger_session(id).await;
        guichet::edge::sessions::refresh(&edge, session)
            .await
            .unwrap()
    }
}
