//! The backend's payout stories, natively: `POST /payouts` and `GET /payouts/:id` with the
//! memory ledger and a real sandbox as the provider side, the sandbox's own record of
//! payouts (`/_sandbox/payouts`) as the ground truth, and the providers' payout
//! notifications caught by a receiver and delivered to the routes.
#![cfg(all(feature = "edge", feature = "sandbox", not(target_arch = "wasm32")))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adapters_support;
mod edge_support;
mod sandbox_support;

use std::time::Duration;

use edge_support::{env_for, Backend, ADMIN_KEY};
use guichet::sandbox::SandboxHandle;
use sandbox_support::{client, eventually, fast_config, sandbox, Captured, Receiver};
use serde_json::{json, Value};

struct World {
    sandbox: SandboxHandle,
    receiver: Receiver,
    backend: Backend,
}

async fn world() -> World {
    world_without(&[]).await
}

/// A world whose backend lacks the named settings.
async fn world_without(missing: &[&str]) -> World {
    let receiver = Receiver::start().await;
    let mut config = fast_config();
    config.moneroo_webhook_urls = vec![format!("{}/api/webhooks/moneroo", receiver.url)];
    let sandbox = sandbox(config).await;
    let env: Vec<(String, String)> = env_for(&sandbox, &receiver.url)
        .into_iter()
        .filter(|(k, _)| !missing.contains(&k.as_str()))
        .collect();
    let backend = Backend::new(&env);
    World {
        sandbox,
        receiver,
        backend,
    }
}

const ADMIN: (&str, &str) = ("authorization", "Bearer admin-test-key");

fn moneroo_payout(phone: &str) -> Value {
    json!({
        "provider": "moneroo",
        "amount": 5000,
        "currency": "XOF",
        "description": "Remboursement commande 18",
        "recipient": {
            "method": "mtn_bj",
            "phone": phone,
            "first_name": "Koffi",
            "last_name": "Mensah",
            "email": "koffi@example.bj",
        },
    })
}

fn cinetpay_payout() -> Value {
    json!({
        "provider": "cinetpay",
        "amount": 5000,
        "currency": "XOF",
        "recipient": {
            "phone": "+2250701020304",
            "first_name": "Awa",
            "last_name": "Koné",
            "email": "awa@example.ci",
        },
    })
}

fn moneyfusion_payout() -> Value {
    json!({
        "provider": "moneyfusion",
        "amount": 5000,
        "currency": "XOF",
        "recipient": {"method": "mtn-ci", "phone": "0501020304"},
    })
}

impl World {
    async fn pay_out(&self, key: &str, body: &Value) -> (u16, Value) {
        self.backend
            .json(
                "POST",
                "/api/payouts",
                &[ADMIN, ("idempotency-key", key)],
                Some(body.clone()),
            )
            .await
    }

    async fn show(&self, payout: &Value) -> (u16, Value) {
        let path = format!("/api/payouts/{}", payout["id"].as_str().unwrap());
        self.backend.json("GET", &path, &[ADMIN], None).await
    }

    /// Reads the payout until it is final (each read asks the provider).
    async fn until_final(&self, payout: &Value) -> Value {
        for _ in 0..100 {
            let (status, current) = self.show(payout).await;
            assert_eq!(status, 200, "{current}");
            if current["status"] != "pending" {
                return current;
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        panic!("the payout never settled");
    }

    /// The sandbox's payouts for a provider: the ground truth.
    async fn truth(&self, provider: &str) -> Vec<Value> {
        let body: Value = client()
            .get(format!(
                "{}/_sandbox/payouts?provider={provider}",
                self.sandbox.base_url()
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["payouts"].as_array().unwrap().clone()
    }

    async fn fault(&self, fault: Value) {
        let response = client()
            .post(format!("{}/_sandbox/faults", self.sandbox.base_url()))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    }

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

    /// Waits for notifications at `path` whose body satisfies `matches`.
    async fn caught(
        &self,
        path: &'static str,
        count: usize,
        matches: impl Fn(&Captured) -> bool,
    ) -> Vec<Captured> {
        self.receiver
            .wait_for(count, Duration::from_secs(10), move |c| {
                c.method == "POST" && c.path == path && matches(c)
            })
            .await
    }
}

fn body_text(captured: &Captured) -> String {
    String::from_utf8_lossy(&captured.body).into_owned()
}

#[tokio::test]
async fn moneroo_payout_is_sent_once_and_verified_to_success() {
    let world = world().await;
    let (status, payout) = world
        .pay_out("refund-18", &moneroo_payout("+229 4149518161"))
        .await;
    assert_eq!(status, 201, "{payout}");
    assert_eq!(payout["status"], "pending");
    assert_eq!(payout["provider"], "moneroo");
    assert_eq!(payout["amount"], 5000);
    assert_eq!(payout["currency"], "XOF");
    assert_eq!(payout["idempotency_key"], "refund-18");
    assert_eq!(payout["recipient"]["phone"], "+229 41 •• •• •• 61");
    assert!(!payout.to_string().contains("4149518161"), "{payout}");
    let provider_ref = payout["provider_ref"].as_str().unwrap().to_owned();

    // Moneroo's signed payout.success, delivered to the routes, is verified and recorded.
    let caught = world
        .caught("/api/webhooks/moneroo", 1, |c| {
            body_text(c).contains("payout.success")
        })
        .await;
    let (status, answer) = world.deliver(&caught[0]).await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("succeeded"))
    );
    let (_, again) = world.deliver(&caught[0]).await;
    assert_eq!(again["status"], "succeeded");

    let (_, shown) = world.show(&payout).await;
    assert_eq!(shown["status"], "succeeded");
    let truth = world.truth("moneroo").await;
    assert_eq!(truth.len(), 1);
    assert_eq!(truth[0]["id"], provider_ref.as_str());
    assert_eq!(truth[0]["status"], "success");
    assert_eq!(truth[0]["amount"], 5000);
    assert_eq!(truth[0]["currency"], "XOF");
}

#[tokio::test]
async fn moneroo_published_payout_numbers_are_swapped_from_payments() {
    let world = world().await;
    // ...62 fails for payouts (it stays pending for payments).
    let (status, failing) = world
        .pay_out("n62", &moneroo_payout("+229 4149518162"))
        .await;
    assert_eq!(status, 201, "{failing}");
    let failed = world.until_final(&failing).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["provider_status"], "failed");

    // ...63 stays pending (it fails for payments) until someone settles it.
    let (_, waiting) = world
        .pay_out("n63", &moneroo_payout("+229 4149518163"))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, still) = world.show(&waiting).await;
    assert_eq!(still["status"], "pending", "{still}");
    let provider_ref = waiting["provider_ref"].as_str().unwrap();
    let settled = client()
        .post(format!(
            "{}/_sandbox/payouts/moneroo/{provider_ref}/complete",
            world.sandbox.base_url()
        ))
        .json(&json!({"outcome": "success"}))
        .send()
        .await
        .unwrap();
    assert_eq!(settled.status(), 200);
    let (_, done) = world.show(&waiting).await;
    assert_eq!(done["status"], "succeeded", "{done}");

    // The demo method takes an account number, in USD.
    let (status, demo) = world
        .pay_out(
            "demo-61",
            &json!({
                "provider": "moneroo",
                "amount": 500,
                "currency": "USD",
                "recipient": {
                    "method": "moneroo_payout_demo",
                    "account_number": "4149518161",
                    "first_name": "Koffi",
                    "last_name": "Mensah",
                    "email": "koffi@example.bj",
                },
            }),
        )
        .await;
    assert_eq!(status, 201, "{demo}");
    assert_eq!(demo["recipient"]["account_number"], "••••••••61");
    assert_eq!(world.until_final(&demo).await["status"], "succeeded");
    assert_eq!(world.truth("moneroo").await.len(), 3);
}

#[tokio::test]
async fn cinetpay_transfer_is_confirmed_by_a_check_after_each_notification() {
    let world = world().await;
    let (status, payout) = world.pay_out("tr-1", &cinetpay_payout()).await;
    assert_eq!(status, 201, "{payout}");
    assert_eq!(payout["status"], "pending");
    assert_eq!(payout["recipient"]["phone"], "+225 07 •• •• •• 04");
    let id = payout["id"].as_str().unwrap();

    // REC, then VAL, posted to the transfer's own notify_url.
    let caught = world
        .caught("/api/webhooks/cinetpay/transfers", 2, |_| true)
        .await;
    for notification in &caught {
        assert_eq!(
            notification.field("client_transaction_id").as_deref(),
            Some(id)
        );
        let (status, _) = world.deliver(notification).await;
        assert_eq!(status, 200);
    }
    let (_, shown) = world.show(&payout).await;
    assert_eq!(shown["status"], "succeeded", "{shown}");
    assert_eq!(shown["provider_status"], "VAL");

    let truth = world.truth("cinetpay").await;
    assert_eq!(truth.len(), 1);
    assert_eq!(truth[0]["reference"], id);
    assert_eq!(truth[0]["stage"], "succeeded");
    assert_eq!(truth[0]["amount"], 5000);
    assert_eq!(shown["provider_ref"], truth[0]["id"]);

    // A ping and a forged notification change nothing.
    let ping = world
        .backend
        .send("GET", "/api/webhooks/cinetpay/transfers", &[], b"")
        .await;
    assert_eq!(ping.status, 200);
    let forged = format!("client_transaction_id={id}&treatment_status=REJ");
    let (status, answer) = world
        .backend
        .json("GET", &format!("/api/payouts/{id}"), &[ADMIN], None)
        .await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("succeeded"))
    );
    let response = world
        .backend
        .send(
            "POST",
            "/api/webhooks/cinetpay/transfers",
            &[("content-type", "application/x-www-form-urlencoded")],
            forged.as_bytes(),
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(world.show(&payout).await.1["status"], "succeeded");
}

#[tokio::test]
async fn moneyfusion_withdrawal_is_settled_by_its_webhook_for_our_token_only() {
    let world = world().await;
    let (status, payout) = world.pay_out("wd-1", &moneyfusion_payout()).await;
    assert_eq!(status, 201, "{payout}");
    assert_eq!(payout["status"], "pending");
    assert_eq!(payout["recipient"]["phone"], "+225 05 •• •• •• 04");
    let (_, shown) = world.show(&payout).await;
    assert!(
        shown["provider_status"]
            .as_str()
            .unwrap()
            .contains("no payout status endpoint"),
        "{shown}"
    );
    let token = payout["provider_ref"].as_str().unwrap();

    // A forged webhook about another token is acknowledged and ignored.
    let (status, _) = world
        .backend
        .json(
            "POST",
            "/api/webhooks/moneyfusion",
            &[],
            Some(json!({"event": "payout.session.cancelled", "tokenPay": "AAAAAAAAAAAAAAAAAAAA"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(world.show(&payout).await.1["status"], "pending");

    let caught = world
        .caught("/api/webhooks/moneyfusion", 1, |c| {
            body_text(c).contains("payout.session.completed")
        })
        .await;
    assert_eq!(caught[0].json()["tokenPay"], token);
    let (status, answer) = world.deliver(&caught[0]).await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("succeeded"))
    );
    // A late "cancelled" for the same token cannot undo it.
    let mut late = caught[0].json();
    late["event"] = json!("payout.session.cancelled");
    let (_, after) = world
        .backend
        .json("POST", "/api/webhooks/moneyfusion", &[], Some(late))
        .await;
    assert_eq!(after["status"], "succeeded");
    let (_, shown) = world.show(&payout).await;
    assert_eq!(shown["status"], "succeeded");
    assert_eq!(shown["provider_status"], "payout.session.completed");

    let truth = world.truth("moneyfusion").await;
    assert_eq!(truth.len(), 1);
    assert_eq!(truth[0]["id"], token);
    assert_eq!(truth[0]["stage"], "succeeded");
    assert_eq!(truth[0]["method"], "mtn-ci");
}

#[tokio::test]
async fn the_same_idempotency_key_never_sends_twice() {
    let world = world().await;
    for (provider, body) in [
        ("moneroo", moneroo_payout("+229 4149518161")),
        ("cinetpay", cinetpay_payout()),
        ("moneyfusion", moneyfusion_payout()),
    ] {
        let key = format!("twice-{provider}");
        let (first_status, first) = world.pay_out(&key, &body).await;
        assert_eq!(first_status, 201, "{first}");
        // The same body, written in another key order: the same request.
        let reordered: Value =
            serde_json::from_str(&serde_json::to_string_pretty(&body).unwrap()).unwrap();
        let (again_status, again) = world.pay_out(&key, &reordered).await;
        assert_eq!(again_status, 200, "{again}");
        assert_eq!(again["id"], first["id"]);
        assert_eq!(world.truth(provider).await.len(), 1, "{provider}");

        let mut other = body.clone();
        other["amount"] = json!(10_000);
        let (conflict, answer) = world.pay_out(&key, &other).await;
        assert_eq!(conflict, 409, "{answer}");
        assert_eq!(answer["error"]["code"], "idempotency_conflict");
        assert_eq!(world.truth(provider).await.len(), 1, "{provider}");
    }
}

#[tokio::test]
async fn a_send_answered_with_a_500_is_not_repeated_and_not_resent_on_retry() {
    let world = world().await;
    // A 500 before Moneroo did anything: the payout is not sent twice behind our back.
    world
        .fault(
            json!({"provider": "moneroo", "kind": "500", "next": 1, "path": "/payouts/initialize"}),
        )
        .await;
    let (status, payout) = world
        .pay_out("lost-1", &moneroo_payout("+229 4149518161"))
        .await;
    assert_eq!(status, 201, "{payout}");
    assert_eq!(payout["status"], "pending");
    assert!(payout["provider_status"]
        .as_str()
        .unwrap()
        .starts_with("unconfirmed"));
    assert!(world.truth("moneroo").await.is_empty());
    let (status, retried) = world
        .pay_out("lost-1", &moneroo_payout("+229 4149518161"))
        .await;
    assert_eq!((status, &retried["id"]), (200, &payout["id"]));
    assert!(world.truth("moneroo").await.is_empty());

    // A 500 after Moneroo created it: exactly one at the provider, whatever the retries;
    // Moneroo's signed notification carries our id in its metadata and settles it.
    world
        .fault(json!({"provider": "moneroo", "kind": "500", "next": 1, "after": true, "path": "/payouts/initialize"}))
        .await;
    let (status, lost) = world
        .pay_out("lost-2", &moneroo_payout("+229 4149518161"))
        .await;
    assert_eq!(status, 201, "{lost}");
    assert_eq!(lost["status"], "pending");
    assert!(lost.get("provider_ref").is_none(), "{lost}");
    for _ in 0..2 {
        let (status, again) = world
            .pay_out("lost-2", &moneroo_payout("+229 4149518161"))
            .await;
        assert_eq!((status, &again["id"]), (200, &lost["id"]));
    }
    assert_eq!(world.truth("moneroo").await.len(), 1);
    let caught = world
        .caught("/api/webhooks/moneroo", 1, |c| {
            body_text(c).contains("payout.success")
        })
        .await;
    let (status, answer) = world.deliver(&caught[0]).await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("succeeded"))
    );
    let (_, shown) = world.show(&lost).await;
    assert_eq!(shown["status"], "succeeded");
    assert_eq!(shown["provider_ref"], world.truth("moneroo").await[0]["id"]);

    // CinetPay: a lost send answer is found by our client_transaction_id.
    world
        .fault(json!({"provider": "cinetpay", "kind": "500", "next": 1, "after": true, "path": "/money/send"}))
        .await;
    let (status, transfer) = world.pay_out("lost-3", &cinetpay_payout()).await;
    assert_eq!(status, 201, "{transfer}");
    assert_eq!(transfer["status"], "pending");
    let (status, again) = world.pay_out("lost-3", &cinetpay_payout()).await;
    assert_eq!((status, &again["id"]), (200, &transfer["id"]));
    assert_eq!(world.truth("cinetpay").await.len(), 1);
    assert_eq!(world.until_final(&transfer).await["status"], "succeeded");

    // MoneyFusion: a 500 is not a refusal either.
    world
        .fault(json!({"provider": "moneyfusion", "kind": "500", "next": 1, "path": "/withdraw"}))
        .await;
    let (status, withdrawal) = world.pay_out("lost-4", &moneyfusion_payout()).await;
    assert_eq!(
        (status, withdrawal["status"].as_str()),
        (201, Some("pending"))
    );
    let (status, again) = world.pay_out("lost-4", &moneyfusion_payout()).await;
    assert_eq!((status, &again["id"]), (200, &withdrawal["id"]));
    assert!(world.truth("moneyfusion").await.is_empty());
}

#[tokio::test]
async fn a_refused_send_fails_the_payout_and_a_rate_limit_is_retried() {
    let world = world().await;
    // Two 429s prove Moneroo did nothing: the send is tried again and goes out once.
    world
        .fault(
            json!({"provider": "moneroo", "kind": "429", "next": 2, "path": "/payouts/initialize"}),
        )
        .await;
    let (status, payout) = world
        .pay_out("busy", &moneroo_payout("+229 4149518161"))
        .await;
    assert_eq!(status, 201, "{payout}");
    assert!(payout["provider_ref"].is_string(), "{payout}");
    assert_eq!(world.truth("moneroo").await.len(), 1);

    // Outside MoneyFusion's allowed IPs: refused, nothing sent, the payout failed.
    client()
        .patch(format!("{}/_sandbox/settings", world.sandbox.base_url()))
        .json(&json!({"moneyfusion_allowed_ips": ["10.9.9.9"]}))
        .send()
        .await
        .unwrap();
    let (status, refused) = world.pay_out("ip", &moneyfusion_payout()).await;
    assert_eq!(status, 201, "{refused}");
    assert_eq!(refused["status"], "failed");
    assert!(refused["failure"].as_str().unwrap().contains("moneyfusion"));
    assert!(world.truth("moneyfusion").await.is_empty());
}

#[tokio::test]
async fn payouts_need_the_admin_key_and_an_idempotency_key() {
    let world = world().await;
    let body = Some(moneroo_payout("+229 4149518161"));
    let (status, answer) = world
        .backend
        .json(
            "POST",
            "/api/payouts",
            &[("idempotency-key", "k")],
            body.clone(),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, _) = world
        .backend
        .json(
            "POST",
            "/api/payouts",
            &[("authorization", "Bearer nope"), ("idempotency-key", "k")],
            body.clone(),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = world
        .backend
        .json("GET", "/api/payouts/po-123", &[], None)
        .await;
    assert_eq!(status, 401);
    let (status, answer) = world
        .backend
        .json("POST", "/api/payouts", &[ADMIN], body.clone())
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (400, Some("missing_idempotency_key"))
    );
    let (status, answer) = world
        .backend
        .json("GET", "/api/payouts/po-123", &[ADMIN], None)
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    assert!(world.truth("moneroo").await.is_empty());
    assert_eq!(ADMIN.1, format!("Bearer {ADMIN_KEY}"));
}

fn fields(answer: &Value) -> Vec<String> {
    answer["error"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_bad_recipient_is_refused_with_every_field_before_anything_is_sent() {
    let world = world().await;
    let (status, answer) = world
        .pay_out(
            "bad-1",
            &json!({
                "provider": "moneroo",
                "amount": 5000,
                "currency": "XOF",
                "recipient": {"method": "mtn_bj", "phone": "12", "first_name": "Koffi"},
            }),
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    let found = fields(&answer);
    for field in ["recipient.phone", "recipient.email", "recipient.last_name"] {
        assert!(found.contains(&field.to_owned()), "{field}: {found:?}");
    }
    assert_eq!(found.len(), 3, "{found:?}");

    let mut cinetpay = cinetpay_payout();
    cinetpay["amount"] = json!(5003);
    cinetpay["recipient"]["phone"] = json!("+33 6 12 34 56 78");
    let (status, answer) = world.pay_out("bad-2", &cinetpay).await;
    assert_eq!(status, 422, "{answer}");
    let found = fields(&answer);
    assert!(found.contains(&"amount".to_owned()), "{found:?}");
    assert!(found.contains(&"recipient.phone".to_owned()), "{found:?}");
    assert!(!answer.to_string().contains("612345678"), "{answer}");

    let (status, answer) = world
        .pay_out(
            "bad-3",
            &json!({
                "provider": "moneyfusion",
                "amount": 5000,
                "currency": "XOF",
                "recipient": {"method": "carrier-pigeon", "phone": "0501020304"},
            }),
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["field"], "recipient.method");

    // An unknown currency has the code POST /orders gives it too (docs/EDGE.md).
    let mut unknown = moneroo_payout("+229 4149518161");
    unknown["currency"] = json!("ABC");
    let (status, answer) = world.pay_out("bad-5", &unknown).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["code"], "unknown_currency", "{answer}");
    assert_eq!(answer["error"]["field"], "currency");

    let (status, answer) = world
        .pay_out(
            "bad-4",
            &json!({"provider": "paypal", "amount": -5, "recipient": {"iban": "x"}}),
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    let found = fields(&answer);
    for field in ["provider", "amount", "currency", "recipient"] {
        assert!(found.contains(&field.to_owned()), "{field}: {found:?}");
    }
    // Nothing was claimed: the keys are still free.
    let (status, _) = world
        .pay_out("bad-1", &moneroo_payout("+229 4149518161"))
        .await;
    assert_eq!(status, 201);
    assert_eq!(world.truth("moneroo").await.len(), 1);
    assert!(world.truth("cinetpay").await.is_empty());
}

#[tokio::test]
async fn a_provider_without_payout_credentials_names_the_missing_setting() {
    let world = world_without(&["CINETPAY_TRANSFER_PASSWORD", "MONEYFUSION_PRIVATE_KEY"]).await;
    let password = world
        .sandbox
        .credentials()
        .cinetpay_transfer_password
        .clone();
    let (status, answer) = world.pay_out("np-1", &cinetpay_payout()).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["code"], "payouts_not_configured");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("CINETPAY_TRANSFER_PASSWORD"));
    assert!(!answer.to_string().contains(&password));

    let (status, answer) = world.pay_out("np-2", &moneyfusion_payout()).await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("MONEYFUSION_PRIVATE_KEY"));
    assert!(world.truth("cinetpay").await.is_empty());
    assert!(world.truth("moneyfusion").await.is_empty());
    // The keys were not claimed.
    let (status, _) = world
        .pay_out("np-1", &moneroo_payout("+229 4149518161"))
        .await;
    assert_eq!(status, 201);
    eventually(Duration::from_secs(5), "the moneroo payout", || async {
        world.truth("moneroo").await.len() == 1
    })
    .await;
}
