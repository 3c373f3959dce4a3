//! The backend's checkout stories, natively: the edge's routes with the memory ledger and
//! a real sandbox as the provider side. Notifications the sandbox sends are caught by a
//! receiver and delivered to the routes, as many times and in whatever order a story
//! needs. The same contract runs in workerd, Deno and Node in tests/js/.
#![cfg(all(feature = "edge", feature = "sandbox", not(target_arch = "wasm32")))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adapters_support;
mod edge_support;
mod sandbox_support;

use std::time::Duration;

use edge_support::{customer, env_for, Backend, ADMIN_KEY};
use guichet::sandbox::SandboxHandle;
use sandbox_support::{client, fast_config, sandbox, Captured, Receiver};
use serde_json::{json, Value};

struct World {
    sandbox: SandboxHandle,
    receiver: Receiver,
    backend: Backend,
}

async fn world() -> World {
    let receiver = Receiver::start().await;
    let mut config = fast_config();
    config.moneroo_webhook_urls = vec![format!("{}/api/webhooks/moneroo", receiver.url)];
    let sandbox = sandbox(config).await;
    let backend = Backend::new(&env_for(&sandbox, &receiver.url));
    World {
        sandbox,
        receiver,
        backend,
    }
}

impl World {
    async fn open(&self, provider: &str) -> Value {
        let (status, session) = self
            .backend
            .json(
                "POST",
                "/api/sessions",
                &[("origin", edge_support::SHOP)],
                Some(json!({
                    "provider": provider,
                    "items": [{"sku": "wax-6y", "quantity": 2}, {"sku": "sandals", "quantity": 1}],
                    "customer": customer(),
                    "lang": "fr",
                })),
            )
            .await;
        assert_eq!(status, 201, "{session}");
        session
    }

    /// The shopper's action on the provider's page, through the sandbox's control API.
    async fn shopper(&self, provider: &str, provider_id: &str, outcome: &str) {
        let response = client()
            .post(format!(
                "{}/_sandbox/payments/{provider}/{provider_id}/complete",
                self.sandbox.base_url()
            ))
            .json(&json!({"outcome": outcome}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }

    async fn truth(&self, provider: &str, provider_id: &str) -> Value {
        client()
            .get(format!(
                "{}/_sandbox/payments/{provider}/{provider_id}",
                self.sandbox.base_url()
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn status(&self, session: &Value) -> (u16, Value) {
        let token = format!("Bearer {}", session["token"].as_str().unwrap());
        let path = format!("/api/sessions/{}", session["id"].as_str().unwrap());
        self.backend
            .json("GET", &path, &[("authorization", &token)], None)
            .await
    }

    /// Delivers a caught notification to the routes, as the provider would.
    async fn deliver(&self, captured: &Captured) -> (u16, Value) {
        let headers: Vec<(&str, &str)> = captured
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let response = self
            .backend
            .send(&captured.method, &captured.path, &headers, &captured.body)
            .await;
        let body = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        (response.status, body)
    }

    async fn notifications(&self, provider: &str, count: usize) -> Vec<Captured> {
        let path = format!("/api/webhooks/{provider}");
        self.receiver
            .wait_for(count, Duration::from_secs(10), |c| {
                c.method == "POST" && c.path == path
            })
            .await
    }
}

/// The provider's id of a session's payment, as the sandbox knows it.
fn provider_id(session: &Value) -> String {
    let url = session["checkout_url"].as_str().unwrap();
    url.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn moneroo_payment_is_verified_and_recorded_once_however_often_notified() {
    let world = world().await;
    let session = world.open("moneroo").await;
    assert_eq!(session["amount"], 37_500);
    assert_eq!(session["currency"], "XOF");
    assert_eq!(session["status"], "pending");
    let checkout = session["checkout_url"].as_str().unwrap();
    assert!(checkout.starts_with(world.sandbox.base_url()), "{checkout}");

    let (status, before) = world.status(&session).await;
    assert_eq!((status, before["status"].as_str()), (200, Some("pending")));

    let payment_id = provider_id(&session);
    world.shopper("moneroo", &payment_id, "success").await;
    let caught = world.notifications("moneroo", 1).await;
    let last = caught.last().unwrap();
    for _ in 0..3 {
        let (status, body) = world.deliver(last).await;
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("succeeded")),
            "{body}"
        );
    }
    let (_, after) = world.status(&session).await;
    assert_eq!(after["status"], "succeeded");
    assert_eq!(after["paid_amount"], 37_500);
    let events = world
        .backend
        .ledger_events(session["id"].as_str().unwrap())
        .await;
    let moved: Vec<_> = events.iter().filter(|e| e.moved).collect();
    assert_eq!(moved.len(), 1, "{events:?}");
    let truth = world.truth("moneroo", &payment_id).await;
    assert_eq!(truth["stage"], "succeeded");
    assert_eq!(truth["amount"], 37_500);
}

#[tokio::test]
async fn a_forged_moneroo_signature_is_refused_and_changes_nothing() {
    let world = world().await;
    let session = world.open("moneroo").await;
    let payment_id = provider_id(&session);
    let body = json!({"event": "payment.success", "data": {"id": payment_id}}).to_string();
    let response = world
        .backend
        .send(
            "POST",
            "/api/webhooks/moneroo",
            &[("x-moneroo-signature", &"0".repeat(64))],
            body.as_bytes(),
        )
        .await;
    assert_eq!(response.status, 403);
    let (_, after) = world.status(&session).await;
    assert_eq!(after["status"], "pending");
}

#[tokio::test]
async fn tampered_expired_and_foreign_tokens_are_refused() {
    let world = world().await;
    let session = world.open("cinetpay").await;
    let token = session["token"].as_str().unwrap().to_owned();
    let id = session["id"].as_str().unwrap();
    let path = format!("/api/sessions/{id}");

    let tampered = token.replacen(".37500.", ".100.", 1);
    assert_ne!(tampered, token);
    let other = world.open("cinetpay").await;
    let foreign = other["token"].as_str().unwrap().to_owned();
    for bad in [tampered.as_str(), foreign.as_str(), "", "v1.k1.x"] {
        let auth = format!("Bearer {bad}");
        let (status, body) = world
            .backend
            .json("GET", &path, &[("authorization", &auth)], None)
            .await;
        assert_eq!(status, 401, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "invalid_token");
    }
    world.backend.clock.advance(Duration::from_secs(31 * 60));
    let (status, _) = world.status(&session).await;
    assert_eq!(status, 401, "expired");
}

#[tokio::test]
async fn an_amount_from_the_browser_is_refused_by_name() {
    let world = world().await;
    let (status, body) = world
        .backend
        .json(
            "POST",
            "/api/sessions",
            &[],
            Some(json!({
                "provider": "moneroo",
                "items": [{"sku": "wax-6y", "quantity": 1}],
                "amount": 5,
                "customer": customer(),
                "lang": "en",
            })),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "amount_not_allowed");
    assert_eq!(body["error"]["field"], "amount");

    let (status, body) = world
        .backend
        .json(
            "POST",
            "/api/sessions",
            &[],
            Some(json!({
                "provider": "moneroo",
                "items": [{"sku": "ghost", "quantity": 1}],
                "customer": customer(),
                "lang": "fr",
            })),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["field"], "items[0].sku");
    assert_eq!(body["error"]["message"], "Cet article n'est pas en vente.");
}

#[tokio::test]
async fn cinetpay_ipn_needs_its_x_token_and_the_check_decides() {
    let world = world().await;
    let session = world.open("cinetpay").await;
    let transaction_id = session["id"].as_str().unwrap().to_owned();
    world.shopper("cinetpay", &transaction_id, "failed").await;
    let caught = world.notifications("cinetpay", 1).await;
    let ipn = caught.last().unwrap();

    let mut forged = ipn.clone();
    forged.headers.insert("x-token".into(), "0".repeat(64));
    let (status, _) = world.deliver(&forged).await;
    assert_eq!(status, 403);

    let (status, body) = world.deliver(ipn).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("failed")),
        "{body}"
    );
    let ping = world
        .backend
        .send("GET", "/api/webhooks/cinetpay", &[], b"")
        .await;
    assert_eq!(ping.status, 200);
    let (_, after) = world.status(&session).await;
    assert_eq!(after["status"], "failed");
}

#[tokio::test]
async fn moneyfusion_out_of_order_notifications_never_move_a_final_status() {
    let world = world().await;
    let session = world.open("moneyfusion").await;
    let (_, before) = world.status(&session).await;
    assert_eq!(before["status"], "pending");
    let token = world
        .backend
        .ledger_session(session["id"].as_str().unwrap())
        .await
        .provider_ref
        .unwrap();
    world.shopper("moneyfusion", &token, "success").await;
    // MoneyFusion may repeat `pending` before `completed`: wait for the completed one.
    let path = "/api/webhooks/moneyfusion";
    world
        .receiver
        .wait_for(1, Duration::from_secs(10), |c| {
            c.method == "POST" && c.path == path && c.json()["event"] == "payin.session.completed"
        })
        .await;
    let caught = world.notifications("moneyfusion", 2).await;
    let completed = caught
        .iter()
        .find(|c| c.json()["event"] == "payin.session.completed")
        .expect("a completed event");
    let pending = caught
        .iter()
        .find(|c| c.json()["event"] == "payin.session.pending")
        .expect("a pending event");
    // Completed first, then a late pending, then completed again.
    let (_, first) = world.deliver(completed).await;
    assert_eq!(first["status"], "succeeded");
    let (_, late) = world.deliver(pending).await;
    assert_eq!(late["status"], "succeeded");
    let (_, again) = world.deliver(completed).await;
    assert_eq!(again["status"], "succeeded");
    let (_, after) = world.status(&session).await;
    assert_eq!(after["status"], "succeeded");
}

#[tokio::test]
async fn a_provider_that_fails_then_recovers() {
    let world = world().await;
    let faults = format!("{}/_sandbox/faults", world.sandbox.base_url());
    // Creation: a 500 is not retried (the payment may exist), the shopper is told to try
    // again, and the next attempt opens a new session.
    client()
        .post(&faults)
        .json(&json!({"provider": "moneroo", "kind": "500", "next": 1, "path": "/initialize"}))
        .send()
        .await
        .unwrap();
    let (status, body) = world
        .backend
        .json(
            "POST",
            "/api/sessions",
            &[],
            Some(json!({
                "provider": "moneroo",
                "items": [{"sku": "wax-6y", "quantity": 1}],
                "customer": customer(),
                "lang": "fr",
            })),
        )
        .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "provider_unavailable");
    let session = world.open("moneroo").await;

    // Status calls: two 500s then an answer, within one GET.
    client()
        .post(&faults)
        .json(&json!({"provider": "moneroo", "kind": "500", "next": 2, "path": "/verify"}))
        .send()
        .await
        .unwrap();
    world
        .shopper("moneroo", &provider_id(&session), "success")
        .await;
    let (status, after) = world.status(&session).await;
    assert_eq!(
        (status, after["status"].as_str()),
        (200, Some("succeeded")),
        "{after}"
    );
}

#[tokio::test]
async fn an_unpaid_session_expires_after_its_time() {
    let world = world().await;
    let session = world.open("moneroo").await;
    let id = session["id"].as_str().unwrap();
    world.backend.clock.advance(Duration::from_secs(29 * 60));
    let (_, still) = world.status(&session).await;
    assert_eq!(still["status"], "pending");
    // Past the token's life the token is refused; the ledger still expires the session
    // when asked through a notification-free path (a fresh verify).
    world.backend.clock.advance(Duration::from_secs(2 * 60));
    let record = world.backend.refresh(id).await;
    assert_eq!(record.status.as_str(), "expired");
}

#[tokio::test]
async fn cinetpay_return_post_becomes_a_redirect_to_the_shop() {
    let world = world().await;
    let session = world.open("cinetpay").await;
    let id = session["id"].as_str().unwrap();
    let response = world
        .backend
        .send(
            "POST",
            &format!("/api/return/cinetpay?session={id}"),
            &[("content-type", "application/x-www-form-urlencoded")],
            format!("transaction_id={id}&token=abc&extra=ignored").as_bytes(),
        )
        .await;
    assert_eq!(response.status, 303);
    let location = response.header_value("location").unwrap();
    assert_eq!(
        location,
        format!(
            "http://127.0.0.1:8080/return.html?transaction_id={id}&token=abc&guichet_session={id}"
        )
    );
    let (status, body) = world
        .backend
        .json(
            "POST",
            "/api/sessions",
            &[],
            Some(json!({
                "provider": "cinetpay",
                "items": [{"sku": "wax-6y", "quantity": 1}],
                "customer": customer(),
                "return_url": "https://evil.example/steal",
            })),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "return_url_not_allowed");
}

#[tokio::test]
async fn an_order_registered_by_the_merchant_is_paid_at_its_amount_once() {
    let world = world().await;
    let admin = format!("Bearer {ADMIN_KEY}");
    let order = json!({"reference": "CMD-1042", "amount": 52_300, "currency": "XOF",
                       "description": "Commande 1042, livraison comprise"});
    let (status, _) = world
        .backend
        .json(
            "POST",
            "/api/orders",
            &[("authorization", "Bearer wrong")],
            Some(order.clone()),
        )
        .await;
    assert_eq!(status, 401);
    let (status, created) = world
        .backend
        .json(
            "POST",
            "/api/orders",
            &[("authorization", &admin)],
            Some(order.clone()),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let (status, again) = world
        .backend
        .json(
            "POST",
            "/api/orders",
            &[("authorization", &admin)],
            Some(order),
        )
        .await;
    assert_eq!((status, &again["order_id"]), (200, &created["order_id"]));
    // An unknown currency is refused with the code POST /payouts gives it too.
    let (status, refused) = world
        .backend
        .json(
            "POST",
            "/api/orders",
            &[("authorization", &admin)],
            Some(
                json!({"reference": "CMD-1043", "amount": 100, "currency": "ABC",
                        "description": "Commande 1043"}),
            ),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["code"], "unknown_currency", "{refused}");
    assert_eq!(refused["error"]["field"], "currency");

    let pay =
        json!({"provider": "moneroo", "order_id": created["order_id"], "customer": customer()});
    let (status, session) = world
        .backend
        .json("POST", "/api/sessions", &[], Some(pay.clone()))
        .await;
    assert_eq!(status, 201, "{session}");
    assert_eq!(session["amount"], 52_300);
    world
        .shopper("moneroo", &provider_id(&session), "success")
        .await;
    let (_, paid) = world.status(&session).await;
    assert_eq!(paid["status"], "succeeded");
    let (status, body) = world
        .backend
        .json("POST", "/api/sessions", &[], Some(pay))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("order_already_paid"))
    );
}
