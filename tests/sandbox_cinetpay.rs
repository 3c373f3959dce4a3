//! CinetPay through HTTP: the User-Agent and content-type gates, codes 608/609/613/624,
//! the check endpoint, notifications with `x-token` and the GET ping, the form POST
//! back to `return_url`, and transfers with their 5-minute tokens.
#![cfg(feature = "sandbox")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sandbox_support;

use std::time::Duration;

use guichet::sandbox::config::{
    DEFAULT_CINETPAY_APIKEY as APIKEY, DEFAULT_CINETPAY_SECRET_KEY as SECRET,
    DEFAULT_CINETPAY_SITE_ID as SITE_ID, DEFAULT_CINETPAY_TRANSFER_PASSWORD as PASSWORD,
};
use guichet::sandbox::{SandboxConfig, SandboxHandle};
use sandbox_support::*;
use serde_json::{json, Value};

/// The fields in the order CinetPay's `x-token` concatenates them.
const X_TOKEN_ORDER: [&str; 16] = [
    "cpm_site_id",
    "cpm_trans_id",
    "cpm_trans_date",
    "cpm_amount",
    "cpm_currency",
    "signature",
    "payment_method",
    "cel_phone_num",
    "cpm_phone_prefixe",
    "cpm_language",
    "cpm_version",
    "cpm_payment_config",
    "cpm_page_action",
    "cpm_custom",
    "cpm_designation",
    "cpm_error_message",
];

fn payment(transaction_id: &str, notify: &str) -> Value {
    json!({
        "apikey": APIKEY,
        "site_id": SITE_ID,
        "transaction_id": transaction_id,
        "amount": 2500,
        "currency": "XOF",
        "description": "Commande 42",
        "notify_url": notify,
        "return_url": "http://127.0.0.1:9/retour",
        "channels": "ALL",
        "metadata": "order-42",
        "lang": "fr",
    })
}

async fn create(sandbox: &SandboxHandle, body: &Value) -> (u16, Value) {
    json(
        client()
            .post(format!("{}/v2/payment", sandbox.endpoints().cinetpay))
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn check(sandbox: &SandboxHandle, transaction_id: &str) -> Value {
    let (_, body) = json(
        client()
            .post(format!("{}/v2/payment/check", sandbox.endpoints().cinetpay))
            .json(&json!({"apikey": APIKEY, "site_id": SITE_ID, "transaction_id": transaction_id}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    body
}

fn token_of(created: &Value) -> String {
    created["data"]["payment_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn press(sandbox: &SandboxHandle, token: &str, action: &str) -> reqwest::Response {
    client()
        .post(format!("{}/cinetpay/payment/{token}", sandbox.base_url()))
        .form(&[
            ("method", "OM"),
            ("phone", "0707070707"),
            ("action", action),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn cinetpay_without_a_user_agent_gets_cloudflare_error_1010() {
    let sandbox = sandbox(fast_config()).await;
    let response = bare_client()
        .post(format!("{}/v2/payment", sandbox.endpoints().cinetpay))
        .json(&payment("T1", "http://127.0.0.1:9/n"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(response.text().await.unwrap(), "error code: 1010");
}

#[tokio::test]
async fn cinetpay_merges_doubled_slashes_as_its_nginx_front_does_and_only_cinetpay() {
    let sandbox = sandbox(fast_config()).await;
    create(&sandbox, &payment("CMD-SLASH", "http://127.0.0.1:9/n")).await;
    let (status, body) = json(
        client()
            .post(format!(
                "{}//v2/payment/check",
                sandbox.endpoints().cinetpay
            ))
            .json(&json!({"apikey": APIKEY, "site_id": SITE_ID, "transaction_id": "CMD-SLASH"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (200, Some("662")),
        "{body}"
    );
    let moneroo = client()
        .get(format!(
            "{}//utils/payment/methods",
            sandbox.endpoints().moneroo
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(moneroo.status(), 404);
}

#[tokio::test]
async fn cinetpay_answers_403_to_a_body_not_sent_as_json() {
    let sandbox = sandbox(fast_config()).await;
    let (status, body) = json(
        client()
            .post(format!("{}/v2/payment", sandbox.endpoints().cinetpay))
            .form(&[("apikey", APIKEY)])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(body["code"], "403");
}

#[tokio::test]
async fn cinetpay_initialize_answers_code_201_with_a_payment_token_and_url() {
    let sandbox = sandbox(fast_config()).await;
    let (status, body) = create(&sandbox, &payment("CMD-42", "http://127.0.0.1:9/n")).await;
    assert_eq!(status, 200);
    assert_eq!(body["code"], "201");
    assert_eq!(body["message"], "CREATED");
    let token = token_of(&body);
    assert_eq!(token.len(), 110);
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        body["data"]["payment_url"],
        format!("{}/cinetpay/payment/{token}", sandbox.base_url())
    );
    let id = body["api_response_id"].as_str().unwrap();
    assert!(
        id.split_once('.')
            .is_some_and(|(s, f)| s.len() >= 10 && f.len() == 4),
        "{id}"
    );
}

#[tokio::test]
async fn cinetpay_error_codes_follow_the_published_table() {
    let sandbox = sandbox(fast_config()).await;
    let code = |body: &Value| body["code"].as_str().unwrap().to_owned();

    let mut bad = payment("T1", "http://127.0.0.1:9/n");
    bad["apikey"] = json!("wrong");
    let (_, body) = create(&sandbox, &bad).await;
    assert_eq!(code(&body), "609");
    assert_eq!(body["message"], "AUTH_NOT_FOUND");

    let mut bad = payment("T1", "http://127.0.0.1:9/n");
    bad["site_id"] = json!("1");
    assert_eq!(code(&create(&sandbox, &bad).await.1), "613");

    let mut bad = payment("T1", "http://127.0.0.1:9/n");
    bad.as_object_mut().unwrap().remove("notify_url");
    let (status, body) = create(&sandbox, &bad).await;
    assert_eq!((status, code(&body)), (400, "608".to_owned()));
    assert!(body["description"].as_str().unwrap().contains("notify_url"));

    for (field, value) in [
        ("amount", json!(102)),
        ("currency", json!("EUR")),
        ("description", json!("Commande #42")),
        ("transaction_id", json!("T 1/2")),
        ("channels", json!("PAYPAL")),
        ("invoice_data", json!({"a": 1, "b": 2, "c": 3, "d": 4})),
    ] {
        let mut bad = payment("T1", "http://127.0.0.1:9/n");
        bad[field] = value;
        assert_eq!(code(&create(&sandbox, &bad).await.1), "608", "{field}");
    }

    let mut bad = payment("T1", "http://127.0.0.1:9/n");
    bad["lock_phone_number"] = json!(true);
    bad["customer_phone_number"] = json!("abc");
    assert_eq!(code(&create(&sandbox, &bad).await.1), "624");

    let mut card = payment("T1", "http://127.0.0.1:9/n");
    card["channels"] = json!("CREDIT_CARD");
    assert_eq!(
        code(&create(&sandbox, &card).await.1),
        "608",
        "cards need the customer"
    );

    let (_, body) = create(&sandbox, &payment("T1", "http://127.0.0.1:9/n")).await;
    assert_eq!(code(&body), "201");
    assert_eq!(
        code(
            &create(&sandbox, &payment("T1", "http://127.0.0.1:9/n"))
                .await
                .1
        ),
        "608",
        "reused id"
    );
}

#[tokio::test]
async fn cinetpay_refuses_a_currency_the_account_does_not_hold() {
    let sandbox = sandbox(SandboxConfig {
        cinetpay_currencies: vec!["XAF".to_owned()],
        ..fast_config()
    })
    .await;
    let (_, body) = create(&sandbox, &payment("T1", "http://127.0.0.1:9/n")).await;
    assert_eq!(body["code"], "608");
    assert!(body["description"]
        .as_str()
        .unwrap()
        .contains("Transaction currency :'XOF' Account currency :'XAF'"));
}

#[tokio::test]
async fn cinetpay_pings_the_notify_url_then_posts_a_signed_notification_at_each_change() {
    let receiver = Receiver::start().await;
    let sandbox = sandbox(fast_config()).await;
    let notify = format!("{}/notify", receiver.url);
    let (_, created) = create(&sandbox, &payment("CMD-7", &notify)).await;
    let token = token_of(&created);

    let check_before = check(&sandbox, "CMD-7").await;
    assert_eq!(check_before["code"], "662");
    assert_eq!(check_before["data"]["status"], "PENDING");

    let response = press(&sandbox, &token, "pay").await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert_eq!(
        form_action(&page).as_deref(),
        Some("http://127.0.0.1:9/retour")
    );
    assert_eq!(
        hidden_field(&page, "transaction_id").as_deref(),
        Some("CMD-7")
    );
    assert_eq!(hidden_field(&page, "token"), Some(token.clone()));
    assert!(page.contains("/_sandbox/static/return.js"));

    let paid = check(&sandbox, "CMD-7").await;
    assert_eq!(paid["code"], "00");
    assert_eq!(paid["message"], "SUCCES");
    assert_eq!(paid["data"]["status"], "ACCEPTED");
    assert_eq!(paid["data"]["amount"], "2500");
    assert_eq!(paid["data"]["payment_method"], "OM");
    assert_eq!(paid["data"]["metadata"], "order-42");
    assert!(paid["data"]["operator_id"]
        .as_str()
        .unwrap()
        .starts_with("MP"));
    let date = paid["data"]["payment_date"].as_str().unwrap();
    assert_eq!(date.len(), 19, "YYYY-MM-DD HH:MM:SS: {date}");

    let ping = receiver
        .wait_for(1, Duration::from_secs(5), |c| c.method == "GET")
        .await;
    assert!(ping[0].body.is_empty());
    let posts = receiver
        .wait_for(2, Duration::from_secs(5), |c| c.method == "POST")
        .await;
    assert!(ping[0].at <= posts[0].at, "the ping comes first");
    let statuses: Vec<String> = posts
        .iter()
        .map(|p| p.field("cpm_error_message").unwrap())
        .collect();
    assert_eq!(statuses, ["WAITING_CUSTOMER_TO_VALIDATE", "SUCCES"]);
    for post in &posts {
        assert_eq!(
            post.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        let fields = post.form();
        let concatenated: String = X_TOKEN_ORDER
            .iter()
            .map(|name| {
                fields
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            })
            .collect();
        let expected = hmac_hex(SECRET.as_bytes(), concatenated.as_bytes());
        assert_eq!(post.header("x-token"), Some(expected.as_str()));
        assert_eq!(post.field("cpm_site_id").as_deref(), Some(SITE_ID));
        assert_eq!(post.field("cpm_trans_id").as_deref(), Some("CMD-7"));
        assert_eq!(post.field("cpm_amount").as_deref(), Some("2500"));
        assert_eq!(post.field("cpm_custom").as_deref(), Some("order-42"));
        assert_eq!(post.field("cpm_phone_prefixe").as_deref(), Some("225"));
    }
}

#[tokio::test]
async fn cinetpay_check_takes_the_token_too_and_reports_a_cancel_as_627_refused() {
    let sandbox = sandbox(fast_config()).await;
    let (_, created) = create(&sandbox, &payment("CMD-8", "http://127.0.0.1:9/n")).await;
    let token = token_of(&created);
    press(&sandbox, &token, "cancel").await;
    let (_, body) = json(
        client()
            .post(format!("{}/v2/payment/check", sandbox.endpoints().cinetpay))
            .json(&json!({"apikey": APIKEY, "site_id": SITE_ID, "token": token}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["code"], "627");
    assert_eq!(body["message"], "TRANSACTION_CANCEL");
    assert_eq!(body["data"]["status"], "REFUSED");
    assert_eq!(body["data"]["payment_date"], " ");

    let (_, created) = create(&sandbox, &payment("CMD-9", "http://127.0.0.1:9/n")).await;
    press(&sandbox, &token_of(&created), "decline").await;
    let body = check(&sandbox, "CMD-9").await;
    assert_eq!(
        (body["code"].as_str(), body["data"]["status"].as_str()),
        (Some("600"), Some("REFUSED"))
    );

    let (_, created) = create(&sandbox, &payment("CMD-10", "http://127.0.0.1:9/n")).await;
    press(&sandbox, &token_of(&created), "pending").await;
    assert_eq!(
        check(&sandbox, "CMD-10").await["data"]["status"],
        "WAITING_FOR_CUSTOMER"
    );

    let body = check(&sandbox, "NOPE").await;
    assert_eq!(body["code"], "608");
}

#[tokio::test]
async fn cinetpay_page_refuses_localhost_urls_and_offers_cards_only_with_the_customer() {
    let sandbox = sandbox(fast_config()).await;
    let mut local = payment("L1", "http://localhost:8787/notify");
    local["return_url"] = json!("http://localhost:8787/retour");
    let (_, created) = create(&sandbox, &local).await;
    let page = client()
        .get(created["data"]["payment_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.text().await.unwrap().contains("127.0.0.1"));

    let (_, created) = create(&sandbox, &payment("C1", "http://127.0.0.1:9/n")).await;
    let page = client()
        .get(created["data"]["payment_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"value="OM""#) && !page.contains(r#"value="VISAM""#));

    let mut card = payment("C2", "http://127.0.0.1:9/n");
    card["lang"] = json!("EN");
    for (field, value) in [
        ("customer_name", "Koné"),
        ("customer_surname", "Awa"),
        ("customer_email", "awa@example.com"),
        ("customer_phone_number", "+2250707070707"),
        ("customer_address", "Rue 12"),
        ("customer_city", "Abidjan"),
        ("customer_country", "CI"),
        ("customer_state", "CI"),
        ("customer_zip_code", "00225"),
    ] {
        card[field] = json!(value);
    }
    let (_, created) = create(&sandbox, &card).await;
    let page = client()
        .get(created["data"]["payment_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"value="VISAM""#));
    assert!(
        page.contains("Amount to pay"),
        "the payment's lang is English"
    );
}

async fn login(sandbox: &SandboxHandle) -> String {
    let (_, body) = json(
        client()
            .post(format!(
                "{}/v1/auth/login",
                sandbox.endpoints().cinetpay_transfer
            ))
            .form(&[("apikey", APIKEY), ("password", PASSWORD)])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["code"], 0, "{body}");
    body["data"]["token"].as_str().unwrap().to_owned()
}

async fn transfer_call(
    sandbox: &SandboxHandle,
    path: &str,
    token: &str,
    data: Option<Value>,
) -> Value {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let url = format!(
        "{}/v1/transfer/{path}?token={token}&lang=fr&{query}",
        sandbox.endpoints().cinetpay_transfer
    );
    let request = match data {
        Some(data) => client().post(url).form(&[("data", data.to_string())]),
        None => client().get(url),
    };
    json(request.send().await.unwrap()).await.1
}

#[tokio::test]
async fn cinetpay_transfer_login_refuses_bad_credentials_with_701() {
    let sandbox = sandbox(fast_config()).await;
    let (_, body) = json(
        client()
            .post(format!(
                "{}/v1/auth/login",
                sandbox.endpoints().cinetpay_transfer
            ))
            .form(&[("apikey", APIKEY), ("password", "wrong")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["code"], "701");
    assert_eq!(body["message"], "INVALID_CREDENTIALS");
    let balance = transfer_call(&sandbox, "check/balance", "nope", None).await;
    assert_eq!(balance["code"], "706");
}

#[tokio::test]
async fn cinetpay_transfer_tokens_expire_after_five_scaled_minutes() {
    let sandbox = sandbox(fast_config()).await;
    let token = login(&sandbox).await;
    let balance = transfer_call(&sandbox, "check/balance", &token, None).await;
    assert_eq!(balance["code"], 0);
    assert_eq!(balance["data"]["available"], 5_000_000);
    // 5 minutes at 0.001: 300 ms.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let balance = transfer_call(&sandbox, "check/balance", &token, None).await;
    assert_eq!(balance["code"], "705");
    assert_eq!(balance["message"], "EXPIRED_TOKEN");
}

#[tokio::test]
async fn cinetpay_transfer_needs_a_contact_then_notifies_each_step_until_val() {
    let receiver = Receiver::start().await;
    let sandbox = sandbox(SandboxConfig {
        time_scale: 1.0,
        ..fast_config()
    })
    .await;
    let token = login(&sandbox).await;
    let contact = json!([{"prefix": "225", "phone": "0707070707", "name": "Koné", "surname": "Awa", "email": "awa@example.com"}]);
    let item = json!([{
        "prefix": "225", "phone": "0707070707", "amount": 1000,
        "client_transaction_id": "PAYOUT-1", "notify_url": format!("{}/transfer", receiver.url),
    }]);

    let refused = transfer_call(&sandbox, "money/send/contact", &token, Some(item.clone())).await;
    assert_eq!(refused["code"], "724", "{refused}");

    let added = transfer_call(&sandbox, "contact", &token, Some(contact.clone())).await;
    assert_eq!(added["code"], 0);
    assert_eq!(added["data"][0][0]["code"], 0);
    let again = transfer_call(&sandbox, "contact", &token, Some(contact)).await;
    assert_eq!(again["data"][0][0]["code"], 726);
    assert_eq!(
        again["data"][0][0]["status"],
        "ERROR_PHONE_ALREADY_MY_CONTACT"
    );

    let sent = transfer_call(&sandbox, "money/send/contact", &token, Some(item.clone())).await;
    assert_eq!(sent["code"], 0, "{sent}");
    let transfer = &sent["data"][0][0];
    assert_eq!(transfer["treatment_status"], "NEW");
    let transaction_id = transfer["transaction_id"].as_str().unwrap().to_owned();
    let balance = transfer_call(&sandbox, "check/balance", &token, None).await;
    assert_eq!(balance["data"]["inUsing"], 1000);

    let duplicate = transfer_call(&sandbox, "money/send/contact", &token, Some(item)).await;
    assert_eq!(duplicate["code"], "805");

    let posts = receiver
        .wait_for(2, Duration::from_secs(5), |c| c.method == "POST")
        .await;
    let steps: Vec<String> = posts
        .iter()
        .map(|p| p.field("treatment_status").unwrap())
        .collect();
    assert_eq!(steps, ["REC", "VAL"]);
    assert_eq!(
        posts[1].field("client_transaction_id").as_deref(),
        Some("PAYOUT-1")
    );
    assert_eq!(
        posts[1].field("transaction_id"),
        Some(transaction_id.clone())
    );
    assert!(!posts[1].field("validated_at").unwrap().is_empty());
    assert!(receiver.all().iter().any(|c| c.method == "GET"), "the ping");

    let checked = transfer_call(
        &sandbox,
        "check/money?client_transaction_id=PAYOUT-1",
        &token,
        None,
    )
    .await;
    assert_eq!(checked["code"], 0, "{checked}");
    assert_eq!(checked["data"][0]["treatment_status"], "VAL");
    let balance = transfer_call(&sandbox, "check/balance", &token, None).await;
    assert_eq!(balance["data"]["available"], 5_000_000 - 1000);
    assert_eq!(balance["data"]["inUsing"], 0);
}

#[tokio::test]
async fn cinetpay_transfer_amounts_follow_the_published_bounds() {
    let sandbox = sandbox(fast_config()).await;
    let token = login(&sandbox).await;
    transfer_call(
        &sandbox,
        "contact",
        &token,
        Some(json!([{"prefix": "225", "phone": "0707070707", "name": "A", "surname": "B", "email": "a@b.ci"}])),
    )
    .await;
    for (amount, code) in [(100, "719"), (2_000_000, "720"), (1001, "801")] {
        let body = transfer_call(
            &sandbox,
            "money/send/contact",
            &token,
            Some(json!([{"prefix": "225", "phone": "0707070707", "amount": amount, "client_transaction_id": "X", "notify_url": "http://127.0.0.1:9/t"}])),
        )
        .await;
        assert_eq!(body["code"], code, "{amount}");
    }
}
