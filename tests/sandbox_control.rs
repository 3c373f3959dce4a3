//! The control API and the binary: ground truth, outcomes driven without a browser,
//! settings, reset, seeds, and the command line's banner, verbose log and Ctrl-C.
#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sandbox_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use guichet::sandbox::config::{
    DEFAULT_CINETPAY_APIKEY as APIKEY, DEFAULT_CINETPAY_SITE_ID as SITE_ID,
    DEFAULT_MONEROO_SECRET_KEY as KEY,
};
use guichet::sandbox::{SandboxConfig, SandboxHandle};
use sandbox_support::*;
use serde_json::{json, Value};

async fn moneroo_payment(sandbox: &SandboxHandle) -> String {
    let (status, body) = json(
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
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["data"]["id"].as_str().unwrap().to_owned()
}

async fn get(sandbox: &SandboxHandle, path: &str) -> (u16, Value) {
    json(
        client()
            .get(format!("{}{path}", sandbox.base_url()))
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn post(sandbox: &SandboxHandle, path: &str, body: Value) -> (u16, Value) {
    json(
        client()
            .post(format!("{}{path}", sandbox.base_url()))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn control_complete_drives_a_payment_and_sends_the_providers_webhook() {
    let receiver = Receiver::start().await;
    let sandbox = sandbox(SandboxConfig {
        moneroo_webhook_urls: vec![receiver.url.clone()],
        time_scale: 1.0,
        ..fast_config()
    })
    .await;
    let id = moneroo_payment(&sandbox).await;
    let (status, truth) = post(
        &sandbox,
        &format!("/_sandbox/payments/moneroo/{id}/complete"),
        json!({"outcome": "success"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(truth["status"], "success");
    assert_eq!(truth["stage"], "succeeded");
    assert_eq!(
        truth["method"], "airtel_ne",
        "the first method the page offers for XOF"
    );
    receiver
        .wait_for(1, Duration::from_secs(5), |c| {
            c.json()["event"] == "payment.success"
        })
        .await;
    let (status, body) = post(
        &sandbox,
        &format!("/_sandbox/payments/moneroo/{id}/complete"),
        json!({"outcome": "failed"}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "final");
    let (status, _) = post(
        &sandbox,
        "/_sandbox/payments/moneroo/nope/complete",
        json!({"outcome": "failed"}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = post(
        &sandbox,
        &format!("/_sandbox/payments/moneroo/{id}/complete"),
        json!({"outcome": "maybe"}),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn control_ground_truth_lists_every_providers_payments_in_their_own_words() {
    let sandbox = sandbox(fast_config()).await;
    let moneroo_id = moneroo_payment(&sandbox).await;
    let (_, created) = json(
        client()
            .post(format!("{}/v2/payment", sandbox.endpoints().cinetpay))
            .json(&json!({
                "apikey": APIKEY, "site_id": SITE_ID, "transaction_id": "CP-1", "amount": 500,
                "currency": "XOF", "description": "Test", "notify_url": "http://127.0.0.1:9/n",
                "return_url": "http://127.0.0.1:9/r", "channels": "MOBILE_MONEY",
            }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(created["code"], "201");
    let (_, mf) = json(
        client()
            .post(sandbox.endpoints().moneyfusion_api_url)
            .json(&json!({"totalPrice": 300, "article": [{"x": 300}], "numeroSend": "0101010101", "nomclient": "Jo"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let mf_token = mf["token"].as_str().unwrap();
    post(
        &sandbox,
        "/_sandbox/payments/cinetpay/CP-1/complete",
        json!({"outcome": "cancelled"}),
    )
    .await;
    post(
        &sandbox,
        &format!("/_sandbox/payments/moneyfusion/{mf_token}/complete"),
        json!({"outcome": "success"}),
    )
    .await;

    let (_, all) = get(&sandbox, "/_sandbox/payments").await;
    let all = all["payments"].as_array().unwrap();
    assert_eq!(all.len(), 3);
    let status_of = |provider: &str| {
        all.iter()
            .find(|p| p["provider"] == provider)
            .map(|p| p["status"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert_eq!(status_of("moneroo"), "initiated");
    assert_eq!(status_of("cinetpay"), "REFUSED");
    assert_eq!(status_of("moneyfusion"), "paid");
    let (_, only) = get(&sandbox, "/_sandbox/payments?provider=cinetpay").await;
    assert_eq!(only["payments"][0]["id"], "CP-1");
    assert_eq!(only["payments"][0]["amount"], 500);
    let (status, one) = get(
        &sandbox,
        &format!("/_sandbox/payments/moneroo/{moneroo_id}"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        one["checkout_url"],
        format!("{}/moneroo/checkout/{moneroo_id}", sandbox.base_url())
    );
    let (status, _) = get(&sandbox, "/_sandbox/payments?provider=paypal").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn control_completes_a_pending_payout_and_lists_payouts() {
    let sandbox = sandbox(fast_config()).await;
    let (_, created) = json(
        client()
            .post(format!(
                "{}/v1/payouts/initialize",
                sandbox.endpoints().moneroo
            ))
            .bearer_auth(KEY)
            .json(&json!({
                "amount": 500, "currency": "XOF", "description": "Refund", "method": "mtn_bj",
                "customer": {"email": "a@b.ci", "first_name": "A", "last_name": "B"},
                "recipient": {"msisdn": 4149518163u64},
            }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    eventually(Duration::from_secs(5), "the payout to be pending", || {
        let sandbox = &sandbox;
        let id = id.clone();
        async move {
            get(sandbox, &format!("/_sandbox/payouts/moneroo/{id}"))
                .await
                .1["status"]
                == "pending"
        }
    })
    .await;
    let (status, truth) = post(
        &sandbox,
        &format!("/_sandbox/payouts/moneroo/{id}/complete"),
        json!({"outcome": "success"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(truth["status"], "success");
    let (_, list) = get(&sandbox, "/_sandbox/payouts").await;
    assert_eq!(list["payouts"].as_array().unwrap().len(), 1);
    assert_eq!(list["payouts"][0]["recipient"], "4149518163");
}

#[tokio::test]
async fn control_settings_change_at_run_time_and_refuse_unknown_names() {
    let sandbox = sandbox(fast_config()).await;
    let url = format!("{}/_sandbox/settings", sandbox.base_url());
    let (status, settings) = json(
        client()
            .patch(&url)
            .json(&json!({"payout_outcome": "failed", "moneyfusion_allowed_ips": ["10.0.0.1"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(settings["payout_outcome"], "failed");
    let (_, refused) = json(
        client()
            .post(sandbox.endpoints().moneyfusion_api_url)
            .json(&json!({"totalPrice": 300, "article": [{"x": 300}], "numeroSend": "1", "nomclient": "Jo"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        refused["message"],
        "Unauthorized IP or unapproved application (127.0.0.1)"
    );
    let bad = client()
        .patch(&url)
        .json(&json!({"colour": "blue"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let bad = client()
        .patch(&url)
        .json(&json!({"time_scale": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn control_a_seed_repeats_ids_across_runs_and_after_reset() {
    let first = sandbox(SandboxConfig {
        seed: Some(99),
        ..fast_config()
    })
    .await;
    let second = sandbox(SandboxConfig {
        seed: Some(99),
        ..fast_config()
    })
    .await;
    let other = sandbox(SandboxConfig {
        seed: Some(100),
        ..fast_config()
    })
    .await;
    let a = moneroo_payment(&first).await;
    assert_eq!(a, moneroo_payment(&second).await);
    assert_ne!(a, moneroo_payment(&other).await);

    let reset = client()
        .post(format!("{}/_sandbox/reset", first.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);
    let (_, truth) = get(&first, "/_sandbox/payments").await;
    assert!(truth["payments"].as_array().unwrap().is_empty());
    assert_eq!(moneroo_payment(&first).await, a, "a reset replays the seed");
}

#[tokio::test]
async fn control_info_gives_base_urls_and_the_test_credentials() {
    let sandbox = sandbox(fast_config()).await;
    let (status, info) = get(&sandbox, "/_sandbox").await;
    assert_eq!(status, 200);
    assert_eq!(
        info["moneroo"]["base_url"],
        format!("{}/moneroo", sandbox.base_url())
    );
    assert_eq!(
        info["cinetpay"]["transfer_base_url"],
        format!("{}/cinetpay/client", sandbox.base_url())
    );
    assert_eq!(
        info["moneyfusion"]["api_url"],
        sandbox.endpoints().moneyfusion_api_url
    );
    assert_eq!(info["credentials"]["moneroo_secret_key"], KEY);
    assert_eq!(info["seed"], 7);
}

#[tokio::test]
async fn sandbox_binds_only_the_loopback_address() {
    let sandbox = sandbox(fast_config()).await;
    assert!(sandbox.addr().ip().is_loopback());
    assert!(sandbox.base_url().starts_with("http://127.0.0.1:"));
}

#[test]
fn binary_prints_its_urls_logs_requests_when_verbose_and_stops_on_ctrl_c() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_guichet-sandbox"))
        .args(["--port", "0", "--verbose", "--seed", "1"])
        .env_remove("MONEROO_SECRET_KEY")
        .env_remove("MONEYFUSION_API_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first
        .strip_prefix("guichet-sandbox listening on ")
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();
    let mut banner = vec![first];
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.contains("moneyfusion private key");
        banner.push(line);
        if done {
            break;
        }
    }
    let banner = banner.join("\n");
    assert!(banner.contains(&format!("{base}/moneroo")), "{banner}");
    assert!(banner.contains(KEY), "{banner}");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let status = runtime.block_on(async {
        client()
            .get(format!("{base}/moneroo/utils/payment/methods"))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
    let logged = lines.next().unwrap().unwrap();
    assert_eq!(
        logged.split(" (").next(),
        Some("GET /moneroo/utils/payment/methods -> 200")
    );

    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the sandbox did not stop on Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}");
}
