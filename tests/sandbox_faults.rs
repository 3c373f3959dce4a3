//! Faults on purpose, through HTTP: 500, 429 and silence for the next N calls or at a
//! seeded rate, latency, work done before a lost answer, and notifications dropped,
//! duplicated, reordered or late.
#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sandbox_support;

use std::time::{Duration, Instant};

use guichet::sandbox::config::{
    DEFAULT_CINETPAY_APIKEY as APIKEY, DEFAULT_CINETPAY_SITE_ID as SITE_ID,
    DEFAULT_MONEROO_SECRET_KEY as KEY,
};
use guichet::sandbox::{FaultSpec, SandboxConfig, SandboxHandle};
use sandbox_support::*;
use serde_json::{json, Value};

async fn add_fault(sandbox: &SandboxHandle, fault: Value) {
    let response = client()
        .post(format!("{}/_sandbox/faults", sandbox.base_url()))
        .json(&fault)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

async fn moneroo_initialize(sandbox: &SandboxHandle) -> reqwest::Response {
    client()
        .post(format!(
            "{}/v1/payments/initialize",
            sandbox.endpoints().moneroo
        ))
        .bearer_auth(KEY)
        .json(&json!({
            "amount": 1000, "currency": "XOF", "description": "Test",
            "return_url": "http://127.0.0.1:9/r",
            "customer": {"email": "a@b.ci", "first_name": "A", "last_name": "B"},
        }))
        .send()
        .await
        .unwrap()
}

async fn cinetpay_check(sandbox: &SandboxHandle) -> u16 {
    client()
        .post(format!("{}/v2/payment/check", sandbox.endpoints().cinetpay))
        .json(&json!({"apikey": APIKEY, "site_id": SITE_ID, "transaction_id": "X"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn faults_the_next_two_calls_answer_500_then_the_provider_recovers() {
    let sandbox = sandbox(fast_config()).await;
    add_fault(
        &sandbox,
        json!({"provider": "moneroo", "kind": "500", "next": 2}),
    )
    .await;
    let first = moneroo_initialize(&sandbox).await;
    assert_eq!(first.status(), 500);
    assert_eq!(json(first).await.1["message"], "Server Error");
    assert_eq!(moneroo_initialize(&sandbox).await.status(), 500);
    assert_eq!(moneroo_initialize(&sandbox).await.status(), 201);
    let (_, truth) = json(
        client()
            .get(format!("{}/_sandbox/payments", sandbox.base_url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        truth["payments"].as_array().unwrap().len(),
        1,
        "failed calls did nothing"
    );
}

#[tokio::test]
async fn faults_a_seed_makes_random_failures_repeat() {
    let run = |seed: u64| async move {
        let sandbox = sandbox(SandboxConfig {
            seed: Some(seed),
            faults: vec![FaultSpec::parse("cinetpay:500,rate=0.5").unwrap()],
            ..fast_config()
        })
        .await;
        let mut statuses = Vec::new();
        for _ in 0..24 {
            statuses.push(cinetpay_check(&sandbox).await);
        }
        statuses
    };
    let first = run(42).await;
    assert_eq!(first, run(42).await);
    assert!(first.contains(&500) && first.contains(&400), "{first:?}");
    assert_ne!(first, run(43).await);
}

#[tokio::test]
async fn faults_a_timeout_leaves_the_caller_without_an_answer_and_stop_still_returns() {
    let sandbox = sandbox(fast_config()).await;
    add_fault(
        &sandbox,
        json!({"provider": "cinetpay", "kind": "timeout", "next": 1}),
    )
    .await;
    let started = Instant::now();
    let result = client()
        .post(format!("{}/v2/payment/check", sandbox.endpoints().cinetpay))
        .timeout(Duration::from_millis(300))
        .json(&json!({"apikey": APIKEY, "site_id": SITE_ID, "transaction_id": "X"}))
        .send()
        .await;
    assert!(result.unwrap_err().is_timeout());
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        cinetpay_check(&sandbox).await,
        400,
        "only the next call hangs"
    );

    // A hung call does not keep the sandbox from stopping.
    add_fault(&sandbox, json!({"kind": "timeout"})).await;
    let url = format!("{}/paiementNotif/x", sandbox.endpoints().moneyfusion);
    let hung = tokio::spawn(async move { client().get(url).send().await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    tokio::time::timeout(Duration::from_secs(5), sandbox.stop())
        .await
        .expect("stops");
    let _ = hung.await;
}

#[tokio::test]
async fn faults_after_processing_the_payment_exists_though_the_caller_saw_500() {
    let sandbox = sandbox(fast_config()).await;
    add_fault(&sandbox, json!({"provider": "moneroo", "kind": "500", "next": 1, "after": true, "path": "/initialize"})).await;
    assert_eq!(moneroo_initialize(&sandbox).await.status(), 500);
    let (_, truth) = json(
        client()
            .get(format!(
                "{}/_sandbox/payments?provider=moneroo",
                sandbox.base_url()
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(truth["payments"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn faults_latency_slows_the_answer() {
    let sandbox = sandbox(SandboxConfig {
        faults: vec![FaultSpec::parse("moneyfusion:latency,ms=1000").unwrap()],
        ..fast_config()
    })
    .await;
    let started = Instant::now();
    let response = client()
        .get(format!(
            "{}/paiementNotif/x",
            sandbox.endpoints().moneyfusion
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(started.elapsed() >= Duration::from_millis(1000));
    let started = Instant::now();
    cinetpay_check(&sandbox).await;
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "other providers stay fast"
    );
}

#[tokio::test]
async fn faults_429_and_500_come_in_each_providers_shape() {
    let sandbox = sandbox(fast_config()).await;
    add_fault(&sandbox, json!({"kind": "429", "next": 2})).await;
    let response = client()
        .post(format!("{}/v2/payment/check", sandbox.endpoints().cinetpay))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "60");
    assert_eq!(json(response).await.1["message"], "TOO_MANY_REQUEST");
    let (status, body) = json(
        client()
            .get(format!(
                "{}/paiementNotif/x",
                sandbox.endpoints().moneyfusion
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["statut"].clone()), (429, json!(false)));

    add_fault(
        &sandbox,
        json!({"provider": "cinetpay", "kind": "500", "next": 1}),
    )
    .await;
    let response = client()
        .post(format!("{}/v2/payment/check", sandbox.endpoints().cinetpay))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    assert!(
        response.text().await.unwrap().contains("<html>"),
        "an HTML error page, not JSON"
    );
}

#[tokio::test]
async fn faults_never_touch_hosted_pages_or_the_control_api() {
    let sandbox = sandbox(fast_config()).await;
    let created = json(moneroo_initialize(&sandbox).await).await.1;
    add_fault(&sandbox, json!({"kind": "500"})).await;
    let page = client()
        .get(created["data"]["checkout_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let truth = client()
        .get(format!("{}/_sandbox/payments", sandbox.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(truth.status(), 200);
}

async fn with_receiver(faults: &[&str]) -> (SandboxHandle, Receiver) {
    let receiver = Receiver::start().await;
    let sandbox = sandbox(SandboxConfig {
        moneroo_webhook_urls: vec![receiver.url.clone()],
        faults: faults
            .iter()
            .map(|f| FaultSpec::parse(f).unwrap())
            .collect(),
        time_scale: 1.0,
        ..fast_config()
    })
    .await;
    (sandbox, receiver)
}

async fn complete(
    sandbox: &SandboxHandle,
    provider: &str,
    id: &str,
    outcome: &str,
) -> (u16, Value) {
    json(
        client()
            .post(format!(
                "{}/_sandbox/payments/{provider}/{id}/complete",
                sandbox.base_url()
            ))
            .json(&json!({"outcome": outcome}))
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn faults_a_dropped_notification_never_arrives_and_the_log_says_so() {
    let (sandbox, receiver) = with_receiver(&["moneroo:drop,next=1"]).await;
    let created = json(moneroo_initialize(&sandbox).await).await.1;
    let id = created["data"]["id"].as_str().unwrap();
    complete(&sandbox, "moneroo", id, "success").await;
    let hooks = receiver.wait_for(1, Duration::from_secs(5), |_| true).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.all().len(), 1);
    assert_eq!(hooks[0].json()["event"], "payment.success");
    let (_, log) = json(
        client()
            .get(format!("{}/_sandbox/notifications", sandbox.base_url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(log["notifications"][0]["dropped"], true);
    assert_eq!(log["notifications"][0]["event"], "payment.initiated");
}

#[tokio::test]
async fn faults_a_duplicated_notification_arrives_twice_identical() {
    let (sandbox, receiver) = with_receiver(&["duplicate,next=1"]).await;
    moneroo_initialize(&sandbox).await;
    let hooks = receiver.wait_for(2, Duration::from_secs(5), |_| true).await;
    assert_eq!(hooks[0].body, hooks[1].body);
    assert_eq!(
        hooks[0].header("x-moneroo-signature"),
        hooks[1].header("x-moneroo-signature")
    );
}

#[tokio::test]
async fn faults_a_reordered_notification_arrives_after_the_next_one() {
    let (sandbox, receiver) = with_receiver(&["moneroo:reorder,next=1"]).await;
    let created = json(moneroo_initialize(&sandbox).await).await.1;
    let id = created["data"]["id"].as_str().unwrap();
    complete(&sandbox, "moneroo", id, "success").await;
    let hooks = receiver.wait_for(2, Duration::from_secs(5), |_| true).await;
    let events: Vec<Value> = hooks.iter().map(|h| h.json()["event"].clone()).collect();
    assert_eq!(
        events,
        [json!("payment.success"), json!("payment.initiated")]
    );
}

#[tokio::test]
async fn faults_a_late_notification_leaves_after_the_delay() {
    let (sandbox, receiver) = with_receiver(&["delay,ms=400,next=1"]).await;
    let started = Instant::now();
    moneroo_initialize(&sandbox).await;
    let hooks = receiver.wait_for(1, Duration::from_secs(5), |_| true).await;
    assert!(hooks[0].at - started >= Duration::from_millis(400));
}

#[tokio::test]
async fn faults_are_listed_and_removed_through_the_control_api() {
    let sandbox = sandbox(fast_config()).await;
    add_fault(
        &sandbox,
        json!({"provider": "moneroo", "kind": "latency", "ms": 10}),
    )
    .await;
    add_fault(&sandbox, json!({"kind": "drop", "rate": 0.5})).await;
    let url = format!("{}/_sandbox/faults", sandbox.base_url());
    let (_, listed) = json(client().get(&url).send().await.unwrap()).await;
    let faults = listed["faults"].as_array().unwrap();
    assert_eq!(faults.len(), 2);
    assert_eq!(faults[0]["kind"], "latency");
    let id = faults[0]["id"].as_u64().unwrap();
    let removed = client().delete(format!("{url}/{id}")).send().await.unwrap();
    assert_eq!(removed.status(), 204);
    let (_, listed) = json(client().get(&url).send().await.unwrap()).await;
    assert_eq!(listed["faults"].as_array().unwrap().len(), 1);
    client().delete(&url).send().await.unwrap();
    let (_, listed) = json(client().get(&url).send().await.unwrap()).await;
    assert!(listed["faults"].as_array().unwrap().is_empty());
    let bad = client()
        .post(&url)
        .json(&json!({"kind": "latency"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400, "latency needs ms");
}
