//! MoneyFusion through HTTP: the API URL as credential, the IP filter, `statut`
//! answers, the status endpoint, the webhooks' order, `?token=` back to the merchant,
//! and withdrawals.
#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sandbox_support;

use std::time::Duration;

use guichet::sandbox::config::DEFAULT_MONEYFUSION_PRIVATE_KEY as PRIVATE_KEY;
use guichet::sandbox::{Outcome, SandboxConfig, SandboxHandle};
use sandbox_support::*;
use serde_json::{json, Value};

fn payment(webhook: Option<&str>) -> Value {
    let mut body = json!({
        "totalPrice": 200,
        "article": [{"sac": 100, "chaussure": 100}],
        "personal_Info": [{"userId": 1, "orderId": 123}],
        "numeroSend": "0101010101",
        "nomclient": "John Doe",
        "return_url": "http://127.0.0.1:9/callback",
    });
    if let Some(url) = webhook {
        body["webhook_url"] = json!(url);
    }
    body
}

async fn create(sandbox: &SandboxHandle, body: &Value) -> (u16, Value) {
    json(
        client()
            .post(sandbox.endpoints().moneyfusion_api_url)
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn status(sandbox: &SandboxHandle, token: &str) -> (u16, Value) {
    json(
        client()
            .get(format!(
                "{}/paiementNotif/{token}",
                sandbox.endpoints().moneyfusion
            ))
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn press(url: &str, action: &str) -> reqwest::Response {
    client()
        .post(url)
        .form(&[
            ("method", "orange"),
            ("phone", "0708889205"),
            ("action", action),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn moneyfusion_create_answers_statut_true_with_token_and_hosted_url() {
    let sandbox = sandbox(fast_config()).await;
    let (status_code, body) = create(&sandbox, &payment(None)).await;
    assert_eq!(status_code, 200);
    assert_eq!(body["statut"], true);
    assert_eq!(body["message"], "paiement en cours");
    assert!(!body["token"].as_str().unwrap().is_empty());
    assert!(body["url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}/moneyfusion/pay/", sandbox.base_url())));
    // Some clients send totalPrice as a string.
    let mut text_price = payment(None);
    text_price["totalPrice"] = json!("200");
    assert_eq!(create(&sandbox, &text_price).await.1["statut"], true);
}

#[tokio::test]
async fn moneyfusion_an_unknown_api_url_or_ip_gets_the_unauthorized_message() {
    let sandbox = sandbox(fast_config()).await;
    let wrong = format!(
        "{}/moneyfusion/GuichetSandbox/0000000000000000/pay/",
        sandbox.base_url()
    );
    let (_, body) = json(
        client()
            .post(wrong)
            .json(&payment(None))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["statut"], false);
    assert_eq!(
        body["message"],
        "Unauthorized IP or unapproved application (127.0.0.1)"
    );

    let filtered = sandbox_support::sandbox(SandboxConfig {
        moneyfusion_allowed_ips: Some(vec!["203.0.113.9".parse().unwrap()]),
        ..fast_config()
    })
    .await;
    let (_, body) = create(&filtered, &payment(None)).await;
    assert_eq!(body["statut"], false);
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("Unauthorized IP"));
}

#[tokio::test]
async fn moneyfusion_refuses_missing_fields_with_statut_false() {
    let sandbox = sandbox(fast_config()).await;
    for field in ["totalPrice", "article", "numeroSend", "nomclient"] {
        let mut body = payment(None);
        body.as_object_mut().unwrap().remove(field);
        let (code, answer) = create(&sandbox, &body).await;
        assert_eq!(code, 400, "{field}");
        assert_eq!(answer["statut"], false, "{field}");
        assert!(
            answer["message"].as_str().unwrap().contains(field),
            "{answer}"
        );
    }
}

#[tokio::test]
async fn moneyfusion_status_echoes_the_payment_and_moves_from_pending_to_paid() {
    let receiver = Receiver::start().await;
    let sandbox = sandbox(fast_config()).await;
    let (_, created) = create(&sandbox, &payment(Some(&format!("{}/mf", receiver.url)))).await;
    let token = created["token"].as_str().unwrap().to_owned();
    let (code, body) = status(&sandbox, &token).await;
    assert_eq!(code, 200);
    assert_eq!(body["statut"], true);
    assert_eq!(body["message"], "details paiement");
    let data = &body["data"];
    assert_eq!(data["statut"], "pending");
    assert_eq!(data["tokenPay"], token.as_str());
    assert_eq!(data["Montant"], 200);
    assert_eq!(data["frais"], 5);
    assert_eq!(
        data["personal_Info"],
        json!([{"userId": 1, "orderId": 123}])
    );
    assert_eq!(data["_id"].as_str().unwrap().len(), 24);

    let response = press(created["url"].as_str().unwrap(), "pay").await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        format!("http://127.0.0.1:9/callback?token={token}").as_str()
    );
    let (_, body) = status(&sandbox, &token).await;
    assert_eq!(body["data"]["statut"], "paid");
    assert_eq!(body["data"]["moyen"], "orange");
    assert_eq!(body["data"]["numeroTransaction"], "0708889205");

    let hooks = receiver.wait_for(3, Duration::from_secs(5), |_| true).await;
    let events: Vec<String> = hooks
        .iter()
        .map(|h| h.json()["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        events,
        [
            "payin.session.pending",
            "payin.session.pending",
            "payin.session.completed"
        ]
    );
    let last = hooks[2].json();
    assert_eq!(last["tokenPay"], token.as_str());
    assert_eq!(last["Montant"], 200);
    assert_eq!(last["personal_Info"][0]["orderId"], 123);
    assert!(
        hooks[2].header("x-moneroo-signature").is_none(),
        "MoneyFusion signs nothing"
    );

    let (code, body) = status(&sandbox, "unknown").await;
    assert_eq!((code, body["statut"].clone()), (404, json!(false)));
}

#[tokio::test]
async fn moneyfusion_declined_and_cancelled_payments_say_failure_and_no_paid() {
    let receiver = Receiver::start().await;
    let sandbox = sandbox(fast_config()).await;
    let hook = format!("{}/mf", receiver.url);
    let (_, declined) = create(&sandbox, &payment(Some(&hook))).await;
    press(declined["url"].as_str().unwrap(), "decline").await;
    let (_, cancelled) = create(&sandbox, &payment(Some(&hook))).await;
    press(cancelled["url"].as_str().unwrap(), "cancel").await;
    assert_eq!(
        status(&sandbox, declined["token"].as_str().unwrap())
            .await
            .1["data"]["statut"],
        "failure"
    );
    assert_eq!(
        status(&sandbox, cancelled["token"].as_str().unwrap())
            .await
            .1["data"]["statut"],
        "no paid"
    );
    let hooks = receiver
        .wait_for(2, Duration::from_secs(5), |h| {
            h.json()["event"] == "payin.session.cancelled"
        })
        .await;
    assert_eq!(hooks.len(), 2);
}

async fn withdraw(sandbox: &SandboxHandle, key: Option<&str>, body: &Value) -> (u16, Value) {
    let mut request = client()
        .post(format!(
            "{}/api/v1/withdraw",
            sandbox.endpoints().moneyfusion
        ))
        .json(body);
    if let Some(key) = key {
        request = request.header("moneyfusion-private-key", key);
    }
    json(request.send().await.unwrap()).await
}

#[tokio::test]
async fn moneyfusion_withdraw_needs_the_private_key_and_notifies_completion() {
    let receiver = Receiver::start().await;
    let sandbox = sandbox(fast_config()).await;
    let body = json!({
        "countryCode": "ci", "phone": "0701020304", "amount": 1000,
        "withdraw_mode": "mtn-ci", "webhook_url": format!("{}/payout", receiver.url),
    });
    let (code, refused) = withdraw(&sandbox, None, &body).await;
    assert_eq!((code, refused["statut"].clone()), (401, json!(false)));
    let mut wrong_country = body.clone();
    wrong_country["countryCode"] = json!("sn");
    assert_eq!(
        withdraw(&sandbox, Some(PRIVATE_KEY), &wrong_country)
            .await
            .1["statut"],
        false
    );

    let (code, accepted) = withdraw(&sandbox, Some(PRIVATE_KEY), &body).await;
    assert_eq!(code, 200);
    assert_eq!(accepted["statut"], true);
    let token = accepted["tokenPay"].as_str().unwrap();
    let hooks = receiver.wait_for(1, Duration::from_secs(5), |_| true).await;
    let hook = hooks[0].json();
    assert_eq!(hook["event"], "payout.session.completed");
    assert_eq!(hook["tokenPay"], token);
    assert_eq!(hook["montant"], 1000);
    assert_eq!(hook["numeroRetrait"], "0701020304");
    assert_eq!(hook["moyen"], "mtn-ci");
}

#[tokio::test]
async fn moneyfusion_withdraw_that_fails_is_notified_as_cancelled() {
    let receiver = Receiver::start().await;
    let sandbox = sandbox(SandboxConfig {
        payout_outcome: Outcome::Failed,
        ..fast_config()
    })
    .await;
    let body = json!({
        "countryCode": "ci", "phone": "0701020304", "amount": 1000,
        "withdraw_mode": "orange-ci", "webhook_url": format!("{}/payout", receiver.url),
    });
    withdraw(&sandbox, Some(PRIVATE_KEY), &body).await;
    let hooks = receiver.wait_for(1, Duration::from_secs(5), |_| true).await;
    assert_eq!(hooks[0].json()["event"], "payout.session.cancelled");
}
