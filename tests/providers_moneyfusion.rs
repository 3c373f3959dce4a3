//! The MoneyFusion adapter against MoneyFusion's published shapes, one fixture per case
//! (`tests/fixtures/moneyfusion/`), plus properties of every request it builds.
#![cfg(all(feature = "edge", not(target_arch = "wasm32")))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use guichet::domain::{
    Country, Currency, Customer, Lang, LineItem, Metadata, Money, Order, PaymentStatus, Phone,
};
use guichet::http::{HttpResponse, Method};
use guichet::providers::moneyfusion::wire::{
    MoneyFusionAmount, MoneyFusionPayinWebhook, MoneyFusionPaymentRequest,
    MoneyFusionPaymentResponse, MoneyFusionPayoutWebhook, MoneyFusionStatusResponse,
    MoneyFusionWithdrawRequest, MoneyFusionWithdrawResponse,
};
use guichet::providers::moneyfusion::{
    numero_send, token_from_return_url, webhook, ApiUrl, MoneyFusion, MoneyFusionConfig,
    Notification, PayinEvent, PaymentToken, PayoutEvent, WithdrawMode, Withdrawal, WithdrawalInput,
};
use guichet::providers::{PaymentRequest, ProviderError};
use proptest::prelude::*;
use serde_json::{json, Value};

const API_URL: &str = "https://www.pay.moneyfusion.net/Boutique/0123456789abcdef/pay/";
const APP_ID: &str = "0123456789abcdef";
const PRIVATE_KEY: &str = "mf_live_9c1d2e3f4a5b6c7d";
const RETURN_URL: &str = "https://boutique.example.ci/api/sessions/ses_7f3a9c/return";
const NOTIFY_URL: &str = "https://boutique.example.ci/api/webhooks/moneyfusion";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/moneyfusion/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_slice(&fixture(name)).unwrap()
}

fn adapter() -> MoneyFusion {
    MoneyFusion::new(
        MoneyFusionConfig::new(ApiUrl::parse(API_URL).unwrap())
            .with_private_key(PRIVATE_KEY)
            .unwrap(),
    )
}

fn xof(major: u64) -> Money {
    Money::from_major(major, Currency::XOF).unwrap()
}

fn customer() -> Customer {
    Customer {
        email: None,
        first_name: Some("Awa".into()),
        last_name: Some("Koné".into()),
        phone: Some(Phone::parse("07 01 02 03 04", Some(Country::CI)).unwrap()),
        country: Some(Country::CI),
        address: None,
        city: None,
        state: None,
        zip: None,
    }
}

fn item(name: &str, price: u64, quantity: u32) -> LineItem {
    LineItem {
        sku: name.to_ascii_lowercase().replace(' ', "-"),
        name: name.into(),
        unit_price: xof(price),
        quantity,
    }
}

fn cart_order() -> Order {
    Order::from_items(
        "CMD-2024-0042".into(),
        "Commande CMD-2024-0042".into(),
        vec![item("Sac", 1000, 1), item("Chaussure", 500, 3)],
    )
    .unwrap()
}

fn payment(order: Order) -> PaymentRequest {
    let mut metadata = Metadata::default();
    metadata.insert("session_id", "ses_7f3a9c".into());
    PaymentRequest {
        order,
        customer: customer(),
        lang: Lang::Fr,
        return_url: RETURN_URL.into(),
        notify_url: NOTIFY_URL.into(),
        channels: None,
        methods: Vec::new(),
        metadata,
    }
}

fn body_of(request: &guichet::http::HttpRequest) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

fn token(text: &str) -> PaymentToken {
    PaymentToken::parse(text).unwrap()
}

fn fields(violations: &guichet::domain::Violations) -> Vec<(&str, &str)> {
    violations
        .as_slice()
        .iter()
        .map(|v| (v.field.as_str(), v.code.as_str()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Create payment
// ---------------------------------------------------------------------------------------

#[test]
fn moneyfusion_create_posts_json_to_the_merchant_api_url_with_articles_and_our_reference() {
    let request = adapter()
        .initialize_payment(&payment(cart_order()))
        .unwrap();
    assert_eq!(request.method, Method::Post);
    assert_eq!(request.url, API_URL);
    assert_eq!(
        request.header_value("content-type"),
        Some("application/json")
    );
    assert_eq!(request.header_value("authorization"), None);
    assert_eq!(
        body_of(&request),
        json!({
            "totalPrice": 2500,
            "article": [{"Sac": 1000}, {"Chaussure × 3": 1500}],
            "numeroSend": "0701020304",
            "nomclient": "Awa Koné",
            "personal_Info": [{"reference": "CMD-2024-0042"}, {"session_id": "ses_7f3a9c"}],
            "return_url": RETURN_URL,
            "webhook_url": NOTIFY_URL,
        })
    );
}

#[test]
fn moneyfusion_order_without_items_is_one_article_named_after_its_description() {
    let order = Order {
        reference: "ORD-77".into(),
        description: "Abonnement annuel".into(),
        items: Vec::new(),
        amount: xof(15_000),
    };
    let body = body_of(&adapter().initialize_payment(&payment(order)).unwrap());
    assert_eq!(body["totalPrice"], json!(15_000));
    assert_eq!(body["article"], json!([{"Abonnement annuel": 15_000}]));
}

#[test]
fn moneyfusion_two_lines_with_the_same_name_stay_two_articles() {
    let order = Order::from_items(
        "R1".into(),
        "d".into(),
        vec![item("Pagne", 3000, 1), item("Pagne", 3000, 1)],
    )
    .unwrap();
    let body = body_of(&adapter().initialize_payment(&payment(order)).unwrap());
    assert_eq!(body["article"], json!([{"Pagne": 3000}, {"Pagne": 3000}]));
    assert_eq!(body["totalPrice"], json!(6000));
}

#[test]
fn moneyfusion_numero_send_is_the_national_number_shoppers_type() {
    let ci = Phone::parse("+225 07 01 02 03 04", None).unwrap();
    assert_eq!(numero_send(&ci), "0701020304");
    let sn = Phone::parse("+221 77 123 45 67", None).unwrap();
    assert_eq!(numero_send(&sn), "771234567");
    let fr = Phone::parse("+33 6 12 34 56 78", None).unwrap();
    assert_eq!(numero_send(&fr), "+33612345678");
}

#[test]
fn moneyfusion_create_requires_phone_and_name_and_says_where() {
    let mut request = payment(cart_order());
    request.customer.phone = None;
    request.customer.first_name = None;
    request.customer.last_name = None;
    let violations = adapter().initialize_payment(&request).unwrap_err();
    assert_eq!(
        fields(&violations),
        vec![
            ("customer.phone", "required"),
            ("customer.first_name", "required"),
            ("customer.last_name", "required"),
        ]
    );
    let message = &violations.as_slice()[0].message;
    assert_eq!(message.fr, "Ce champ est obligatoire.");
    assert_eq!(message.en, "This field is required.");
}

#[test]
fn moneyfusion_one_name_is_enough_for_nomclient() {
    let mut request = payment(cart_order());
    request.customer.first_name = None;
    let body = body_of(&adapter().initialize_payment(&request).unwrap());
    assert_eq!(body["nomclient"], json!("Koné"));
}

#[test]
fn moneyfusion_create_refuses_another_currency_than_the_accounts() {
    let order = Order {
        reference: "R".into(),
        description: "d".into(),
        items: Vec::new(),
        amount: Money::from_major(10, Currency::XAF).unwrap(),
    };
    let violations = adapter().initialize_payment(&payment(order)).unwrap_err();
    assert_eq!(
        fields(&violations),
        vec![("amount", "unsupported_currency")]
    );
    assert!(violations.as_slice()[0].message.fr.contains("XOF"));
}

#[test]
fn moneyfusion_create_refuses_cents_and_zero() {
    let usd = MoneyFusion::new(
        MoneyFusionConfig::new(ApiUrl::parse(API_URL).unwrap()).with_currency(Currency::USD),
    );
    let mut order = Order {
        reference: "R".into(),
        description: "d".into(),
        items: Vec::new(),
        amount: Money::from_minor(1050, Currency::USD).unwrap(),
    };
    let violations = usd.initialize_payment(&payment(order.clone())).unwrap_err();
    assert_eq!(fields(&violations), vec![("amount", "fractional_amount")]);
    order.amount = Money::zero(Currency::USD);
    let violations = usd.initialize_payment(&payment(order)).unwrap_err();
    assert_eq!(fields(&violations), vec![("amount", "amount_too_small")]);
}

#[test]
fn moneyfusion_create_refuses_items_that_do_not_add_up_to_the_total() {
    let mut order = cart_order();
    order.amount = xof(3000); // shipping added to the total but not to the lines
    let violations = adapter().initialize_payment(&payment(order)).unwrap_err();
    assert_eq!(fields(&violations), vec![("amount", "total_mismatch")]);
}

#[test]
fn moneyfusion_create_refuses_unusable_article_names_and_missing_description() {
    let mut order = cart_order();
    order.items[1].name = "   ".into();
    order.items[0].name = "x".repeat(101);
    let violations = adapter().initialize_payment(&payment(order)).unwrap_err();
    assert_eq!(
        fields(&violations),
        vec![("items[0].name", "too_long"), ("items[1].name", "required")]
    );
    let order = Order {
        reference: "R".into(),
        description: " ".into(),
        items: Vec::new(),
        amount: xof(100),
    };
    let violations = adapter().initialize_payment(&payment(order)).unwrap_err();
    assert_eq!(fields(&violations), vec![("description", "required")]);
}

#[test]
fn moneyfusion_create_refuses_urls_that_are_not_http() {
    let mut request = payment(cart_order());
    request.return_url = "javascript:alert(1)".into();
    request.notify_url = String::new();
    let violations = adapter().initialize_payment(&request).unwrap_err();
    assert_eq!(
        fields(&violations),
        vec![("return_url", "invalid_url"), ("notify_url", "required")]
    );
}

#[test]
fn moneyfusion_create_success_gives_the_token_and_hosted_page() {
    let created = adapter()
        .read_created_payment(&HttpResponse::new(200, fixture("create_success.json")))
        .unwrap();
    assert_eq!(created.provider_ref, "5d58823b084564");
    assert_eq!(
        created.checkout_url,
        "https://www.pay.moneyfusion.net/pay/6596aded36bd58823b084564"
    );
}

#[test]
fn moneyfusion_create_success_accepts_total_price_as_string_or_number() {
    for (name, expected) in [
        (
            "create_success_total_price_string.json",
            "68f4442daaa85be3a9ca26d6",
        ),
        (
            "create_success_total_price_number.json",
            "68f4442daaa85be3a9ca26d7",
        ),
    ] {
        let body = fixture(name);
        let created = adapter()
            .read_created_payment(&HttpResponse::new(200, body.clone()))
            .unwrap();
        assert_eq!(created.provider_ref, expected);
        let wire: MoneyFusionPaymentResponse = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            wire.total_price.unwrap().to_money(Currency::XOF),
            Ok(xof(2500)),
            "{name}"
        );
    }
}

#[test]
fn moneyfusion_unauthorized_ip_is_a_provider_error_not_worth_retrying() {
    for status in [200, 403] {
        let error = adapter()
            .read_created_payment(&HttpResponse::new(
                status,
                fixture("create_unauthorized_ip.json"),
            ))
            .unwrap_err();
        assert_eq!(error.code, "unauthorized_ip");
        assert_eq!(
            error.message,
            "Unauthorized IP or unapproved application (203.0.113.7)"
        );
        assert_eq!(error.http_status, Some(status));
        assert!(!error.retryable);
    }
}

#[test]
fn moneyfusion_refusal_keeps_the_message_and_is_retryable_only_on_429_and_5xx() {
    for (status, retryable) in [(200, false), (400, false), (429, true), (503, true)] {
        let error = adapter()
            .read_created_payment(&HttpResponse::new(status, fixture("create_refused.json")))
            .unwrap_err();
        assert_eq!(error.code, "rejected", "{status}");
        assert_eq!(error.message, "Données de paiement invalides");
        assert_eq!(error.retryable, retryable, "{status}");
    }
}

#[test]
fn moneyfusion_unreadable_error_page_is_http_error_retryable_on_5xx() {
    let error = adapter()
        .read_created_payment(&HttpResponse::new(502, "<html>Bad Gateway</html>"))
        .unwrap_err();
    assert_eq!(error.code, "http_error");
    assert!(error.retryable);
    let error = adapter()
        .read_created_payment(&HttpResponse::new(200, "<html>ok</html>"))
        .unwrap_err();
    assert_eq!(error.code, "bad_response");
    assert!(!error.retryable);
}

#[test]
fn moneyfusion_success_without_token_or_with_a_non_http_page_is_bad_response() {
    for body in [
        json!({"statut": true, "message": "paiement en cours", "url": "https://x.example/p"}),
        json!({"statut": true, "token": "abc", "url": "javascript:alert(1)"}),
        json!({"statut": true, "token": "../../admin", "url": "https://x.example/p"}),
    ] {
        let error = adapter()
            .read_created_payment(&HttpResponse::new(200, body.to_string()))
            .unwrap_err();
        assert_eq!(error.code, "bad_response", "{body}");
    }
}

// ---------------------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------------------

#[test]
fn moneyfusion_status_is_a_plain_get_on_paiement_notif() {
    let request = adapter().check_payment(&token("0d1d8bc9b6d2819c"));
    assert_eq!(request.method, Method::Get);
    assert_eq!(
        request.url,
        "https://www.pay.moneyfusion.net/paiementNotif/0d1d8bc9b6d2819c"
    );
    assert!(request.body.is_empty());
    let sandbox = MoneyFusion::new(
        MoneyFusionConfig::new(
            ApiUrl::parse("http://127.0.0.1:8787/moneyfusion/Boutique/0123456789abcdef/pay/")
                .unwrap(),
        )
        .with_status_base_url("http://127.0.0.1:8787/moneyfusion/")
        .unwrap(),
    );
    assert_eq!(
        sandbox.check_payment(&token("t1")).url,
        "http://127.0.0.1:8787/moneyfusion/paiementNotif/t1"
    );
}

fn verify(name: &str) -> Result<guichet::providers::CheckedPayment, ProviderError> {
    adapter().read_payment_check(
        &token("Le4Cnmm1Ac9yTgZMKQbz"),
        &HttpResponse::new(200, fixture(name)),
    )
}

#[test]
fn moneyfusion_verify_paid_marks_session_paid_with_amount_and_reference() {
    let verification = verify("status_paid.json").unwrap();
    assert_eq!(verification.provider_ref, "Le4Cnmm1Ac9yTgZMKQbz");
    assert_eq!(verification.status, PaymentStatus::Succeeded);
    assert_eq!(verification.provider_status, "paid");
    assert_eq!(verification.amount, Some(xof(2500)));
    assert_eq!(verification.reference.as_deref(), Some("CMD-2024-0042"));
    assert_eq!(verification.settle(xof(2500)), PaymentStatus::Succeeded);
    assert_eq!(verification.settle(xof(3000)), PaymentStatus::Failed);
}

#[test]
fn moneyfusion_verify_reads_montant_given_as_a_string() {
    let verification = verify("status_paid_montant_string.json").unwrap();
    assert_eq!(verification.amount, Some(xof(2500)));
    assert_eq!(verification.status, PaymentStatus::Succeeded);
}

#[test]
fn moneyfusion_verify_maps_every_published_status() {
    for (name, status, word) in [
        ("status_pending.json", PaymentStatus::Pending, "pending"),
        ("status_failure.json", PaymentStatus::Failed, "failure"),
        ("status_failed.json", PaymentStatus::Failed, "failed"),
        ("status_no_paid.json", PaymentStatus::Cancelled, "no paid"),
        ("status_unknown.json", PaymentStatus::Pending, "processing"),
    ] {
        let verification = verify(name).unwrap();
        assert_eq!(verification.status, status, "{name}");
        assert_eq!(verification.provider_status, word, "{name}");
        assert_eq!(verification.reference.as_deref(), Some("CMD-2024-0042"));
        assert_eq!(verification.settle(xof(2500)), status, "{name}");
    }
}

#[test]
fn moneyfusion_verify_seed_sample_has_no_reference_of_ours() {
    let verification = adapter()
        .read_payment_check(
            &token("0d1d8bc9b6d2819c"),
            &HttpResponse::new(200, fixture("status_paid_seed.json")),
        )
        .unwrap();
    assert_eq!(verification.status, PaymentStatus::Succeeded);
    assert_eq!(verification.amount, Some(xof(200)));
    assert_eq!(verification.reference, None);
}

#[test]
fn moneyfusion_verify_unknown_token_is_not_found_or_rejected() {
    let not_found = adapter()
        .read_payment_check(
            &token("nope"),
            &HttpResponse::new(404, fixture("status_not_found.json")),
        )
        .unwrap_err();
    assert_eq!(not_found.code, "not_found");
    assert_eq!(not_found.message, "paiement introuvable");
    assert!(!not_found.retryable);
    let rejected = adapter()
        .read_payment_check(
            &token("nope"),
            &HttpResponse::new(200, fixture("status_not_found.json")),
        )
        .unwrap_err();
    assert_eq!(rejected.code, "rejected");
}

#[test]
fn moneyfusion_verify_refuses_an_answer_about_another_token() {
    let error = adapter()
        .read_payment_check(
            &token("SomeOtherToken"),
            &HttpResponse::new(200, fixture("status_paid.json")),
        )
        .unwrap_err();
    assert_eq!(error.code, "bad_response");
}

#[test]
fn moneyfusion_verify_paid_without_a_readable_amount_is_not_settled() {
    for montant in [Value::Null, json!("2 500"), json!(-2500), json!(2500.5)] {
        let mut body = fixture_json("status_paid.json");
        body["data"]["Montant"] = montant.clone();
        let error = adapter()
            .read_payment_check(
                &token("Le4Cnmm1Ac9yTgZMKQbz"),
                &HttpResponse::new(200, body.to_string()),
            )
            .unwrap_err();
        assert_eq!(error.code, "bad_response", "{montant}");
    }
    let mut pending = fixture_json("status_pending.json");
    pending["data"].as_object_mut().unwrap().remove("Montant");
    let verification = adapter()
        .read_payment_check(
            &token("Le4Cnmm1Ac9yTgZMKQbz"),
            &HttpResponse::new(200, pending.to_string()),
        )
        .unwrap();
    assert_eq!(verification.status, PaymentStatus::Pending);
    assert_eq!(verification.amount, None);
}

// ---------------------------------------------------------------------------------------
// Return
// ---------------------------------------------------------------------------------------

#[test]
fn moneyfusion_return_url_gives_the_token_to_ask_about() {
    let got = |url: &str| token_from_return_url(url).map(|t| t.as_str().to_owned());
    assert_eq!(
        got("https://shop.example/return?token=5d58823b084564").as_deref(),
        Some("5d58823b084564")
    );
    assert_eq!(
        got("https://shop.example/return?session=s1&token=abc#top").as_deref(),
        Some("abc")
    );
    assert_eq!(
        got("https://shop.example/return?session=s1?token=abc").as_deref(),
        Some("abc")
    );
    assert_eq!(
        got("https://shop.example/return?token=abc&token=abc").as_deref(),
        Some("abc")
    );
    assert_eq!(
        got("https://shop.example/return?token=a%62c").as_deref(),
        Some("abc")
    );
    for url in [
        "https://shop.example/return",
        "https://shop.example/return?tok=abc",
        "https://shop.example/return?token=",
        "https://shop.example/return?token=../admin",
        "https://shop.example/return?token=%zz",
        "https://shop.example/return?token=abc&token=def",
    ] {
        assert_eq!(got(url), None, "{url}");
    }
}

// ---------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------

fn payin(name: &str) -> guichet::providers::moneyfusion::UnverifiedEvent {
    match webhook::parse(&fixture(name)).unwrap() {
        Notification::Payin(event) => event,
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn moneyfusion_payin_notifications_give_only_a_token_to_confirm() {
    for (name, event) in [
        ("webhook_payin_pending.json", PayinEvent::Pending),
        ("webhook_payin_completed.json", PayinEvent::Completed),
        ("webhook_payin_cancelled.json", PayinEvent::Cancelled),
    ] {
        let unverified = payin(name);
        assert_eq!(unverified.event(), event, "{name}");
        assert_eq!(unverified.token().as_str(), "Le4Cnmm1Ac9yTgZMKQbz");
        assert_eq!(
            unverified.confirm_request(&adapter()),
            adapter().check_payment(&token("Le4Cnmm1Ac9yTgZMKQbz"))
        );
    }
}

#[test]
fn moneyfusion_only_a_step_forward_is_worth_confirming() {
    let pending = payin("webhook_payin_pending.json");
    let completed = payin("webhook_payin_completed.json");
    let cancelled = payin("webhook_payin_cancelled.json");
    assert!(!pending.is_step_forward(PaymentStatus::Pending));
    assert!(completed.is_step_forward(PaymentStatus::Pending));
    assert!(cancelled.is_step_forward(PaymentStatus::Pending));
    for done in [
        PaymentStatus::Succeeded,
        PaymentStatus::Failed,
        PaymentStatus::Cancelled,
        PaymentStatus::Expired,
    ] {
        assert!(!pending.is_step_forward(done));
        assert!(!completed.is_step_forward(done));
        assert!(!cancelled.is_step_forward(done));
    }
}

#[test]
fn moneyfusion_repeated_and_late_notifications_cause_one_status_call_and_one_change() {
    // Seed 003: pending repeats, completed arrives twice, a stale cancelled comes last.
    let arrivals = [
        "webhook_payin_pending.json",
        "webhook_payin_pending.json",
        "webhook_payin_completed.json",
        "webhook_payin_completed.json",
        "webhook_payin_cancelled.json",
    ];
    let mut current = PaymentStatus::Pending;
    let mut status_calls = 0;
    let mut changes = Vec::new();
    for name in arrivals {
        let event = payin(name);
        if !event.is_step_forward(current) {
            continue;
        }
        status_calls += 1;
        let _request = event.confirm_request(&adapter());
        let verified = adapter()
            .read_payment_check(
                event.token(),
                &HttpResponse::new(200, fixture("status_paid.json")),
            )
            .unwrap();
        if let guichet::domain::Transition::Advance(next) =
            current.transition(verified.settle(xof(2500)))
        {
            current = next;
            changes.push(next);
        }
    }
    assert_eq!(status_calls, 1);
    assert_eq!(changes, vec![PaymentStatus::Succeeded]);
}

#[test]
fn moneyfusion_payout_notification_counts_only_for_the_token_we_were_given() {
    let Notification::Payout(event) =
        webhook::parse(&fixture("webhook_payout_completed.json")).unwrap()
    else {
        panic!("not a payout");
    };
    assert_eq!(event.event(), PayoutEvent::Completed);
    assert_eq!(event.token(), Some("D0h6fjyjkCfi"));
    assert_eq!(
        event.outcome_for("D0h6fjyjkCfi"),
        Some(PaymentStatus::Succeeded)
    );
    assert_eq!(event.outcome_for("D0h6fjyjkCfj"), None);
    let (amount, phone, mode) = event.details();
    assert_eq!(amount.unwrap().to_money(Currency::XOF), Ok(xof(205)));
    assert_eq!(phone, Some("0501020304"));
    assert_eq!(mode, Some("mtn-ci"));
    assert!(event.is_step_forward(PaymentStatus::Pending));
    assert!(!event.is_step_forward(PaymentStatus::Succeeded));
}

#[test]
fn moneyfusion_payout_sample_without_token_matches_nothing() {
    let Notification::Payout(event) =
        webhook::parse(&fixture("webhook_payout_cancelled.json")).unwrap()
    else {
        panic!("not a payout");
    };
    assert_eq!(event.event(), PayoutEvent::Cancelled);
    assert_eq!(event.event().claimed_status(), PaymentStatus::Failed);
    assert_eq!(event.token(), None);
    assert_eq!(event.outcome_for(""), None);
}

#[test]
fn moneyfusion_unknown_event_is_kept_by_name_and_changes_nothing() {
    assert_eq!(
        webhook::parse(&fixture("webhook_unknown_event.json")).unwrap(),
        Notification::Unknown {
            event: "payin.session.refunded".into()
        }
    );
}

#[test]
fn moneyfusion_malformed_notifications_are_refused() {
    use guichet::providers::moneyfusion::WebhookError;
    assert_eq!(webhook::parse(b"not json"), Err(WebhookError::BadParse));
    assert_eq!(webhook::parse(b"{}"), Err(WebhookError::BadParse));
    assert_eq!(
        webhook::parse(br#"{"event": "payin.session.completed"}"#),
        Err(WebhookError::BadParse)
    );
    assert_eq!(
        webhook::parse(br#"{"event": "payin.session.completed", "tokenPay": "../x"}"#),
        Err(WebhookError::BadToken)
    );
    assert_eq!(
        webhook::parse(br#"{"event": "payout.session.completed", "tokenPay": "a b"}"#),
        Err(WebhookError::BadToken)
    );
}

// ---------------------------------------------------------------------------------------
// Payouts
// ---------------------------------------------------------------------------------------

fn withdrawal_input() -> WithdrawalInput {
    WithdrawalInput {
        country: Some("ci".into()),
        method: Some("mtn-ci".into()),
        phone: Some("05 01 02 03 04".into()),
        amount: xof(200),
        webhook_url: Some("https://your-server.com/api/withdraw/callback".into()),
    }
}

#[test]
fn moneyfusion_withdraw_posts_the_published_body_with_the_private_key_header() {
    let withdrawal = Withdrawal::parse(&withdrawal_input()).unwrap();
    let request = adapter().initialize_payout(&withdrawal).unwrap();
    assert_eq!(request.method, Method::Post);
    assert_eq!(request.url, "https://pay.moneyfusion.net/api/v1/withdraw");
    assert_eq!(
        request.header_value("moneyfusion-private-key"),
        Some(PRIVATE_KEY)
    );
    assert_eq!(
        request.header_value("content-type"),
        Some("application/json")
    );
    assert_eq!(body_of(&request), fixture_json("withdraw_request.json"));
}

#[test]
fn moneyfusion_withdraw_takes_the_country_from_the_mode_and_skips_an_absent_webhook() {
    let withdrawal = Withdrawal::parse(&WithdrawalInput {
        country: None,
        method: Some("Wave-Senegal".into()),
        phone: Some("+221 77 123 45 67".into()),
        amount: xof(5000),
        webhook_url: None,
    })
    .unwrap();
    assert_eq!(withdrawal.mode(), WithdrawMode::WaveSenegal);
    assert_eq!(withdrawal.country(), Country::SN);
    let body = serde_json::to_value(withdrawal.body()).unwrap();
    assert_eq!(
        body,
        json!({"countryCode": "sn", "phone": "771234567", "amount": 5000, "withdraw_mode": "wave-senegal"})
    );
}

#[test]
fn moneyfusion_withdraw_validates_mode_country_phone_and_amount_before_sending() {
    let mut input = withdrawal_input();
    input.method = Some("mtn-gh".into());
    input.amount = Money::zero(Currency::XOF);
    assert_eq!(
        fields(&Withdrawal::parse(&input).unwrap_err()),
        vec![("method", "invalid_method"), ("amount", "amount_too_small")]
    );

    let mut input = withdrawal_input();
    input.country = Some("sn".into());
    assert_eq!(
        fields(&Withdrawal::parse(&input).unwrap_err()),
        vec![("country", "country_mismatch")]
    );

    let mut input = withdrawal_input();
    input.phone = Some("+221 77 123 45 67".into());
    input.amount = Money::from_major(5, Currency::USD).unwrap();
    assert_eq!(
        fields(&Withdrawal::parse(&input).unwrap_err()),
        vec![
            ("phone", "invalid_phone"),
            ("amount", "unsupported_currency")
        ]
    );

    let mut input = withdrawal_input();
    input.phone = None;
    input.method = None;
    input.country = Some("zz".into());
    input.webhook_url = Some("ftp://x".into());
    assert_eq!(
        fields(&Withdrawal::parse(&input).unwrap_err()),
        vec![
            ("method", "required"),
            ("country", "invalid_country"),
            ("phone", "required"),
            ("webhook_url", "invalid_url"),
        ]
    );

    let mut input = withdrawal_input();
    input.phone = Some("05 01 02".into());
    assert_eq!(
        fields(&Withdrawal::parse(&input).unwrap_err()),
        vec![("phone", "invalid_phone")]
    );
}

#[test]
fn moneyfusion_every_withdraw_mode_reads_back_and_belongs_to_a_published_country() {
    for mode in WithdrawMode::ALL {
        assert_eq!(WithdrawMode::parse(mode.as_str()), Some(mode));
        assert_eq!(
            WithdrawMode::parse(&mode.as_str().to_ascii_uppercase()),
            Some(mode)
        );
        assert!(
            [
                Country::CI,
                Country::SN,
                Country::BF,
                Country::BJ,
                Country::TG,
                Country::ML
            ]
            .contains(&mode.country()),
            "{mode:?}"
        );
    }
}

#[test]
fn moneyfusion_withdraw_needs_the_private_key() {
    let without_key = MoneyFusion::new(MoneyFusionConfig::new(ApiUrl::parse(API_URL).unwrap()));
    let error = without_key
        .initialize_payout(&Withdrawal::parse(&withdrawal_input()).unwrap())
        .unwrap_err();
    assert_eq!(error.code, "payouts_not_configured");
    assert!(!error.retryable);
}

#[test]
fn moneyfusion_withdraw_success_gives_the_token_pay() {
    let submitted = adapter()
        .read_created_payout(&HttpResponse::new(200, fixture("withdraw_success.json")))
        .unwrap();
    assert_eq!(submitted.provider_ref, "D0h6fjyjkCfi");
    assert_eq!(
        submitted.message.as_deref(),
        Some("Retrait soumis avec succès")
    );
}

#[test]
fn moneyfusion_withdraw_errors_are_never_retried_except_429() {
    for (status, retryable) in [(200, false), (400, false), (429, true), (500, false)] {
        let error = adapter()
            .read_created_payout(&HttpResponse::new(status, fixture("withdraw_error.json")))
            .unwrap_err();
        assert_eq!(error.code, "rejected");
        assert_eq!(
            error.message,
            "Tous les champs (countryCode, phone, amount, withdraw_mode) sont requis."
        );
        assert_eq!(error.retryable, retryable, "{status}");
    }
    let error = adapter()
        .read_created_payout(&HttpResponse::new(503, "upstream timeout"))
        .unwrap_err();
    assert_eq!(error.code, "http_error");
    assert!(!error.retryable);
    let error = adapter()
        .read_created_payout(&HttpResponse::new(
            403,
            fixture("withdraw_unauthorized_ip.json"),
        ))
        .unwrap_err();
    assert_eq!(error.code, "unauthorized_ip");
    let error = adapter()
        .read_created_payout(&HttpResponse::new(
            401,
            r#"{"statut": false, "message": "Clé invalide"}"#,
        ))
        .unwrap_err();
    assert_eq!(error.code, "unauthorized");
}

// ---------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------

fn assert_no_secret(shown: &str) {
    assert!(!shown.contains(APP_ID), "{shown}");
    assert!(!shown.contains("Boutique/"), "{shown}");
    assert!(!shown.contains(PRIVATE_KEY), "{shown}");
}

#[test]
fn moneyfusion_debug_output_never_shows_the_api_url_or_private_key() {
    let adapter = adapter();
    assert_no_secret(&format!("{:?}", ApiUrl::parse(API_URL).unwrap()));
    assert_no_secret(&format!("{adapter:?}"));
    assert_no_secret(&format!("{:?}", adapter.config()));
    assert_no_secret(&format!(
        "{:?}",
        adapter.initialize_payment(&payment(cart_order())).unwrap()
    ));
    assert_no_secret(&format!(
        "{:?}",
        adapter
            .initialize_payout(&Withdrawal::parse(&withdrawal_input()).unwrap())
            .unwrap()
    ));
    assert!(
        format!("{:?}", adapter.config()).contains("private_key: Some(SecretKey(***))"),
        "{:?}",
        adapter.config()
    );
}

#[test]
fn moneyfusion_provider_errors_never_quote_the_api_url() {
    let echo = json!({
        "statut": false,
        "message": format!("application {API_URL} inconnue ({})", APP_ID.to_uppercase()),
    })
    .to_string();
    let adapter = adapter();
    let errors = [
        adapter
            .read_created_payment(&HttpResponse::new(400, echo.clone()))
            .unwrap_err(),
        adapter
            .read_payment_check(&token("t"), &HttpResponse::new(400, echo.clone()))
            .unwrap_err(),
        adapter
            .read_created_payout(&HttpResponse::new(400, echo))
            .unwrap_err(),
    ];
    for error in errors {
        assert_eq!(error.message, "application *** inconnue (***)");
        assert_no_secret(&format!("{error:?}"));
        assert_no_secret(&error.to_string());
    }
}

#[test]
fn moneyfusion_config_errors_name_the_setting_not_its_value() {
    let wrong = "https://www.pay.moneyfusion.net/Boutique/0123456789abcdef/paye/";
    let error = ApiUrl::parse(wrong).unwrap_err();
    assert_no_secret(&error.to_string());
    assert_no_secret(&format!("{error:?}"));
    assert!(error.to_string().contains("MONEYFUSION_API_URL"));
}

// ---------------------------------------------------------------------------------------
// Round trips: every fixture reads into its wire type and writes back the same JSON.
// ---------------------------------------------------------------------------------------

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(name: &str) {
    let original = fixture_json(name);
    let typed: T =
        serde_json::from_value(original.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(serde_json::to_value(&typed).unwrap(), original, "{name}");
}

#[test]
fn moneyfusion_every_fixture_round_trips_through_its_wire_type() {
    let dir = format!("{}/tests/fixtures/moneyfusion", env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        match name.split('_').next().unwrap() {
            "create" if name == "create_request.json" => {
                round_trip::<MoneyFusionPaymentRequest>(&name)
            }
            "create" => round_trip::<MoneyFusionPaymentResponse>(&name),
            "status" => round_trip::<MoneyFusionStatusResponse>(&name),
            "webhook" if name.starts_with("webhook_payout") => {
                round_trip::<MoneyFusionPayoutWebhook>(&name)
            }
            "webhook" if name == "webhook_unknown_event.json" => {
                assert!(webhook::parse(&fixture(&name)).is_ok())
            }
            "webhook" => round_trip::<MoneyFusionPayinWebhook>(&name),
            "withdraw" if name == "withdraw_request.json" => {
                round_trip::<MoneyFusionWithdrawRequest>(&name)
            }
            "withdraw" => round_trip::<MoneyFusionWithdrawResponse>(&name),
            _ => panic!("fixture without a wire type: {name}"),
        }
        seen += 1;
    }
    assert_eq!(seen, 25);
}

#[test]
fn moneyfusion_built_request_round_trips_and_matches_the_published_request_shape() {
    let request = adapter()
        .initialize_payment(&payment(cart_order()))
        .unwrap();
    let typed: MoneyFusionPaymentRequest = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(serde_json::to_vec(&typed).unwrap(), request.body);
    // Same top-level fields as MoneyFusion's own example, and no others.
    let ours = body_of(&request);
    let published = fixture_json("create_request.json");
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&ours), keys(&published));
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

fn name_strategy() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9 éèàçô'-]{0,40}"
}

prop_compose! {
    fn line_strategy()(name in name_strategy(), price in 1u64..2_000_000, quantity in 1u32..50)
        -> LineItem {
        item(&name, price, quantity)
    }
}

prop_compose! {
    fn order_strategy()(
        reference in "[A-Z0-9][A-Z0-9-]{0,39}",
        description in name_strategy(),
        items in prop::collection::vec(line_strategy(), 0..8),
        bare_total in 1u64..1_000_000_000,
    ) -> Order {
        if items.is_empty() {
            Order { reference, description, items, amount: xof(bare_total) }
        } else {
            Order::from_items(reference, description, items).unwrap()
        }
    }
}

prop_compose! {
    fn metadata_strategy()(
        entries in prop::collection::btree_map("[a-z_]{1,12}", "[A-Za-z0-9 ]{0,20}", 0..4)
    ) -> Metadata {
        Metadata::parse(entries, "metadata").unwrap()
    }
}

prop_compose! {
    fn phone_strategy()(prefix in prop::sample::select(vec!["01", "05", "07", "27"]), rest in "[0-9]{8}")
        -> Phone {
        Phone::parse(&format!("{prefix}{rest}"), Some(Country::CI)).unwrap()
    }
}

fn article_sum(body: &Value) -> u64 {
    body["article"]
        .as_array()
        .unwrap()
        .iter()
        .map(|article| {
            let object = article.as_object().unwrap();
            assert_eq!(object.len(), 1, "one name per article: {article}");
            let (name, price) = object.iter().next().unwrap();
            assert!(!name.trim().is_empty());
            price.as_u64().unwrap()
        })
        .sum()
}

proptest! {
    #[test]
    fn moneyfusion_every_built_request_meets_the_published_constraints(
        order in order_strategy(),
        metadata in metadata_strategy(),
        phone in phone_strategy(),
        first in prop::option::of("[A-Z][a-zé]{0,15}"),
        last in prop::option::of("[A-Z][a-zé]{0,15}"),
        drop_phone in any::<bool>(),
        surcharge in prop::option::of(1u64..10_000),
    ) {
        let mut order = order;
        let consistent = surcharge.is_none() || order.items.is_empty();
        if let Some(extra) = surcharge {
            order.amount = order.amount.checked_add(xof(extra)).unwrap();
        }
        let mut request = payment(order.clone());
        request.metadata = metadata.clone();
        request.customer.phone = (!drop_phone).then_some(phone.clone());
        request.customer.first_name = first.clone();
        request.customer.last_name = last.clone();
        let complete = !drop_phone && (first.is_some() || last.is_some());

        match adapter().initialize_payment(&request) {
            Ok(http) => {
                prop_assert!(complete && consistent);
                prop_assert_eq!(http.method, Method::Post);
                prop_assert_eq!(http.url.as_str(), API_URL);
                let body = body_of(&http);
                let total = body["totalPrice"].as_u64().unwrap();
                prop_assert_eq!(total, order.amount.major_exact().unwrap());
                prop_assert_eq!(article_sum(&body), total);
                prop_assert_eq!(
                    body["article"].as_array().unwrap().len(),
                    order.items.len().max(1)
                );
                let numero = body["numeroSend"].as_str().unwrap();
                prop_assert_eq!(numero, phone.national_number());
                prop_assert!(numero.len() == 10 && numero.bytes().all(|b| b.is_ascii_digit()));
                prop_assert!(!body["nomclient"].as_str().unwrap().trim().is_empty());
                prop_assert_eq!(
                    body["personal_Info"][0]["reference"].as_str(),
                    Some(order.reference.as_str())
                );
                for (key, value) in metadata.iter() {
                    prop_assert_eq!(body["personal_Info"][1][key].as_str(), Some(value));
                }
                prop_assert_eq!(body["return_url"].as_str(), Some(RETURN_URL));
                prop_assert_eq!(body["webhook_url"].as_str(), Some(NOTIFY_URL));
            }
            Err(violations) => {
                prop_assert!(!(complete && consistent));
                prop_assert!(!violations.is_empty());
            }
        }
    }

    #[test]
    fn moneyfusion_return_url_token_round_trips(
        token_text in "[A-Za-z0-9_-]{1,64}",
        query in prop::option::of("[a-z]{1,8}=[a-z0-9]{1,8}"),
    ) {
        let url = match query {
            Some(q) => format!("{RETURN_URL}?{q}&token={token_text}"),
            None => format!("{RETURN_URL}?token={token_text}"),
        };
        prop_assert_eq!(
            token_from_return_url(&url).map(|t| t.as_str().to_owned()),
            Some(token_text)
        );
    }

    #[test]
    fn moneyfusion_montant_reads_the_same_as_number_or_string(major in 0u64..(1u64 << 53)) {
        let number = MoneyFusionAmount::from(major).to_money(Currency::XOF);
        let text = MoneyFusionAmount::Text(major.to_string()).to_money(Currency::XOF);
        prop_assert_eq!(number, Ok(xof(major)));
        prop_assert_eq!(text, Ok(xof(major)));
    }
}
