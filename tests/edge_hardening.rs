//! The edge under requests an attacker or a clumsy client would send (issue 13): bounded
//! work and answers whatever the body, one provider status call per session every few
//! seconds, addresses with control characters refused, no SQL in any answer, and a
//! provider reference seen twice answered as the provider's anomaly.
#![cfg(all(feature = "edge", feature = "sandbox", not(target_arch = "wasm32")))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adapters_support;
mod edge_support;
mod sandbox_support;

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use edge_support::{customer, env_for, Backend, TestClock, CATALOG, SHOP};
use guichet::edge::ledger::memory::MemoryLedger;
use guichet::edge::ledger::{
    Applied, DeliveryState, EventRecord, Ledger, LedgerError, NewEvent, OrderInsert, OrderRecord,
    PayoutChange, PayoutClaim, PayoutRecord, Recheck, SessionRecord, StatusChange, StoredEvent,
    Subject,
};
use guichet::edge::{route, Config, Edge, Incoming};
use guichet::http::{HttpRequest, HttpResponse, Transport, TransportError};
use sandbox_support::{fast_config, sandbox};
use serde_json::{json, Value};

fn checkout(extra: Value) -> Value {
    let mut body = json!({
        "provider": "moneroo",
        "items": [{"sku": "wax-6y", "quantity": 1}],
        "customer": customer(),
        "lang": "en",
    });
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

/// A backend with no provider behind it (the checks below refuse before any call).
fn offline(extra_env: &[(&str, &str)]) -> Backend {
    let mut env: Vec<(String, String)> = [
        ("GUICHET_SESSION_SECRET", "test-session-secret"),
        ("GUICHET_ALLOWED_ORIGINS", SHOP),
        ("GUICHET_CATALOG", CATALOG),
        ("GUICHET_PUBLIC_URL", "http://127.0.0.1:9"),
        ("MONEROO_SECRET_KEY", "pvk_test"),
        ("MONEROO_BASE_URL", "http://127.0.0.1:9"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    env.extend(
        extra_env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    Backend::new(&env)
}

async fn post_raw(backend: &Backend, body: &[u8]) -> HttpResponse {
    backend
        .send(
            "POST",
            "/api/sessions",
            &[("content-type", "application/json")],
            body,
        )
        .await
}

fn error_of(response: &HttpResponse) -> Value {
    let value: Value = serde_json::from_slice(&response.body).expect("a JSON answer");
    value["error"].clone()
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413_before_it_is_parsed() {
    let backend = offline(&[]);
    let big = checkout(json!({"methods": vec![""; 20_000]})).to_string();
    assert!(big.len() > 32 * 1024);
    let answer = post_raw(&backend, big.as_bytes()).await;
    assert_eq!(answer.status, 413);
    assert_eq!(error_of(&answer)["code"], "body_too_large");

    // The setting moves the ceiling, and notifications have their own.
    let small = offline(&[("GUICHET_MAX_BODY_BYTES", "100")]);
    let answer = post_raw(&small, checkout(json!({})).to_string().as_bytes()).await;
    assert_eq!(answer.status, 413);
    let notification = small
        .send("POST", "/api/webhooks/moneyfusion", &[], &[b' '; 2000])
        .await;
    assert_ne!(notification.status, 413);
}

/// The three bodies, with the ceiling raised far above them: the answer stays a
/// few KiB, whatever the number of bad elements. (How long they take and what they leave
/// resident is measured by `bench/memory.mjs`, not timed here: a loaded machine would make
/// a clock assertion fail for nothing.)
#[tokio::test]
async fn long_lists_of_bad_elements_make_a_short_answer() {
    let backend = offline(&[("GUICHET_MAX_BODY_BYTES", "8000000")]);
    let lines: Vec<Value> = (0..100_000)
        .map(|_| json!({"sku": "", "quantity": 0}))
        .collect();
    let keys: serde_json::Map<String, Value> = (0..200_000)
        .map(|i| (format!("bad key {i}"), json!("")))
        .collect();
    let bodies = [
        checkout(json!({"methods": vec![""; 1_000_000]})),
        checkout(json!({"items": lines})),
        checkout(json!({"metadata": keys})),
        checkout(json!({"metadata": {"k".repeat(100_000): "v"}})),
    ];
    for body in bodies {
        let bytes = body.to_string().into_bytes();
        let answer = post_raw(&backend, &bytes).await;
        assert_eq!(
            answer.status,
            422,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        assert!(
            answer.body.len() < 16 * 1024,
            "a {} byte body answered {} bytes",
            bytes.len(),
            answer.body.len()
        );
        let error = error_of(&answer);
        assert!(error["violations"].as_array().unwrap().len() <= 20);
    }
}

#[tokio::test]
async fn violations_past_the_first_twenty_are_counted_not_listed() {
    let backend = offline(&[]);
    let methods: Vec<String> = (0..20).map(|i| format!("BAD-{i}")).collect();
    let body = checkout(json!({
        "methods": methods,
        "customer": {"email": "not an email", "phone": "x", "first_name": "\u{0}"},
        "items": [{"sku": "", "quantity": 0}],
    }));
    let answer = post_raw(&backend, body.to_string().as_bytes()).await;
    assert_eq!(answer.status, 422);
    let error = error_of(&answer);
    assert_eq!(error["violations"].as_array().unwrap().len(), 20);
    assert!(error["omitted"].as_u64().unwrap() >= 2, "{error}");
}

#[tokio::test]
async fn a_return_url_with_control_characters_is_refused() {
    let backend = offline(&[]);
    for url in [
        "http://127.0.0.1:8080/return\r\nSet-Cookie: a=b",
        "http://127.0.0.1:8080/return\n",
        "http://127.0.0.1:8080/re\u{0}turn",
        "http://127.0.0.1:8080/re turn",
        "http://127.0.0.1:8080/return\u{7f}",
    ] {
        let answer = post_raw(
            &backend,
            checkout(json!({"return_url": url})).to_string().as_bytes(),
        )
        .await;
        assert_eq!(answer.status, 422, "{url:?}");
        assert_eq!(error_of(&answer)["field"], "return_url", "{url:?}");
    }
}

/// A provider that answers every payment creation with the same payment id, and counts.
struct SameReference {
    calls: Cell<u32>,
}

impl Transport for SameReference {
    async fn send(&self, _: &HttpRequest) -> Result<HttpResponse, TransportError> {
        self.calls.set(self.calls.get() + 1);
        Ok(HttpResponse::new(
            201,
            include_str!("fixtures/moneroo/payment_initialize_201.json"),
        ))
    }
}

async fn open_with<L: Ledger>(
    config: &Config,
    ledger: &L,
    transport: &SameReference,
) -> HttpResponse {
    let incoming = Incoming {
        method: "POST".into(),
        path: "/api/sessions".into(),
        query: String::new(),
        headers: vec![("content-type".into(), "application/json".into())],
        body: checkout(json!({})).to_string().into_bytes(),
    };
    let clock = TestClock::default();
    let edge = Edge::new(config, ledger, transport, &clock);
    route(&edge, &incoming).await
}

#[tokio::test]
async fn a_provider_reference_seen_twice_is_a_provider_anomaly() {
    let backend = offline(&[]);
    let ledger = MemoryLedger::new();
    let transport = SameReference {
        calls: Cell::new(0),
    };
    let first = open_with(&backend.config, &ledger, &transport).await;
    assert_eq!(first.status, 201);
    let second = open_with(&backend.config, &ledger, &transport).await;
    assert_eq!(
        second.status,
        502,
        "{}",
        String::from_utf8_lossy(&second.body)
    );
    assert_eq!(error_of(&second)["code"], "provider_anomaly");
    assert_eq!(transport.calls.get(), 2);
}

/// A ledger that fails the way SQLite does, with the statement's table and columns.
struct SqlLedger(MemoryLedger);

fn sql_error() -> LedgerError {
    LedgerError(
        "D1 attach a payment failed: UNIQUE constraint failed: sessions.provider, sessions.provider_ref"
            .into(),
    )
}

impl Ledger for SqlLedger {
    fn kind(&self) -> &'static str {
        "sqlite"
    }
    async fn create_session(&self, session: &SessionRecord) -> Result<(), LedgerError> {
        self.0.create_session(session).await
    }
    async fn session(&self, id: &str) -> Result<Option<SessionRecord>, LedgerError> {
        self.0.session(id).await
    }
    async fn session_by_provider_ref(
        &self,
        provider: guichet::domain::Provider,
        provider_ref: &str,
    ) -> Result<Option<SessionRecord>, LedgerError> {
        self.0.session_by_provider_ref(provider, provider_ref).await
    }
    async fn attach_payment(&self, _: &str, _: &str, _: &str, _: u64) -> Result<bool, LedgerError> {
        Err(sql_error())
    }
    async fn apply(
        &self,
        id: &str,
        change: &StatusChange,
        event: Option<&NewEvent>,
    ) -> Result<Applied, LedgerError> {
        self.0.apply(id, change, event).await
    }
    async fn events(&self, id: &str) -> Result<Vec<EventRecord>, LedgerError> {
        self.0.events(id).await
    }
    async fn order_is_paid(&self, id: &str) -> Result<bool, LedgerError> {
        self.0.order_is_paid(id).await
    }
    async fn create_order(&self, order: &OrderRecord) -> Result<OrderInsert, LedgerError> {
        self.0.create_order(order).await
    }
    async fn order(&self, id: &str) -> Result<Option<OrderRecord>, LedgerError> {
        self.0.order(id).await
    }
    async fn claim_payout(&self, payout: &PayoutRecord) -> Result<PayoutClaim, LedgerError> {
        self.0.claim_payout(payout).await
    }
    async fn payout(&self, id: &str) -> Result<Option<PayoutRecord>, LedgerError> {
        self.0.payout(id).await
    }
    async fn payout_by_provider_ref(
        &self,
        provider: guichet::domain::Provider,
        provider_ref: &str,
    ) -> Result<Option<PayoutRecord>, LedgerError> {
        self.0.payout_by_provider_ref(provider, provider_ref).await
    }
    async fn apply_payout(
        &self,
        id: &str,
        change: &PayoutChange,
        event: Option<&NewEvent>,
    ) -> Result<Applied, LedgerError> {
        self.0.apply_payout(id, change, event).await
    }
    async fn order_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<OrderRecord>, LedgerError> {
        self.0.order_by_reference(reference).await
    }
    async fn sessions_of_order(&self, id: &str) -> Result<Vec<SessionRecord>, LedgerError> {
        self.0.sessions_of_order(id).await
    }
    async fn events_after(&self, after: u64, limit: u32) -> Result<Vec<StoredEvent>, LedgerError> {
        self.0.events_after(after, limit).await
    }
    async fn due_events(&self, now: u64, limit: u32) -> Result<Vec<StoredEvent>, LedgerError> {
        self.0.due_events(now, limit).await
    }
    async fn lease_event(&self, id: &str, seen: u64, until: u64) -> Result<bool, LedgerError> {
        self.0.lease_event(id, seen, until).await
    }
    async fn record_delivery(&self, id: &str, state: &DeliveryState) -> Result<(), LedgerError> {
        self.0.record_delivery(id, state).await
    }
    async fn note_recheck(&self, mark: &Recheck) -> Result<(), LedgerError> {
        self.0.note_recheck(mark).await
    }
    async fn clear_recheck(&self, mark: &Recheck) -> Result<(), LedgerError> {
        self.0.clear_recheck(mark).await
    }
    async fn due_rechecks(&self, now: u64, limit: u32) -> Result<Vec<Recheck>, LedgerError> {
        self.0.due_rechecks(now, limit).await
    }
    async fn sessions_to_check(
        &self,
        now: u64,
        before: u64,
        limit: u32,
    ) -> Result<Vec<SessionRecord>, LedgerError> {
        self.0.sessions_to_check(now, before, limit).await
    }
    async fn payouts_to_check(
        &self,
        before: u64,
        limit: u32,
    ) -> Result<Vec<PayoutRecord>, LedgerError> {
        self.0.payouts_to_check(before, limit).await
    }
    async fn mark_checked(&self, subject: Subject, id: &str, at: u64) -> Result<(), LedgerError> {
        self.0.mark_checked(subject, id, at).await
    }
}

#[tokio::test]
async fn a_ledger_failure_names_no_table_column_or_statement() {
    let backend = offline(&[]);
    let ledger = SqlLedger(MemoryLedger::new());
    let transport = SameReference {
        calls: Cell::new(0),
    };
    let answer = open_with(&backend.config, &ledger, &transport).await;
    assert_eq!(answer.status, 503);
    let text = String::from_utf8_lossy(&answer.body).to_lowercase();
    assert_eq!(error_of(&answer)["code"], "ledger_unavailable");
    for word in [
        "unique",
        "constraint",
        "sessions.",
        "provider_ref",
        "d1 ",
        "select",
        "update",
    ] {
        assert!(!text.contains(word), "{word:?} in {text}");
    }
}

/// Polls every future in turn until all are done, on this one thread (the routes'
/// futures are not `Send`, as in a worker isolate).
async fn all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                if let Poll::Ready(value) = future.as_mut().poll(cx) {
                    *output = Some(value);
                }
            }
        }
        if outputs.iter().all(Option::is_some) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}

/// Counts the status calls a transport sends.
struct Counting<T> {
    inner: T,
    verifies: Cell<u32>,
}

impl<T: Transport> Transport for Counting<T> {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        if request.url.contains("/verify") {
            self.verifies.set(self.verifies.get() + 1);
        }
        self.inner.send(request).await
    }
}

/// The amplification: one shopper reading their own session over and over must
/// not spend Moneroo's 120 calls a minute and block the next shopper's checkout.
#[tokio::test]
async fn reading_one_session_many_times_makes_few_status_calls_and_checkout_goes_on() {
    let sandbox = sandbox(fast_config()).await;
    let backend = Backend::new(&env_for(&sandbox, "http://127.0.0.1:9"));
    let transport = Counting {
        inner: adapters_support::ReqwestTransport::default(),
        verifies: Cell::new(0),
    };
    let edge = Edge::new(&backend.config, &backend.ledger, &transport, &backend.clock);
    let request = |method: &str, path: &str, token: Option<&str>, body: Vec<u8>| Incoming {
        method: method.into(),
        path: path.into(),
        query: String::new(),
        headers: token
            .map(|t| vec![("authorization".to_owned(), format!("Bearer {t}"))])
            .unwrap_or_default(),
        body,
    };
    let open = request(
        "POST",
        "/api/sessions",
        None,
        checkout(json!({})).to_string().into_bytes(),
    );
    let created = route(&edge, &open).await;
    assert_eq!(created.status, 201);
    let session: Value = serde_json::from_slice(&created.body).unwrap();
    let path = format!("/api/sessions/{}", session["id"].as_str().unwrap());
    let token = session["token"].as_str().unwrap();

    // 25 reads at once share one call.
    let read = request("GET", &path, Some(token), Vec::new());
    let answers = all((0..25).map(|_| route(&edge, &read)).collect()).await;
    assert!(answers.iter().all(|a| a.status == 200));
    assert_eq!(transport.verifies.get(), 1, "concurrent reads coalesce");

    // 150 more, one after the other, within the interval: no call at all.
    for _ in 0..150 {
        assert_eq!(route(&edge, &read).await.status, 200);
    }
    assert_eq!(
        transport.verifies.get(),
        1,
        "reads within the interval use the ledger"
    );
    let shown: Value = serde_json::from_slice(&route(&edge, &read).await.body).unwrap();
    assert_eq!(shown["status"], "pending");

    // The next shopper still checks out.
    let next = route(&edge, &open).await;
    assert_eq!(next.status, 201, "{}", String::from_utf8_lossy(&next.body));
}
