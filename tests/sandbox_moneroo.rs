//! Moneroo through HTTP: auth, validation, ids, verify shapes, the hosted page and its
//! published test numbers, signed webhooks and their retries, abandonment, payouts.
#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sandbox_support;

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use guichet::sandbox::{SandboxConfig, SandboxHandle};
use sandbox_support::*;
use serde_json::{json, Value};

const KEY: &str = guichet::sandbox::config::DEFAULT_MONEROO_SECRET_KEY;
const SECRET: &str = guichet::sandbox::config::DEFAULT_MONEROO_WEBHOOK_SECRET;

fn payment_body(return_url: &str) -> Value {
    json!({
        "amount": 15000,
        "currency": "XOF",
        "description": "Commande 42",
        "return_url": return_url,
        "customer": {"email": "awa@example.com", "first_name": "Awa", "last_name": "Koné", "phone": "+22997000000"},
        "metadata": {"order": "42"},
    })
}

async fn initialize(sandbox: &SandboxHandle, body: &Value) -> (u16, Value) {
    json(
        client()
            .post(format!(
                "{}/v1/payments/initialize",
                sandbox.endpoints().moneroo
            ))
            .bearer_auth(KEY)
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn verify(sandbox: &SandboxHandle, id: &str) -> Value {
    let (status, body) = json(
        client()
            .get(format!(
                "{}/v1/payments/{id}/verify",
                sandbox.endpoints().moneroo
            ))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn pay_on_page(
    sandbox: &SandboxHandle,
    id: &str,
    action: &str,
    phone: &str,
) -> reqwest::Response {
    client()
        .post(format!("{}/moneroo/checkout/{id}", sandbox.base_url()))
        .form(&[("method", "mtn_bj"), ("phone", phone), ("action", action)])
        .send()
        .await
        .unwrap()
}

async fn with_webhooks(config: SandboxConfig) -> (SandboxHandle, Receiver) {
    let receiver = Receiver::start().await;
    let sandbox = sandbox(SandboxConfig {
        moneroo_webhook_urls: vec![format!("{}/webhooks/moneroo", receiver.url)],
        ..config
    })
    .await;
    (sandbox, receiver)
}

#[tokio::test]
async fn moneroo_initialize_returns_201_with_a_12_character_id_and_checkout_url() {
    let sandbox = sandbox(fast_config()).await;
    let (status, body) = initialize(&sandbox, &payment_body("http://127.0.0.1:9/return")).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["errors"], Value::Null);
    let id = body["data"]["id"].as_str().unwrap();
    assert_eq!(id.len(), 12);
    assert!(
        id.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
        "{id}"
    );
    assert_eq!(
        body["data"]["checkout_url"],
        format!("{}/moneroo/checkout/{id}", sandbox.base_url())
    );
}

#[tokio::test]
async fn moneroo_refuses_a_missing_or_wrong_bearer_key_with_401() {
    let sandbox = sandbox(fast_config()).await;
    let url = format!("{}/v1/payments/initialize", sandbox.endpoints().moneroo);
    let body = payment_body("http://127.0.0.1:9/r");
    let (status, answer) = json(client().post(&url).json(&body).send().await.unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(answer["message"], "Unauthenticated.");
    let (status, _) = json(
        client()
            .post(&url)
            .bearer_auth("pvk_wrong")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = json(
        client()
            .get(format!(
                "{}/v1/payments/abc/verify",
                sandbox.endpoints().moneroo
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn moneroo_validation_errors_are_laravel_422s_naming_each_field() {
    let sandbox = sandbox(fast_config()).await;
    let (status, body) = initialize(&sandbox, &json!({"currency": "XXX", "amount": 10.5})).await;
    assert_eq!(status, 422, "{body}");
    let errors = body["errors"].as_object().unwrap();
    for field in [
        "amount",
        "currency",
        "description",
        "return_url",
        "customer.email",
        "customer.first_name",
        "customer.last_name",
    ] {
        assert!(errors.contains_key(field), "{field} missing from {body}");
    }
    assert_eq!(errors["amount"][0], "The amount field must be an integer.");
    assert!(
        body["message"].as_str().unwrap().contains("more errors"),
        "{body}"
    );

    let mut bad = payment_body("http://127.0.0.1:9/r");
    bad["metadata"] = json!({"order": 42});
    bad["methods"] = json!(["mtn_bj", "paypal"]);
    bad["restrict_country_code"] = json!("BJ");
    bad["restricted_phone"] = json!({"number": "97000000", "country_code": "BJ"});
    let (status, body) = initialize(&sandbox, &bad).await;
    assert_eq!(status, 422);
    let errors = body["errors"].as_object().unwrap();
    assert!(errors.contains_key("metadata.order"), "{body}");
    assert!(errors.contains_key("methods.1"), "{body}");
    assert!(errors.contains_key("restrict_country_code"), "{body}");
    assert!(errors.contains_key("restricted_phone"), "{body}");
}

#[tokio::test]
async fn moneroo_verify_shows_the_documented_fields_and_retrieve_gives_currency_as_code() {
    let sandbox = sandbox(fast_config()).await;
    let (_, created) = initialize(&sandbox, &payment_body("http://127.0.0.1:9/return")).await;
    let id = created["data"]["id"].as_str().unwrap();
    let body = verify(&sandbox, id).await;
    let data = &body["data"];
    assert_eq!(body["message"], "Payment transaction fetched successfully");
    for field in [
        "id",
        "status",
        "is_processed",
        "processed_at",
        "amount",
        "amount_formatted",
        "currency",
        "description",
        "return_url",
        "environment",
        "initiated_at",
        "metadata",
        "app",
        "customer",
        "capture",
        "created_at",
    ] {
        assert!(data.get(field).is_some(), "{field} missing from {data}");
    }
    assert_eq!(data["status"], "initiated");
    assert_eq!(data["amount"], 15000);
    assert_eq!(data["currency"]["code"], "XOF");
    assert_eq!(data["environment"], "sandbox");
    assert_eq!(data["customer"]["email"], "awa@example.com");
    assert_eq!(data["metadata"]["order"], "42");

    let (status, retrieved) = json(
        client()
            .get(format!("{}/v1/payments/{id}", sandbox.endpoints().moneroo))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(retrieved["data"]["currency"], "XOF");

    let (status, missing) = json(
        client()
            .get(format!(
                "{}/v1/payments/zzzzzzzzzzzz/verify",
                sandbox.endpoints().moneroo
            ))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(missing["data"], Value::Null);
}

#[tokio::test]
async fn moneroo_rate_limit_answers_429_with_retry_after() {
    let sandbox = sandbox(SandboxConfig {
        moneroo_rate_limit: 2,
        ..fast_config()
    })
    .await;
    let url = format!(
        "{}/v1/payments/abcdefabcdef/verify",
        sandbox.endpoints().moneroo
    );
    for _ in 0..2 {
        let response = client().get(&url).bearer_auth(KEY).send().await.unwrap();
        assert_eq!(response.status(), 404);
    }
    let response = client().get(&url).bearer_auth(KEY).send().await.unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "60");
    let (_, body) = json(response).await;
    assert_eq!(body["message"], "Too Many Attempts.");
}

#[tokio::test]
async fn moneroo_method_catalogs_need_no_key() {
    let sandbox = sandbox(fast_config()).await;
    let (status, body) = json(
        client()
            .get(format!(
                "{}/utils/payment/methods",
                sandbox.endpoints().moneroo
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let methods = body["data"].as_array().unwrap();
    let mtn = methods
        .iter()
        .find(|m| m["short_code"] == "mtn_bj")
        .unwrap();
    assert_eq!(mtn["currency"]["code"], "XOF");
    assert_eq!(mtn["countries"], json!(["BJ"]));
    let (_, payouts) = json(
        client()
            .get(format!(
                "{}/utils/payout/methods",
                sandbox.endpoints().moneroo
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let demo = payouts["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["short_code"] == "moneroo_payout_demo")
        .unwrap();
    assert_eq!(demo["fields"][0]["name"], "account_number");
}

#[tokio::test]
async fn moneroo_hosted_page_speaks_french_and_english_and_lists_the_currency_methods() {
    let sandbox = sandbox(fast_config()).await;
    let (_, created) = initialize(&sandbox, &payment_body("http://127.0.0.1:9/return")).await;
    let url = created["data"]["checkout_url"].as_str().unwrap().to_owned();
    let page = client().get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers().get("x-frame-options").is_none(),
        "frames must be allowed"
    );
    let fr = page.text().await.unwrap();
    assert!(
        fr.contains("Montant à payer") && fr.contains("15\u{202f}000 XOF"),
        "{fr}"
    );
    assert!(fr.contains(r#"value="mtn_bj""#) && !fr.contains(r#"value="mpesa_ke""#));
    assert!(fr.contains("4149518161"));
    assert!(
        !fr.contains("<script"),
        "the payment form works without script"
    );
    let en = client()
        .get(&url)
        .header("accept-language", "en-US,en;q=0.8")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("Amount to pay") && en.contains("15,000 XOF"));
    let en = client()
        .get(format!("{url}?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("Leave pending"));
}

#[tokio::test]
async fn moneroo_test_number_61_succeeds_returns_with_payment_id_and_sends_a_signed_webhook() {
    let (sandbox, receiver) = with_webhooks(fast_config()).await;
    let (_, created) =
        initialize(&sandbox, &payment_body("http://127.0.0.1:9/return?cart=7")).await;
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let response = pay_on_page(&sandbox, &id, "pay", "4149518161").await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        format!("http://127.0.0.1:9/return?cart=7&paymentId={id}&paymentStatus=success").as_str()
    );
    let data = verify(&sandbox, &id).await["data"].clone();
    assert_eq!(data["status"], "success");
    assert_eq!(data["is_processed"], true);
    assert_eq!(data["capture"]["method"]["short_code"], "mtn_bj");
    assert_eq!(data["capture"]["phone_number"], "4149518161");

    let hooks = receiver
        .wait_for(2, Duration::from_secs(5), |c| c.path == "/webhooks/moneroo")
        .await;
    let events: Vec<String> = hooks
        .iter()
        .map(|c| c.json()["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(events, ["payment.initiated", "payment.success"]);
    for hook in &hooks {
        assert_eq!(hook.header("content-type"), Some("application/json"));
        let expected = hmac_hex(SECRET.as_bytes(), &hook.body);
        assert_eq!(hook.header("x-moneroo-signature"), Some(expected.as_str()));
        assert_eq!(hook.json()["data"]["id"], id.as_str());
    }
}

#[tokio::test]
async fn moneroo_test_number_62_leaves_the_payment_pending_and_63_fails() {
    let sandbox = sandbox(fast_config()).await;
    let (_, created) = initialize(&sandbox, &payment_body("http://127.0.0.1:9/return")).await;
    let pending_id = created["data"]["id"].as_str().unwrap().to_owned();
    let response = pay_on_page(&sandbox, &pending_id, "pay", "4149518162").await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains(r#"data-stage="pending""#), "{page}");
    assert!(page.contains("http-equiv=\"refresh\""));
    assert_eq!(
        verify(&sandbox, &pending_id).await["data"]["status"],
        "pending"
    );

    let (_, created) = initialize(&sandbox, &payment_body("http://127.0.0.1:9/return")).await;
    let failed_id = created["data"]["id"].as_str().unwrap().to_owned();
    let response = pay_on_page(&sandbox, &failed_id, "pay", "4149518163").await;
    assert_eq!(response.status(), 303);
    assert!(response.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("paymentStatus=failed"));
    assert_eq!(
        verify(&sandbox, &failed_id).await["data"]["status"],
        "failed"
    );
}

#[tokio::test]
async fn moneroo_page_buttons_decline_and_cancel_and_a_final_payment_never_changes() {
    let sandbox = sandbox(fast_config()).await;
    let (_, created) = initialize(&sandbox, &payment_body("http://127.0.0.1:9/return")).await;
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let response = pay_on_page(&sandbox, &id, "cancel", "").await;
    assert_eq!(response.status(), 303);
    assert!(response.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("paymentStatus=cancelled"));
    let again = pay_on_page(&sandbox, &id, "pay", "4149518161").await;
    assert_eq!(again.status(), 409);
    assert_eq!(verify(&sandbox, &id).await["data"]["status"], "cancelled");

    let (_, created) = initialize(&sandbox, &payment_body("http://127.0.0.1:9/return")).await;
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let response = pay_on_page(&sandbox, &id, "decline", "0197000000").await;
    assert!(response.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("paymentStatus=failed"));
}

#[tokio::test]
async fn moneroo_page_asks_again_for_a_missing_phone_number_in_the_shoppers_language() {
    let sandbox = sandbox(fast_config()).await;
    let (_, created) = initialize(&sandbox, &payment_body("http://127.0.0.1:9/return")).await;
    let id = created["data"]["id"].as_str().unwrap();
    let response = client()
        .post(format!("{}/moneroo/checkout/{id}", sandbox.base_url()))
        .form(&[
            ("method", "mtn_bj"),
            ("phone", ""),
            ("action", "pay"),
            ("lang", "en"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("Enter your phone number."));
    assert_eq!(verify(&sandbox, id).await["data"]["status"], "initiated");
}

#[tokio::test]
async fn moneroo_retries_a_webhook_not_answered_200_three_more_times() {
    let receiver = Receiver::with(Arc::new(|_| {
        (StatusCode::INTERNAL_SERVER_ERROR, Duration::ZERO)
    }))
    .await;
    let sandbox = sandbox(SandboxConfig {
        moneroo_webhook_urls: vec![receiver.url.clone()],
        ..fast_config()
    })
    .await;
    let (_, created) = initialize(&sandbox, &payment_body("http://127.0.0.1:9/return")).await;
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    // 10 minutes apart, scaled by 0.001: 600 ms. (The payment is also abandoned after
    // 300 ms, whose webhook is retried on its own.)
    let initiated = |c: &Captured| c.json()["event"] == "payment.initiated";
    let attempts = receiver
        .wait_for(4, Duration::from_secs(5), initiated)
        .await;
    let gap = attempts[1].at - attempts[0].at;
    assert!(gap >= Duration::from_millis(500), "{gap:?}");
    tokio::time::sleep(Duration::from_millis(900)).await;
    let total = receiver.all().into_iter().filter(|c| initiated(c)).count();
    assert_eq!(total, 4, "1 try and 3 retries, no more");
    let (_, log) = json(
        client()
            .get(format!(
                "{}/_sandbox/notifications?subject={id}",
                sandbox.base_url()
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let log: Vec<&Value> = log["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["event"] == "payment.initiated")
        .collect();
    assert_eq!(log.len(), 4);
    assert!(log
        .iter()
        .all(|d| d["delivered"] == false && d["status"] == 500));
}

#[tokio::test]
async fn moneroo_counts_a_webhook_answered_too_late_as_undelivered() {
    let receiver = Receiver::with(Arc::new(|n| {
        if n == 1 {
            (StatusCode::OK, Duration::from_millis(800))
        } else {
            (StatusCode::OK, Duration::ZERO)
        }
    }))
    .await;
    let sandbox = sandbox(SandboxConfig {
        moneroo_webhook_urls: vec![receiver.url.clone()],
        notify_timeout: Duration::from_millis(300),
        ..fast_config()
    })
    .await;
    initialize(&sandbox, &payment_body("http://127.0.0.1:9/return")).await;
    let initiated = |c: &Captured| c.json()["event"] == "payment.initiated";
    let attempts = receiver
        .wait_for(2, Duration::from_secs(5), initiated)
        .await;
    assert_eq!(
        attempts[0].body, attempts[1].body,
        "a retry resends the same body"
    );
    let (_, log) = json(
        client()
            .get(format!("{}/_sandbox/notifications", sandbox.base_url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let log: Vec<&Value> = log["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["event"] == "payment.initiated")
        .collect();
    assert_eq!(log[0]["error"], "timeout");
    assert_eq!(log[1]["delivered"], true);
}

#[tokio::test]
async fn moneroo_abandons_an_initiated_payment_as_cancelled_after_five_scaled_minutes() {
    let (sandbox, receiver) = with_webhooks(fast_config()).await;
    let (_, created) = initialize(&sandbox, &payment_body("http://127.0.0.1:9/return")).await;
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    // 5 minutes at 0.001: 300 ms.
    let cancelled = receiver
        .wait_for(1, Duration::from_secs(5), |c| {
            c.json()["event"] == "payment.cancelled"
        })
        .await;
    assert_eq!(cancelled[0].json()["data"]["status"], "cancelled");
    assert_eq!(verify(&sandbox, &id).await["data"]["status"], "cancelled");
}

/// `--moneroo-abandon-ms` sets abandonment apart from the other scaled delays: the JS
/// suites speed the clocks up and must not see a payment abandoned before they pay it.
#[tokio::test]
async fn moneroo_abandonment_can_be_set_apart_from_the_time_scale() {
    let sandbox = sandbox(SandboxConfig {
        moneroo_abandon_after: Some(Duration::from_secs(60)),
        ..fast_config()
    })
    .await;
    let (_, created) = initialize(&sandbox, &payment_body("http://127.0.0.1:9/return")).await;
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    // Twice the 300 ms that abandons it at this scale otherwise.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(verify(&sandbox, &id).await["data"]["status"], "initiated");
}

#[tokio::test]
async fn moneroo_a_pending_payment_is_not_abandoned() {
    let sandbox = sandbox(fast_config()).await;
    let (_, created) = initialize(&sandbox, &payment_body("http://127.0.0.1:9/return")).await;
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    pay_on_page(&sandbox, &id, "pending", "0197000000").await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(verify(&sandbox, &id).await["data"]["status"], "pending");
}

async fn payout(sandbox: &SandboxHandle, method: &str, recipient: Value) -> (u16, Value) {
    json(
        client()
            .post(format!(
                "{}/v1/payouts/initialize",
                sandbox.endpoints().moneroo
            ))
            .bearer_auth(KEY)
            .json(&json!({
                "amount": 5000,
                "currency": if method == "moneroo_payout_demo" { "USD" } else { "XOF" },
                "description": "Remboursement",
                "method": method,
                "customer": {"email": "awa@example.com", "first_name": "Awa", "last_name": "Koné"},
                "recipient": recipient,
            }))
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn payout_status(sandbox: &SandboxHandle, id: &str) -> String {
    let (_, body) = json(
        client()
            .get(format!(
                "{}/v1/payouts/{id}/verify",
                sandbox.endpoints().moneroo
            ))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap(),
    )
    .await;
    body["data"]["status"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn moneroo_payout_test_numbers_are_swapped_61_success_62_failed_63_pending() {
    let (sandbox, receiver) = with_webhooks(fast_config()).await;
    let mut ids = Vec::new();
    for msisdn in [4149518161u64, 4149518162, 4149518163] {
        let (status, body) = payout(&sandbox, "mtn_bj", json!({"msisdn": msisdn})).await;
        assert_eq!(status, 201, "{body}");
        ids.push(body["data"]["id"].as_str().unwrap().to_owned());
    }
    receiver
        .wait_for(2, Duration::from_secs(5), |c| {
            matches!(
                c.json()["event"].as_str(),
                Some("payout.success" | "payout.failed")
            )
        })
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(payout_status(&sandbox, &ids[0]).await, "success");
    assert_eq!(payout_status(&sandbox, &ids[1]).await, "failed");
    assert_eq!(payout_status(&sandbox, &ids[2]).await, "pending");
    let initiated = receiver
        .all()
        .into_iter()
        .filter(|c| c.json()["event"] == "payout.initiated")
        .count();
    assert_eq!(initiated, 3);
}

#[tokio::test]
async fn moneroo_payout_needs_the_methods_recipient_fields() {
    let sandbox = sandbox(fast_config()).await;
    let (status, body) = payout(&sandbox, "mtn_bj", json!({"msisdn": "+22997000000"})).await;
    assert_eq!(status, 422);
    assert_eq!(
        body["errors"]["recipient.msisdn"][0],
        "The recipient.msisdn field must be an integer."
    );
    let (status, body) = payout(&sandbox, "moneroo_payout_demo", json!({"msisdn": 1})).await;
    assert_eq!(status, 422);
    assert!(
        body["errors"].get("recipient.account_number").is_some(),
        "{body}"
    );
    let (status, _) = payout(
        &sandbox,
        "moneroo_payout_demo",
        json!({"account_number": "4149518161"}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, body) = payout(&sandbox, "mpesa_ke", json!({"msisdn": 254700000000u64})).await;
    assert_eq!(status, 422, "XOF through an M-Pesa Kenya method");
    assert!(body["errors"].get("method").is_some());
}
