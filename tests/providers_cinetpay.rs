#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The CinetPay adapter on CinetPay's published shapes: one fixture per documented answer
//! in `tests/fixtures/cinetpay/`, the notification `x-token` against references computed
//! outside this crate (Python's `hmac`), and properties of every request the builder emits.
#![cfg(all(feature = "edge", not(target_arch = "wasm32")))]

use guichet::domain::{
    Country, Currency, Customer, Lang, Metadata, Money, Order, PaymentStatus, Phone,
};
use guichet::form;
use guichet::http::{HttpRequest, HttpResponse, Method};
use guichet::providers::cinetpay::wire::{CinetpayPaymentRequest, CinetpayResponse};
use guichet::providers::cinetpay::{
    read_notification, read_return, read_transfer_notification, sign_notification,
    verify_notification, CheckoutCode, Cinetpay, CinetpayPaymentStatus, CinetpayPayout, Inbound,
    Keys, NotificationError, PaymentNotification, PaymentOptions, ReturnVisit, TransferCode,
    TransferContact, TransferNotification, TransferOrder, TransferToken, TreatmentStatus,
    DEFAULT_CHECKOUT_BASE, DEFAULT_TRANSFER_BASE,
};
use guichet::providers::{
    CheckedPayout, PaymentRequest, PayoutAnswer, PayoutCall, PayoutStep, ProviderError,
};
use serde_json::Value;

const APIKEY: &str = "12912847765bc0db748fdd44.40081707";
const SITE_ID: &str = "445160";
const SECRET: &str = "202123aa5a5f8b8b1f3d2f0a6d2cbe77";
const PASSWORD: &str = "transfer-pass-9931";
const TOKEN: &str = "5df64dd9c5447739327eb88e1e4ea0ac015555cc262ea308c91acbd4e5c8fb95f4bd0bd7cad877a452f877fa6f51fe74184d00a84ab7f9";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/cinetpay/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fixture_text(name: &str) -> String {
    String::from_utf8(fixture(name)).unwrap().trim().to_owned()
}

fn answer(status: u16, name: &str) -> HttpResponse {
    HttpResponse::new(status, fixture(name))
}

fn keys() -> Keys {
    Keys::new(APIKEY, SITE_ID, SECRET).with_transfer_password(PASSWORD)
}

fn connector() -> Cinetpay {
    Cinetpay::new(keys())
}

fn phone(text: &str) -> Phone {
    Phone::parse(text, Some(Country::CI)).unwrap()
}

fn no_customer() -> Customer {
    Customer {
        email: None,
        first_name: None,
        last_name: None,
        phone: None,
        country: None,
        address: None,
        city: None,
        state: None,
        zip: None,
    }
}

fn card_customer() -> Customer {
    Customer {
        email: Some("awa.kone@example.ci".into()),
        first_name: Some("Awa".into()),
        last_name: Some("Koné".into()),
        phone: Some(phone("07 01 02 03 04")),
        country: Some(Country::CI),
        address: Some("Rue des Jardins 12".into()),
        city: Some("Abidjan".into()),
        state: Some("CI".into()),
        zip: Some("00225".into()),
    }
}

fn money(minor: u64, currency: Currency) -> Money {
    Money::from_minor(minor, currency).unwrap()
}

fn payment(amount: Money, channels: Option<&str>, customer: Customer) -> PaymentRequest {
    PaymentRequest {
        order: Order {
            reference: "ord-20240915-0042".into(),
            description: "Commande 42 - Boutique Awa".into(),
            items: Vec::new(),
            amount,
        },
        customer,
        lang: Lang::Fr,
        return_url: "https://shop.example/api/return/cinetpay".into(),
        notify_url: "https://shop.example/api/webhooks/cinetpay".into(),
        channels: channels.map(str::to_owned),
        methods: Vec::new(),
        metadata: Metadata::default(),
    }
}

fn xof_payment() -> PaymentRequest {
    payment(money(2500, Currency::XOF), None, no_customer())
}

fn body_json(request: &HttpRequest) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    form::decode(body)
        .unwrap()
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

fn codes(violations: &guichet::domain::Violations) -> Vec<(String, String)> {
    violations
        .as_slice()
        .iter()
        .map(|v| (v.field.clone(), v.code.clone()))
        .collect()
}

fn assert_error(error: &ProviderError, code: &str, retryable: bool, says: &str) {
    assert_eq!(error.code, code, "{error:?}");
    assert_eq!(error.retryable, retryable, "{error:?}");
    assert!(
        error.message.contains(says),
        "{:?} lacks {says:?}",
        error.message
    );
    assert_eq!(error.provider, guichet::domain::Provider::CinetPay);
}

// ---------------------------------------------------------------- keys and connector

#[test]
fn keys_debug_prints_stars_for_every_credential() {
    let shown = format!("{:?}", keys());
    for secret in [APIKEY, SECRET, PASSWORD] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(shown.contains("***"), "{shown}");
    assert!(shown.contains(SITE_ID), "site id is not a secret: {shown}");
    let connector_shown = format!("{:?}", connector());
    assert!(!connector_shown.contains(APIKEY) && !connector_shown.contains(SECRET));
}

#[test]
fn connector_defaults_to_cinetpay_hosts_and_accepts_overrides() {
    let cinetpay = connector();
    assert_eq!(
        cinetpay.checkout_base(),
        "https://api-checkout.cinetpay.com"
    );
    assert_eq!(cinetpay.transfer_base(), "https://client.cinetpay.com");
    assert_eq!(DEFAULT_CHECKOUT_BASE, "https://api-checkout.cinetpay.com");
    assert_eq!(DEFAULT_TRANSFER_BASE, "https://client.cinetpay.com");
    let local = cinetpay
        .with_checkout_base("http://127.0.0.1:9000/cinetpay/")
        .with_transfer_base("http://127.0.0.1:9000/cinetpay-transfer")
        .with_user_agent("   ");
    let request = local.check_payment("ord-1");
    assert_eq!(
        request.url,
        "http://127.0.0.1:9000/cinetpay/v2/payment/check"
    );
    assert!(
        local.user_agent().starts_with("guichet/"),
        "a blank user agent is ignored"
    );
    assert_eq!(local.with_user_agent("shop/2").user_agent(), "shop/2");
}

#[test]
fn provider_error_never_shows_the_apikey_even_when_cinetpay_echoes_it() {
    let error = connector()
        .read_payment_token(&answer(200, "payment_error_609.json"))
        .unwrap_err();
    for shown in [format!("{error:?}"), error.to_string()] {
        assert!(!shown.contains(APIKEY), "{shown}");
        assert!(shown.contains("***"), "{shown}");
    }
}

// ---------------------------------------------------------------- POST /v2/payment

#[test]
fn initialize_posts_json_with_keys_in_the_body_and_a_user_agent() {
    let request = connector().initialize_payment(&xof_payment()).unwrap();
    assert_eq!(request.method, Method::Post);
    assert_eq!(request.url, "https://api-checkout.cinetpay.com/v2/payment");
    assert_eq!(
        request.header_value("content-type"),
        Some("application/json")
    );
    assert!(request
        .header_value("user-agent")
        .is_some_and(|ua| !ua.is_empty()));
    assert_eq!(request.header_value("authorization"), None);
    let body = body_json(&request);
    assert_eq!(body["apikey"], APIKEY);
    assert_eq!(body["site_id"], SITE_ID);
    assert_eq!(body["transaction_id"], "ord-20240915-0042");
    assert_eq!(body["amount"], 2500);
    assert!(body["amount"].is_u64(), "amount is a JSON integer");
    assert_eq!(body["currency"], "XOF");
    assert_eq!(body["description"], "Commande 42 - Boutique Awa");
    assert_eq!(
        body["notify_url"],
        "https://shop.example/api/webhooks/cinetpay"
    );
    assert_eq!(
        body["return_url"],
        "https://shop.example/api/return/cinetpay"
    );
    assert_eq!(body["lang"], "fr");
    assert!(body.get("metadata").is_none() && body.get("lock_phone_number").is_none());
    assert!(!format!("{request:?}").contains(APIKEY));
}

#[test]
fn initialize_without_channels_asks_for_mobile_money_and_wallets_only() {
    let body = body_json(&connector().initialize_payment(&xof_payment()).unwrap());
    assert_eq!(body["channels"], "MOBILE_MONEY,WALLET");
    assert!(body.get("customer_name").is_none(), "no identity is needed");
}

#[test]
fn initialize_normalizes_channels() {
    let request = payment(
        money(1000, Currency::XOF),
        Some(" mobile_money , wallet,MOBILE_MONEY"),
        no_customer(),
    );
    let body = body_json(&connector().initialize_payment(&request).unwrap());
    assert_eq!(body["channels"], "MOBILE_MONEY,WALLET");
}

#[test]
fn initialize_card_payment_sends_the_shoppers_identity_with_name_as_family_name() {
    let request = payment(money(10_000, Currency::XOF), Some("ALL"), card_customer());
    let body = body_json(&connector().initialize_payment(&request).unwrap());
    assert_eq!(body["channels"], "ALL");
    assert_eq!(body["customer_name"], "Koné");
    assert_eq!(body["customer_surname"], "Awa");
    assert_eq!(body["customer_email"], "awa.kone@example.ci");
    assert_eq!(body["customer_phone_number"], "+2250701020304");
    assert_eq!(body["customer_address"], "Rue des Jardins 12");
    assert_eq!(body["customer_city"], "Abidjan");
    assert_eq!(body["customer_country"], "CI");
    assert_eq!(body["customer_state"], "CI");
    assert_eq!(body["customer_zip_code"], "00225");
}

#[test]
fn initialize_card_payment_without_identity_names_every_missing_field() {
    for channels in ["ALL", "CREDIT_CARD", "MOBILE_MONEY,CREDIT_CARD"] {
        let request = payment(money(10_000, Currency::XOF), Some(channels), no_customer());
        let violations = connector().initialize_payment(&request).unwrap_err();
        let fields: Vec<&str> = violations
            .as_slice()
            .iter()
            .map(|v| v.field.as_str())
            .collect();
        assert_eq!(
            fields,
            [
                "customer.last_name",
                "customer.first_name",
                "customer.email",
                "customer.phone",
                "customer.address",
                "customer.city",
                "customer.country",
                "customer.state",
                "customer.zip"
            ],
            "{channels}"
        );
        assert!(violations
            .as_slice()
            .iter()
            .all(|v| v.code == "required_for_card"
                && v.message.fr.contains("carte")
                && v.message.en.contains("card")));
    }
}

#[test]
fn initialize_refuses_an_amount_that_is_not_a_multiple_of_5() {
    let violations = connector()
        .initialize_payment(&payment(money(2502, Currency::XOF), None, no_customer()))
        .unwrap_err();
    let v = violations.for_field("amount").unwrap();
    assert_eq!(v.code, "amount_not_multiple_of_5");
    assert!(v.message.fr.contains("multiples de 5") && v.message.en.contains("multiple of 5"));
}

#[test]
fn initialize_sends_usd_in_whole_dollars_and_refuses_cents() {
    let body = body_json(
        &connector()
            .initialize_payment(&payment(money(2500, Currency::USD), None, no_customer()))
            .unwrap(),
    );
    assert_eq!(body["amount"], 25);
    assert_eq!(body["currency"], "USD");
    let violations = connector()
        .initialize_payment(&payment(money(2550, Currency::USD), None, no_customer()))
        .unwrap_err();
    assert_eq!(
        violations.for_field("amount").unwrap().code,
        "fractional_amount"
    );
}

#[test]
fn initialize_refuses_a_zero_amount() {
    let violations = connector()
        .initialize_payment(&payment(money(0, Currency::XOF), None, no_customer()))
        .unwrap_err();
    assert_eq!(
        violations.for_field("amount").unwrap().code,
        "amount_too_small"
    );
}

#[test]
fn initialize_refuses_currencies_cinetpay_does_not_take() {
    for currency in [Currency::NGN, Currency::EUR, Currency::GHS] {
        let violations = connector()
            .initialize_payment(&payment(money(100_000, currency), None, no_customer()))
            .unwrap_err();
        let v = violations.for_field("currency").unwrap();
        assert_eq!(v.code, "currency_not_supported", "{currency}");
        assert!(v.message.en.contains("XOF, XAF, CDF, GNF and USD"));
    }
    for currency in [
        Currency::XOF,
        Currency::XAF,
        Currency::CDF,
        Currency::GNF,
        Currency::USD,
    ] {
        let amount = Money::from_major(500, currency).unwrap();
        assert!(
            connector()
                .initialize_payment(&payment(amount, None, no_customer()))
                .is_ok(),
            "{currency}"
        );
    }
}

#[test]
fn initialize_description_names_the_forbidden_character() {
    for forbidden in ['#', '/', '$', '_', '&'] {
        let mut request = xof_payment();
        request.order.description = format!("Commande {forbidden}42");
        let violations = connector().initialize_payment(&request).unwrap_err();
        let v = violations.for_field("description").unwrap();
        assert_eq!(v.code, "forbidden_character");
        assert!(
            v.message.fr.contains(&format!("« {forbidden} »")),
            "{}",
            v.message.fr
        );
        assert!(
            v.message.en.contains(&format!("\"{forbidden}\"")),
            "{}",
            v.message.en
        );
    }
    let mut request = xof_payment();
    request.order.description = "T-shirt #2 & short".into();
    let v = connector().initialize_payment(&request).unwrap_err();
    let message = &v.for_field("description").unwrap().message;
    assert!(
        message.en.contains("characters \"#\", \"&\""),
        "{}",
        message.en
    );
    request.order.description = "   ".into();
    assert_eq!(
        connector()
            .initialize_payment(&request)
            .unwrap_err()
            .for_field("description")
            .unwrap()
            .code,
        "required"
    );
}

#[test]
fn initialize_refuses_a_reference_with_special_characters() {
    for reference in ["ord_42", "ord 42", "ord/42", "", "commande-é"] {
        let mut request = xof_payment();
        request.order.reference = reference.into();
        let violations = connector().initialize_payment(&request).unwrap_err();
        assert_eq!(
            violations.for_field("reference").unwrap().code,
            "invalid_reference",
            "{reference:?}"
        );
    }
}

#[test]
fn initialize_refuses_unknown_channels() {
    for channels in ["PAYPAL", "", " , ", "ALL,BITCOIN"] {
        let request = payment(money(1000, Currency::XOF), Some(channels), no_customer());
        let violations = connector().initialize_payment(&request).unwrap_err();
        assert_eq!(
            violations.for_field("channels").unwrap().code,
            "invalid_channels",
            "{channels:?}"
        );
    }
}

#[test]
fn initialize_takes_at_most_three_invoice_lines() {
    let lines = |n: usize| PaymentOptions {
        invoice_data: (1..=n)
            .map(|i| (format!("Ligne{i}"), format!("valeur {i}")))
            .collect(),
        lock_phone_number: false,
    };
    let body = body_json(
        &connector()
            .initialize_payment_with(&xof_payment(), &lines(3))
            .unwrap(),
    );
    assert_eq!(body["invoice_data"]["Ligne3"], "valeur 3");
    let violations = connector()
        .initialize_payment_with(&xof_payment(), &lines(4))
        .unwrap_err();
    let v = violations.for_field("invoice_data").unwrap();
    assert_eq!(v.code, "too_many_invoice_entries");
    assert!(v.message.en.contains("there are 4"));
}

#[test]
fn initialize_locks_the_phone_only_with_a_valid_phone() {
    let lock = PaymentOptions {
        invoice_data: Default::default(),
        lock_phone_number: true,
    };
    let violations = connector()
        .initialize_payment_with(&xof_payment(), &lock)
        .unwrap_err();
    assert_eq!(
        violations.for_field("customer.phone").unwrap().code,
        "phone_required_to_lock"
    );

    let mut foreign = no_customer();
    foreign.phone = Some(Phone::parse("+33612345678", None).unwrap());
    let request = payment(money(2500, Currency::XOF), None, foreign);
    let violations = connector()
        .initialize_payment_with(&request, &lock)
        .unwrap_err();
    assert_eq!(
        violations.for_field("customer.phone").unwrap().code,
        "invalid_phone"
    );

    let mut ivorian = no_customer();
    ivorian.phone = Some(phone("05 04 31 55 45"));
    let request = payment(money(2500, Currency::XOF), None, ivorian);
    let body = body_json(
        &connector()
            .initialize_payment_with(&request, &lock)
            .unwrap(),
    );
    assert_eq!(body["lock_phone_number"], true);
    assert_eq!(body["customer_phone_number"], "+2250504315545");
}

#[test]
fn initialize_refuses_localhost_and_non_http_urls() {
    let mut request = xof_payment();
    request.notify_url = "http://localhost:8787/api/webhooks/cinetpay".into();
    request.return_url = "javascript:alert(1)".into();
    let violations = connector().initialize_payment(&request).unwrap_err();
    let notify = violations.for_field("notify_url").unwrap();
    assert_eq!(notify.code, "localhost_url");
    assert!(notify.message.en.contains("127.0.0.1"));
    assert_eq!(
        violations.for_field("return_url").unwrap().code,
        "invalid_url"
    );
    request.notify_url = "http://127.0.0.1:8787/api/webhooks/cinetpay".into();
    request.return_url = "http://127.0.0.1:8787/return".into();
    assert!(connector().initialize_payment(&request).is_ok());
}

#[test]
fn initialize_reports_every_problem_at_once() {
    let mut request = payment(
        money(1003, Currency::NGN),
        Some("CREDIT_CARD"),
        no_customer(),
    );
    request.order.description = "A & B".into();
    request.order.reference = "bad id".into();
    let violations = connector().initialize_payment(&request).unwrap_err();
    let found = codes(&violations);
    for expected in [
        ("reference", "invalid_reference"),
        ("currency", "currency_not_supported"),
        ("amount", "fractional_amount"),
        ("description", "forbidden_character"),
        ("customer.email", "required_for_card"),
    ] {
        assert!(
            found.contains(&(expected.0.into(), expected.1.into())),
            "{expected:?} in {found:?}"
        );
    }
}

#[test]
fn initialize_sends_metadata_as_json_text_and_the_shoppers_language() {
    let mut request = xof_payment();
    request.lang = Lang::En;
    request.metadata =
        Metadata::parse([("session".to_owned(), "ses_8f2k".to_owned())], "metadata").unwrap();
    let body = body_json(&connector().initialize_payment(&request).unwrap());
    assert_eq!(body["lang"], "en");
    assert_eq!(body["metadata"], r#"{"session":"ses_8f2k"}"#);
}

#[test]
fn validate_payment_agrees_with_the_builder() {
    use guichet::providers::cinetpay::validate_payment;
    assert!(validate_payment(&xof_payment(), &PaymentOptions::default()).is_ok());
    let bad = payment(money(2502, Currency::XOF), None, no_customer());
    assert_eq!(
        validate_payment(&bad, &PaymentOptions::default()).unwrap_err(),
        connector().initialize_payment(&bad).unwrap_err()
    );
}

#[test]
fn the_emitted_body_reads_back_as_cinetpays_request_shape() {
    let request = payment(money(10_000, Currency::XOF), Some("ALL"), card_customer());
    let http = connector().initialize_payment(&request).unwrap();
    let wire: CinetpayPaymentRequest = serde_json::from_slice(&http.body).unwrap();
    assert_eq!(wire.apikey.as_ref().map(|k| k.expose()), Some(APIKEY));
    assert_eq!(wire.amount, 10_000);
    assert!(!format!("{wire:?}").contains(APIKEY));
    let again: CinetpayPaymentRequest =
        serde_json::from_slice(&serde_json::to_vec(&wire).unwrap()).unwrap();
    assert_eq!(again, wire);
}

// ---------------------------------------------------------------- answers to /v2/payment

#[test]
fn created_answer_gives_our_transaction_id_and_the_hosted_page() {
    let created = connector()
        .read_created_payment(&answer(200, "payment_created.json"), "ord-20240915-0042")
        .unwrap();
    assert_eq!(created.provider_ref, "ord-20240915-0042");
    assert_eq!(
        created.checkout_url,
        format!("https://checkout.cinetpay.com/payment/{TOKEN}")
    );
    let token = connector()
        .read_payment_token(&answer(200, "payment_created.json"))
        .unwrap();
    assert_eq!(token.payment_token, TOKEN);
    assert_eq!(token.api_response_id.as_deref(), Some("1632143554.8513"));
}

#[test]
fn created_answer_counts_whatever_the_http_status() {
    assert!(connector()
        .read_payment_token(&answer(500, "payment_created.json"))
        .is_ok());
}

#[test]
fn created_answer_without_an_http_page_is_refused() {
    let body = br#"{"code":"201","message":"CREATED","data":{"payment_token":"abc","payment_url":"javascript:alert(1)"}}"#;
    let error = connector()
        .read_payment_token(&HttpResponse::new(200, body.to_vec()))
        .unwrap_err();
    assert_error(&error, "bad_response", false, "payment_url");
}

#[test]
fn error_608_missing_field_is_not_retryable_even_under_http_200() {
    let error = connector()
        .read_payment_token(&answer(200, "payment_error_608_missing_field.json"))
        .unwrap_err();
    assert_error(
        &error,
        "608",
        false,
        "MINIMUM_REQUIRED_FIELDS: Le champ notify_url est obligatoire",
    );
    assert_eq!(error.http_status, Some(200));
}

#[test]
fn error_608_currency_explains_the_accounts_currency() {
    let error = connector()
        .read_payment_token(&answer(400, "payment_error_608_currency.json"))
        .unwrap_err();
    assert_error(&error, "608", false, "Account currency :'XAF'");
}

#[test]
fn error_609_is_a_wrong_apikey() {
    let error = connector()
        .read_payment_token(&answer(401, "payment_error_609.json"))
        .unwrap_err();
    assert_error(&error, "609", false, "AUTH_NOT_FOUND");
}

#[test]
fn error_613_is_a_wrong_site_id() {
    let error = connector()
        .read_payment_token(&answer(200, "payment_error_613.json"))
        .unwrap_err();
    assert_error(&error, "613", false, "ERROR_SITE_ID_NOTVALID");
}

#[test]
fn error_624_is_a_processing_error() {
    let error = connector()
        .read_payment_token(&answer(200, "payment_error_624.json"))
        .unwrap_err();
    assert_error(&error, "624", false, "lock_phone_number");
}

#[test]
fn error_625_is_an_expired_service() {
    let error = connector()
        .read_payment_token(&answer(200, "payment_error_625.json"))
        .unwrap_err();
    assert_error(&error, "625", false, "ABONNEMENT_OR_TRANSACTIONS_EXPIRED");
}

#[test]
fn error_641_is_an_amount_below_the_minimum() {
    let error = connector()
        .read_payment_token(&answer(200, "payment_error_641.json"))
        .unwrap_err();
    assert_error(&error, "641", false, "ERROR_AMOUNT_TOO_LOW");
}

#[test]
fn error_403_in_json_is_a_non_json_request() {
    let error = connector()
        .read_payment_token(&answer(403, "payment_error_403.json"))
        .unwrap_err();
    assert_error(&error, "403", false, "FORBIDDEN");
}

#[test]
fn error_403_as_an_html_page_is_read_from_the_status() {
    let error = connector()
        .read_payment_token(&answer(403, "payment_error_403.txt"))
        .unwrap_err();
    assert_error(&error, "403", false, "JSON");
}

#[test]
fn error_429_is_retryable() {
    let error = connector()
        .read_payment_token(&answer(429, "payment_error_429.json"))
        .unwrap_err();
    assert_error(&error, "429", true, "TOO_MANY_REQUEST");
    let same_under_200 = connector()
        .read_payment_token(&answer(200, "payment_error_429.json"))
        .unwrap_err();
    assert!(same_under_200.retryable);
}

#[test]
fn error_1010_from_the_firewall_says_the_user_agent_is_missing() {
    let error = connector()
        .read_payment_token(&answer(403, "payment_error_1010.txt"))
        .unwrap_err();
    assert_error(&error, "1010", false, "User-Agent");
    let html = b"<html><title>Access denied</title><h1>Error 1010</h1></html>".to_vec();
    let error = connector()
        .read_payment_token(&HttpResponse::new(403, html))
        .unwrap_err();
    assert_eq!(error.code, "1010");
}

#[test]
fn an_unreadable_answer_is_retryable_only_on_server_errors() {
    let error = connector()
        .read_payment_token(&HttpResponse::new(
            502,
            b"<html>Bad gateway</html>".to_vec(),
        ))
        .unwrap_err();
    assert_error(&error, "bad_response", true, "could not read");
    let error = connector()
        .read_payment_token(&HttpResponse::new(400, b"nope".to_vec()))
        .unwrap_err();
    assert_error(&error, "bad_response", false, "could not read");
    let error = connector()
        .read_payment_token(&HttpResponse::new(200, br#"{"ok":true}"#.to_vec()))
        .unwrap_err();
    assert_eq!(error.code, "bad_response");
}

// ---------------------------------------------------------------- POST /v2/payment/check

#[test]
fn check_posts_keys_and_transaction_id_as_json() {
    let request = connector().check_payment("ord-20240915-0042");
    assert_eq!(request.method, Method::Post);
    assert_eq!(
        request.url,
        "https://api-checkout.cinetpay.com/v2/payment/check"
    );
    assert_eq!(
        request.header_value("content-type"),
        Some("application/json")
    );
    assert!(request.header_value("user-agent").is_some());
    assert_eq!(
        body_json(&request),
        serde_json::json!({"apikey": APIKEY, "site_id": SITE_ID, "transaction_id": "ord-20240915-0042"})
    );
    let by_token = body_json(&connector().check_payment_by_token(TOKEN));
    assert_eq!(by_token["token"], TOKEN);
    assert!(by_token.get("transaction_id").is_none());
}

fn check(name: &str) -> Result<guichet::providers::cinetpay::PaymentCheck, ProviderError> {
    connector().read_check_details(&answer(200, name), "ord-20240915-0042")
}

fn status_of(name: &str) -> PaymentStatus {
    check(name).unwrap().checked.status
}

#[test]
fn check_00_accepted_is_paid_with_its_amount_read_from_text() {
    let check = check("check_accepted.json").unwrap();
    let v = &check.checked;
    assert_eq!(v.status, PaymentStatus::Succeeded);
    assert_eq!(v.provider_ref, "ord-20240915-0042");
    assert_eq!(v.provider_status, "ACCEPTED");
    assert_eq!(v.amount, Some(money(2500, Currency::XOF)));
    assert_eq!(check.code, CheckoutCode::Success);
    assert_eq!(check.status, Some(CinetpayPaymentStatus::Accepted));
    assert_eq!(check.payment_method.as_deref(), Some("OM"));
    assert_eq!(check.operator_id.as_deref(), Some("MP220915.1010.A12345"));
    assert_eq!(check.payment_date.as_deref(), Some("2022-09-15 10:10:46"));
    assert_eq!(
        check.fund_availability_date.as_deref(),
        Some("2022-09-17 00:00:00")
    );
    assert_eq!(check.metadata.as_deref(), Some(r#"{"session":"ses_8f2k"}"#));
    assert_eq!(
        v.settle(money(2500, Currency::XOF)),
        PaymentStatus::Succeeded
    );
    assert_eq!(
        v.settle(money(3000, Currency::XOF)),
        PaymentStatus::Failed,
        "underpaid"
    );
}

#[test]
fn check_00_accepted_in_usd_reads_whole_dollars() {
    let v = check("check_accepted_usd.json").unwrap().checked;
    assert_eq!(v.amount, Some(money(2500, Currency::USD)));
    assert_eq!(v.status, PaymentStatus::Succeeded);
}

#[test]
fn check_600_refused_is_failed() {
    assert_eq!(status_of("check_refused_600.json"), PaymentStatus::Failed);
}

#[test]
fn check_602_insufficient_balance_is_failed() {
    let check = check("check_insufficient_balance_602.json").unwrap();
    assert_eq!(check.checked.status, PaymentStatus::Failed);
    assert_eq!(check.code, CheckoutCode::InsufficientBalance);
}

#[test]
fn check_603_service_unavailable_is_a_retryable_error() {
    let error = check("check_service_unavailable_603.json").unwrap_err();
    assert_error(&error, "603", true, "SERVICE_UNAVAILABLE");
}

#[test]
fn check_604_wrong_otp_is_failed() {
    assert_eq!(status_of("check_otp_error_604.json"), PaymentStatus::Failed);
}

#[test]
fn check_606_orange_refusal_is_failed() {
    assert_eq!(
        status_of("check_incorrect_settings_606.json"),
        PaymentStatus::Failed
    );
}

#[test]
fn check_623_waiting_for_validation_is_pending() {
    let v = check("check_waiting_validation_623.json").unwrap().checked;
    assert_eq!(v.status, PaymentStatus::Pending);
    assert_eq!(v.provider_status, "WAITING_FOR_CUSTOMER");
}

#[test]
fn check_627_refused_is_a_cancellation() {
    let check = check("check_cancelled_627.json").unwrap();
    assert_eq!(check.checked.status, PaymentStatus::Cancelled);
    assert_eq!(check.checked.provider_status, "REFUSED");
}

#[test]
fn check_627_without_data_is_a_cancellation_from_the_code() {
    let v = check("check_cancelled_without_data.json").unwrap().checked;
    assert_eq!(v.status, PaymentStatus::Cancelled);
    assert_eq!(v.provider_status, "627");
    assert_eq!(v.amount, None);
}

#[test]
fn check_641_and_642_amount_limits_are_failed() {
    assert_eq!(
        status_of("check_amount_too_low_641.json"),
        PaymentStatus::Failed
    );
    assert_eq!(
        status_of("check_amount_too_high_642.json"),
        PaymentStatus::Failed
    );
}

#[test]
fn check_662_663_664_waiting_are_pending() {
    for name in [
        "check_waiting_payment_662.json",
        "check_waiting_otp_663.json",
        "check_waiting_operator_664.json",
    ] {
        assert_eq!(status_of(name), PaymentStatus::Pending, "{name}");
    }
    assert_eq!(
        check("check_waiting_payment_662.json")
            .unwrap()
            .payment_method,
        None,
        "empty is absent"
    );
}

#[test]
fn check_canceled_with_one_or_two_ls_is_cancelled() {
    assert_eq!(
        status_of("check_canceled_one_l.json"),
        PaymentStatus::Cancelled
    );
    assert_eq!(
        status_of("check_cancelled_two_l.json"),
        PaymentStatus::Cancelled
    );
}

#[test]
fn check_unknown_status_stays_pending_and_is_recorded() {
    let check = check("check_unknown_status.json").unwrap();
    assert_eq!(check.checked.status, PaymentStatus::Pending);
    assert_eq!(check.checked.provider_status, "ON_HOLD");
    assert_eq!(
        check.status,
        Some(CinetpayPaymentStatus::Unknown("ON_HOLD".into()))
    );
}

#[test]
fn check_accepted_without_code_00_is_not_paid_yet() {
    assert_eq!(
        status_of("check_accepted_without_success_code.json"),
        PaymentStatus::Pending
    );
}

#[test]
fn check_request_errors_are_errors_not_statuses() {
    assert_error(
        &check("check_error_608.json").unwrap_err(),
        "608",
        false,
        "transaction_id",
    );
    assert_error(
        &check("check_error_613.json").unwrap_err(),
        "613",
        false,
        "ERROR_SITE_ID_NOTVALID",
    );
}

#[test]
fn check_accepted_with_an_unreadable_amount_is_an_error_not_a_success() {
    for amount in [r#""2 500""#, "2500.5", r#""""#, "null"] {
        let body = format!(
            r#"{{"code":"00","message":"SUCCES","data":{{"amount":{amount},"currency":"XOF","status":"ACCEPTED"}}}}"#
        );
        let error = connector()
            .read_payment_check(&HttpResponse::new(200, body.into_bytes()), "ord-1")
            .unwrap_err();
        assert_eq!(error.code, "bad_response", "{amount}");
    }
}

#[test]
fn read_check_gives_the_common_verification() {
    let v = connector()
        .read_payment_check(&answer(200, "check_accepted.json"), "ord-20240915-0042")
        .unwrap();
    assert_eq!(v, check("check_accepted.json").unwrap().checked);
    assert_eq!(
        v.reference, None,
        "CinetPay does not echo the transaction id"
    );
}

// ---------------------------------------------------------------- IPN and x-token

fn ipn_request(form_name: &str, token: Option<&str>) -> HttpRequest {
    let mut request = HttpRequest::new(Method::Post, "https://shop.example/api/webhooks/cinetpay")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(fixture(form_name));
    if let Some(token) = token {
        request = request.header("x-token", token);
    }
    request
}

#[test]
fn notification_verifies_against_the_reference_x_token() {
    let token = fixture_text("notification.x-token");
    let Inbound::Received(ipn) = connector()
        .verify_notification(&ipn_request("notification.form", Some(&token)))
        .unwrap()
    else {
        panic!("not a ping");
    };
    assert_eq!(ipn.cpm_site_id, SITE_ID);
    assert_eq!(ipn.cpm_trans_id, "ord-20240915-0042");
    assert_eq!(ipn.cpm_trans_date, "2024-09-15 10:10:46");
    assert_eq!(ipn.cpm_amount, "2500");
    assert_eq!(ipn.cpm_currency, "XOF");
    assert_eq!(ipn.signature, "5df64dd9c5447739327eb88e1e4ea0ac");
    assert_eq!(ipn.payment_method, "OM");
    assert_eq!(ipn.cel_phone_num, "0701020304");
    assert_eq!(ipn.cpm_phone_prefixe, "225");
    assert_eq!(ipn.cpm_language, "fr");
    assert_eq!(ipn.cpm_version, "V4");
    assert_eq!(ipn.cpm_payment_config, "SINGLE");
    assert_eq!(ipn.cpm_page_action, "PAYMENT");
    assert_eq!(ipn.cpm_custom, r#"{"session":"ses_8f2k"}"#);
    assert_eq!(ipn.cpm_designation, "Commande 42 - Boutique Awa & fils");
    assert_eq!(ipn.cpm_error_message, "SUCCES");
    assert_eq!(
        sign_notification(SECRET, &ipn),
        token,
        "our signer agrees with the reference"
    );
}

#[test]
fn notification_with_a_tampered_field_is_refused() {
    let token = fixture_text("notification.x-token");
    let form = String::from_utf8(fixture("notification.form")).unwrap();
    for (from, to) in [
        ("cpm_amount=2500", "cpm_amount=25000"),
        ("cpm_currency=XOF", "cpm_currency=XAF"),
        ("cpm_error_message=SUCCES", "cpm_error_message=SUCCES+"),
        (
            "cpm_trans_id=ord-20240915-0042",
            "cpm_trans_id=ord-20240915-0043",
        ),
    ] {
        assert!(form.contains(from));
        let request = ipn_request("notification.form", Some(&token)).body(form.replace(from, to));
        assert_eq!(
            verify_notification(SECRET, &request),
            Err(NotificationError::BadSignature),
            "{to}"
        );
    }
}

#[test]
fn notification_signed_with_another_secret_is_refused() {
    let token = fixture_text("notification.x-token");
    let request = ipn_request("notification.form", Some(&token));
    assert_eq!(
        verify_notification("another-secret", &request),
        Err(NotificationError::BadSignature)
    );
    assert_eq!(
        verify_notification(APIKEY, &request),
        Err(NotificationError::BadSignature),
        "the apikey is not the key"
    );
}

#[test]
fn without_a_secret_key_every_notification_is_refused_even_one_signed_with_an_empty_key() {
    let Ok(Inbound::Received(ipn)) = read_notification(&ipn_request("notification.form", None))
    else {
        panic!("the fixture reads");
    };
    let empty_key_token = sign_notification("", &ipn);
    let request = ipn_request("notification.form", Some(&empty_key_token));
    let blank = Cinetpay::new(Keys::new(APIKEY, SITE_ID, "  "));
    assert_eq!(
        blank.verify_notification(&request),
        Err(NotificationError::BadSignature)
    );
    let ping = HttpRequest::new(Method::Get, "https://shop.example/api/webhooks/cinetpay");
    assert_eq!(blank.verify_notification(&ping), Ok(Inbound::Ping));
}

#[test]
fn notification_signed_in_another_field_order_is_refused() {
    let wrong_order = fixture_text("notification.x-token-wrong-order");
    let request = ipn_request("notification.form", Some(&wrong_order));
    assert_eq!(
        verify_notification(SECRET, &request),
        Err(NotificationError::BadSignature)
    );
}

#[test]
fn notification_missing_fields_sign_as_empty_strings_whatever_the_body_order() {
    let token = fixture_text("notification_partial.x-token");
    let Inbound::Received(ipn) = verify_notification(
        SECRET,
        &ipn_request("notification_partial.form", Some(&token)),
    )
    .unwrap() else {
        panic!("not a ping");
    };
    assert_eq!(ipn.cpm_trans_id, "ord-20240915-0043");
    assert_eq!(ipn.cel_phone_num, "");
    assert_eq!(ipn.cpm_phone_prefixe, "");
    assert_eq!(ipn.cpm_custom, "");
    assert_eq!(ipn.cpm_error_message, "");
    assert_eq!(sign_notification(SECRET, &ipn), token);
}

#[test]
fn notification_is_verified_over_the_bytes_cinetpay_sent() {
    let token = fixture_text("notification_latin1.x-token");
    let Inbound::Received(ipn) = verify_notification(
        SECRET,
        &ipn_request("notification_latin1.form", Some(&token)),
    )
    .unwrap() else {
        panic!("not a ping");
    };
    assert_eq!(ipn.cpm_trans_id, "ord-20240915-0044");
    assert_eq!(
        ipn.cpm_designation, "Caf\u{fffd} et th\u{fffd}",
        "shown lossily, verified exactly"
    );
}

#[test]
fn notification_token_is_read_in_either_hex_case_and_refused_when_malformed() {
    let token = fixture_text("notification.x-token");
    let upper = token.to_ascii_uppercase();
    assert!(verify_notification(SECRET, &ipn_request("notification.form", Some(&upper))).is_ok());
    for bad in ["zz", &token[..62], "not hex at all", &format!("{token}00")] {
        assert_eq!(
            verify_notification(SECRET, &ipn_request("notification.form", Some(bad))),
            Err(NotificationError::BadSignature),
            "{bad}"
        );
    }
    assert_eq!(
        verify_notification(SECRET, &ipn_request("notification.form", None)),
        Err(NotificationError::MissingSignature)
    );
}

#[test]
fn notification_with_a_field_sent_twice_is_refused() {
    let token = fixture_text("notification.x-token");
    let mut body = fixture("notification.form");
    body.extend_from_slice(b"&cpm_amount=1");
    let request = ipn_request("notification.form", Some(&token)).body(body);
    assert!(
        matches!(verify_notification(SECRET, &request), Err(NotificationError::BadParse(why)) if why.contains("cpm_amount"))
    );
}

#[test]
fn notification_without_a_transaction_is_refused() {
    let request = ipn_request("notification.form", Some("00")).body(b"cpm_site_id=445160".to_vec());
    assert!(matches!(
        read_notification(&request),
        Err(NotificationError::BadParse(_))
    ));
    let json =
        ipn_request("notification.form", Some("00")).body(br#"{"cpm_trans_id":"x"}"#.to_vec());
    assert!(matches!(
        verify_notification(SECRET, &json),
        Err(NotificationError::BadParse(_))
    ));
}

#[test]
fn notification_get_is_a_ping_that_needs_no_token() {
    let ping = HttpRequest::new(Method::Get, "https://shop.example/api/webhooks/cinetpay");
    assert_eq!(verify_notification(SECRET, &ping), Ok(Inbound::Ping));
    assert_eq!(read_notification(&ping), Ok(Inbound::Ping));
}

#[test]
fn read_notification_parses_without_checking_the_token() {
    let Inbound::Received(ipn) =
        read_notification(&ipn_request("notification.form", Some("bogus"))).unwrap()
    else {
        panic!("not a ping");
    };
    assert_eq!(ipn.cpm_trans_id, "ord-20240915-0042");
}

#[test]
fn notification_round_trips_through_its_form() {
    let Inbound::Received(ipn) =
        read_notification(&ipn_request("notification.form", None)).unwrap()
    else {
        panic!("not a ping");
    };
    let again =
        read_notification(&ipn_request("notification.form", None).body(ipn.to_form())).unwrap();
    assert_eq!(again, Inbound::Received(ipn.clone()));
    assert_eq!(
        ipn.to_form().into_bytes(),
        fixture("notification.form"),
        "same encoding as Python's urlencode"
    );
}

// ---------------------------------------------------------------- return page

#[test]
fn return_form_names_the_transaction_and_token() {
    let request =
        HttpRequest::new(Method::Post, "https://shop.example/return").body(fixture("return.form"));
    assert_eq!(
        read_return(&request),
        Ok(Inbound::Received(ReturnVisit {
            transaction_id: "ord-20240915-0042".into(),
            token: Some(TOKEN.into())
        }))
    );
}

#[test]
fn return_get_is_a_ping_unless_it_names_a_transaction() {
    let ping = HttpRequest::new(Method::Get, "https://shop.example/return");
    assert_eq!(read_return(&ping), Ok(Inbound::Ping));
    let named = HttpRequest::new(
        Method::Get,
        "https://shop.example/return?transaction_id=ord-7",
    );
    assert_eq!(
        read_return(&named),
        Ok(Inbound::Received(ReturnVisit {
            transaction_id: "ord-7".into(),
            token: None
        }))
    );
    let empty_post =
        HttpRequest::new(Method::Post, "https://shop.example/return").body(b"token=abc".to_vec());
    assert!(matches!(
        read_return(&empty_post),
        Err(NotificationError::BadParse(_))
    ));
}

// ---------------------------------------------------------------- transfers

fn transfer_token() -> TransferToken {
    TransferToken::new("tok-7f3a9c", 1_700_000_000)
}

#[test]
fn login_posts_apikey_and_password_as_a_form() {
    let request = connector().login().unwrap();
    assert_eq!(request.method, Method::Post);
    assert_eq!(request.url, "https://client.cinetpay.com/v1/auth/login");
    assert_eq!(
        request.header_value("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert!(request.header_value("user-agent").is_some());
    assert_eq!(form_field(&request.body, "apikey").as_deref(), Some(APIKEY));
    assert_eq!(
        form_field(&request.body, "password").as_deref(),
        Some(PASSWORD)
    );
    let without = Cinetpay::new(Keys::new(APIKEY, SITE_ID, SECRET))
        .login()
        .unwrap_err();
    assert_eq!(without.code, "missing_transfer_password");
    assert!(!format!("{without:?}").contains(APIKEY));
    let blank = Cinetpay::new(Keys::new(APIKEY, SITE_ID, SECRET).with_transfer_password(" "))
        .login()
        .unwrap_err();
    assert_eq!(blank.code, "missing_transfer_password");
}

#[test]
fn login_answer_gives_a_token_valid_five_minutes_from_the_clock() {
    let token = connector()
        .read_login(&answer(200, "transfer_login.json"), 1_700_000_000)
        .unwrap();
    assert_eq!(token.issued_at(), 1_700_000_000);
    assert_eq!(token.expires_at(), 1_700_000_300);
    assert!(token.is_usable_at(1_700_000_100));
    assert!(!token.is_usable_at(1_700_000_290));
    assert!(!format!("{token:?}").contains("eyJ0eXAi"));
    let balance = connector().check_balance(&token);
    assert!(balance
        .url
        .contains("token=eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOjQ0NTE2MH0.c2lnbmF0dXJl"));
}

#[test]
fn login_701_is_wrong_credentials() {
    let error = connector()
        .read_login(&answer(200, "transfer_login_701.json"), 0)
        .unwrap_err();
    assert_error(
        &error,
        "701",
        false,
        "INVALID_CREDENTIALS: Identifiant de connexion incorrect",
    );
}

#[test]
fn balance_is_asked_with_the_token_in_the_query_and_read_back() {
    let request = connector().check_balance(&transfer_token());
    assert_eq!(request.method, Method::Get);
    assert_eq!(
        request.url,
        "https://client.cinetpay.com/v1/transfer/check/balance?token=tok-7f3a9c"
    );
    assert!(!format!("{request:?}").contains("tok-7f3a9c"));
    let balance = connector()
        .read_balance(&answer(200, "transfer_balance.json"))
        .unwrap();
    assert_eq!(balance.amount, "663");
    assert_eq!(balance.in_using, "0");
    assert_eq!(balance.available, "663");
    assert_eq!(
        balance.available_in(Currency::XOF),
        Ok(money(663, Currency::XOF))
    );
}

#[test]
fn token_errors_705_and_706_are_retryable_after_a_new_login() {
    let error = connector()
        .read_balance(&answer(200, "transfer_token_706.json"))
        .unwrap_err();
    assert_error(&error, "706", true, "INVALID_TOKEN");
    let error = connector()
        .read_balance(&answer(401, "transfer_token_705.json"))
        .unwrap_err();
    assert_error(&error, "705", true, "EXPIRED_TOKEN");
}

#[test]
fn contacts_are_posted_as_a_json_array_in_the_data_field() {
    let contacts = [TransferContact {
        phone: phone("07 01 02 03 04"),
        name: "Koné".into(),
        surname: "Awa".into(),
        email: "awa.kone@example.ci".into(),
    }];
    let request = connector()
        .add_contacts(&transfer_token(), &contacts)
        .unwrap();
    assert_eq!(request.method, Method::Post);
    assert_eq!(
        request.url,
        "https://client.cinetpay.com/v1/transfer/contact?token=tok-7f3a9c"
    );
    assert_eq!(
        request.header_value("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let data: Value = serde_json::from_str(&form_field(&request.body, "data").unwrap()).unwrap();
    assert_eq!(
        data,
        serde_json::json!([{"prefix": "225", "phone": "0701020304", "name": "Koné", "surname": "Awa", "email": "awa.kone@example.ci"}])
    );
    assert_eq!(
        form_field(&request.body, "token"),
        None,
        "the token never travels in the body"
    );
}

#[test]
fn contacts_are_checked_before_sending() {
    let contacts = [TransferContact {
        phone: Phone::parse("+33612345678", None).unwrap(),
        name: " ".into(),
        surname: "Awa".into(),
        email: "awa".into(),
    }];
    let violations = connector()
        .add_contacts(&transfer_token(), &contacts)
        .unwrap_err();
    assert_eq!(
        codes(&violations),
        [
            ("contacts[0].phone".to_owned(), "invalid_phone".to_owned()),
            ("contacts[0].name".to_owned(), "required".to_owned()),
            ("contacts[0].email".to_owned(), "invalid_email".to_owned()),
        ]
    );
    let empty = connector()
        .add_contacts(&transfer_token(), &[])
        .unwrap_err();
    assert_eq!(empty.for_field("contacts").unwrap().code, "empty_batch");
}

#[test]
fn contacts_answer_counts_an_existing_contact_as_registered() {
    let outcomes = connector()
        .read_contacts(&answer(200, "transfer_contacts.json"))
        .unwrap();
    assert_eq!(outcomes.len(), 2);
    assert_eq!(outcomes[0].code, TransferCode::Success);
    assert_eq!(outcomes[0].phone, "0701020304");
    assert_eq!(outcomes[0].lot.as_deref(), Some("0044557641201539786998"));
    assert_eq!(outcomes[1].code, TransferCode::PhoneAlreadyMyContact);
    assert_eq!(outcomes[1].status, "ERROR_PHONE_ALREADY_MY_CONTACT");
    assert!(outcomes.iter().all(|o| o.is_registered()));
}

#[test]
fn contacts_answer_is_read_flat_as_well_as_nested() {
    let flat = connector()
        .read_contacts(&answer(200, "transfer_contacts_flat.json"))
        .unwrap();
    let nested = connector()
        .read_contacts(&answer(200, "transfer_contacts.json"))
        .unwrap();
    assert_eq!(flat[0], nested[0]);
}

fn order() -> TransferOrder {
    TransferOrder {
        phone: phone("0701020304"),
        amount: money(5000, Currency::XOF),
        client_transaction_id: "payout-0001".into(),
        notify_url: "https://shop.example/api/webhooks/cinetpay-transfer".into(),
    }
}

#[test]
fn send_posts_the_transfers_as_a_json_array_in_the_data_field() {
    let request = connector()
        .send_transfer(&transfer_token(), &[order()])
        .unwrap();
    assert_eq!(
        request.url,
        "https://client.cinetpay.com/v1/transfer/money/send/contact?token=tok-7f3a9c"
    );
    let data: Value = serde_json::from_str(&form_field(&request.body, "data").unwrap()).unwrap();
    assert_eq!(
        data,
        serde_json::json!([{
            "prefix": "225",
            "phone": "0701020304",
            "amount": 5000,
            "client_transaction_id": "payout-0001",
            "notify_url": "https://shop.example/api/webhooks/cinetpay-transfer"
        }])
    );
}

#[test]
fn send_refuses_amounts_ids_and_urls_cinetpay_would_refuse() {
    let mut bad = order();
    bad.amount = money(5003, Currency::XOF);
    bad.client_transaction_id = "payout_1".into();
    bad.notify_url = "http://localhost/notify".into();
    let mut euro = order();
    euro.amount = money(500_000, Currency::EUR);
    let violations = connector()
        .send_transfer(&transfer_token(), &[bad, euro])
        .unwrap_err();
    assert_eq!(
        codes(&violations),
        [
            (
                "transfers[0].amount".to_owned(),
                "amount_not_multiple_of_5".to_owned()
            ),
            (
                "transfers[0].client_transaction_id".to_owned(),
                "invalid_reference".to_owned()
            ),
            (
                "transfers[0].notify_url".to_owned(),
                "localhost_url".to_owned()
            ),
            (
                "transfers[1].amount".to_owned(),
                "currency_not_supported".to_owned()
            ),
        ]
    );
}

#[test]
fn send_answer_is_pending_until_validated() {
    let records = connector()
        .read_sent_transfers(&answer(200, "transfer_send.json"))
        .unwrap();
    assert_eq!(records.len(), 1);
    let sent = &records[0];
    assert_eq!(sent.transaction_id.as_deref(), Some("EA1.2.Z3"));
    assert_eq!(sent.client_transaction_id.as_deref(), Some("payout-0001"));
    assert_eq!(sent.lot.as_deref(), Some("1564137417"));
    assert_eq!(sent.amount.as_deref(), Some("5000"));
    assert_eq!(sent.receiver.as_deref(), Some("+2250701020304"));
    assert_eq!(sent.treatment_status, TreatmentStatus::New);
    assert_eq!(sent.sending_status.as_deref(), Some("PENDING"));
    assert_eq!(sent.status(), PaymentStatus::Pending);
}

#[test]
fn send_answer_line_refused_with_724_is_failed() {
    let records = connector()
        .read_sent_transfers(&answer(200, "transfer_send_line_refused.json"))
        .unwrap();
    assert_eq!(records[0].code, Some(TransferCode::PhoneNotMyContact));
    assert_eq!(records[0].status(), PaymentStatus::Failed);
}

#[test]
fn send_602_insufficient_balance_is_an_error() {
    let error = connector()
        .read_sent_transfers(&answer(200, "transfer_error_602.json"))
        .unwrap_err();
    assert_error(&error, "602", false, "INSUFFICIENT_BALANCE");
}

#[test]
fn transfer_check_asks_by_our_id_and_reads_val_as_succeeded() {
    let request = connector().check_payout(&transfer_token(), "payout-0001");
    assert_eq!(request.method, Method::Get);
    assert_eq!(
        request.url,
        "https://client.cinetpay.com/v1/transfer/check/money?token=tok-7f3a9c&client_transaction_id=payout-0001"
    );
    let records = connector()
        .read_transfer_check(&answer(200, "transfer_check.json"))
        .unwrap();
    let record = &records[0];
    assert_eq!(record.treatment_status, TreatmentStatus::Val);
    assert_eq!(record.status(), PaymentStatus::Succeeded);
    assert_eq!(
        record.receiver.as_deref(),
        Some("+2250701020304"),
        "E.164 preferred"
    );
    assert_eq!(record.operator.as_deref(), Some("OM"));
    assert_eq!(record.comment.as_deref(), Some("Transfert effectué"));
    assert_eq!(record.validated_at.as_deref(), Some("2024-09-15 12:01:44"));
}

fn contact_answer(code: u16) -> HttpResponse {
    HttpResponse::new(
        200,
        format!(
            r#"{{"code":0,"message":"OPERATION_SUCCES","data":[[{{"prefix":"225","phone":"0701020304","code":{code},"status":"refused"}}]]}}"#
        ),
    )
}

fn next_call(answer: Result<PayoutAnswer, ProviderError>) -> PayoutCall {
    match answer.unwrap() {
        PayoutAnswer::Next(call) => call,
        other => panic!("no next call: {other:?}"),
    }
}

fn prepared_payout() -> CinetpayPayout {
    CinetpayPayout {
        contact: TransferContact {
            phone: phone("0701020304"),
            name: "Kone".into(),
            surname: "Awa".into(),
            email: "awa.kone@example.ci".into(),
        },
        transfer: order(),
    }
}

#[test]
fn a_payout_is_sent_as_login_then_contact_then_transfer_each_answer_giving_the_next_call() {
    let adapter = connector();
    let payout = prepared_payout();
    let login = adapter.initialize_payout().unwrap();
    assert_eq!(
        (login.step, &login.request),
        (PayoutStep::Login, &adapter.login().unwrap())
    );
    let logged_in = answer(200, "transfer_login.json");
    let token = adapter.read_login(&logged_in, 1_700_000_000).unwrap();
    let contact =
        next_call(adapter.read_created_payout(&payout, &login, &logged_in, 1_700_000_000));
    assert_eq!(contact.step, PayoutStep::Contact);
    assert_eq!(
        contact.request,
        adapter
            .add_contacts(&token, core::slice::from_ref(&payout.contact))
            .unwrap()
    );
    let send = next_call(adapter.read_created_payout(
        &payout,
        &contact,
        &contact_answer(726),
        1_700_000_001,
    ));
    assert_eq!(send.step, PayoutStep::Send);
    assert_eq!(
        send.request,
        adapter.send_transfer(&token, &[order()]).unwrap(),
        "the login's token, not a new one"
    );
    let said = adapter
        .read_created_payout(&payout, &send, &answer(200, "transfer_send.json"), 0)
        .unwrap();
    assert_eq!(
        said,
        PayoutAnswer::Said(Some(CheckedPayout {
            provider_ref: Some("EA1.2.Z3".into()),
            reference: Some("payout-0001".into()),
            status: PaymentStatus::Pending,
            provider_status: "NEW".into(),
            amount: Some(money(5000, Currency::XOF)),
            failure: None,
        }))
    );
    let refused = adapter
        .read_created_payout(
            &payout,
            &send,
            &answer(200, "transfer_send_line_refused.json"),
            0,
        )
        .unwrap();
    let PayoutAnswer::Said(Some(refused)) = refused else {
        panic!("a refused line is an answer about our payout");
    };
    assert_eq!(refused.status, PaymentStatus::Failed);
    assert_eq!(
        refused.failure.as_deref(),
        Some("CinetPay refused the transfer (code 724)")
    );
}

#[test]
fn a_contact_cinetpay_refuses_stops_the_payout_before_the_send() {
    let adapter = connector();
    let payout = prepared_payout();
    let contact = next_call(adapter.read_created_payout(
        &payout,
        &adapter.initialize_payout().unwrap(),
        &answer(200, "transfer_login.json"),
        0,
    ));
    assert_eq!(
        adapter
            .read_created_payout(&payout, &contact, &contact_answer(723), 0)
            .unwrap(),
        PayoutAnswer::Refused(
            PayoutStep::Contact,
            "CinetPay refused the contact (code 723)".into()
        )
    );
    let error = adapter
        .read_created_payout(
            &payout,
            &adapter.initialize_payout().unwrap(),
            &answer(200, "transfer_login_701.json"),
            0,
        )
        .unwrap_err();
    assert_eq!(error.code, "701");
}

#[test]
fn a_payout_check_logs_in_then_asks_by_our_id_and_reads_only_our_line() {
    let adapter = connector();
    let login = adapter.initialize_payout().unwrap();
    let logged_in = answer(200, "transfer_login.json");
    let token = adapter.read_login(&logged_in, 5).unwrap();
    let check =
        next_call(adapter.read_payout_check("payout-0001", Currency::XOF, &login, &logged_in, 5));
    assert_eq!(
        (check.step, &check.request),
        (
            PayoutStep::Check,
            &adapter.check_payout(&token, "payout-0001")
        )
    );
    let checked = answer(200, "transfer_check.json");
    let PayoutAnswer::Said(Some(ours)) = adapter
        .read_payout_check("payout-0001", Currency::XOF, &check, &checked, 5)
        .unwrap()
    else {
        panic!("our line is read");
    };
    assert_eq!(ours.status, PaymentStatus::Succeeded);
    assert_eq!(ours.provider_status, "VAL");
    assert_eq!(ours.amount, Some(money(5000, Currency::XOF)));
    assert_eq!(
        adapter
            .read_payout_check("payout-0002", Currency::XOF, &check, &checked, 5)
            .unwrap(),
        PayoutAnswer::Said(None),
        "a line about another payout says nothing of ours"
    );
}

#[test]
fn transfer_notification_form_is_read_with_its_status() {
    let request = HttpRequest::new(
        Method::Post,
        "https://shop.example/api/webhooks/cinetpay-transfer",
    )
    .body(fixture("transfer_notification.form"));
    let Inbound::Received(notice) = read_transfer_notification(&request).unwrap() else {
        panic!("not a ping");
    };
    assert_eq!(notice.transaction_id, "EA1.2.Z3");
    assert_eq!(notice.client_transaction_id, "payout-0001");
    assert_eq!(notice.lot, "1564137417");
    assert_eq!(notice.amount, "5000");
    assert_eq!(notice.receiver, "+2250701020304");
    assert_eq!(notice.sending_status, "CONFIRM");
    assert_eq!(notice.comment, "Transfert effectué");
    assert_eq!(notice.treatment_status, "VAL");
    assert_eq!(notice.operator_transaction_id, "MP240915.1201.C98765");
    assert_eq!(notice.validated_at, "2024-09-15 12:01:44");
    assert_eq!(notice.status(), PaymentStatus::Succeeded);
    let again = read_transfer_notification(&request.clone().body(notice.to_form())).unwrap();
    assert_eq!(again, Inbound::Received(notice));
}

#[test]
fn transfer_notification_statuses_and_pings() {
    let post = |body: &str| {
        HttpRequest::new(Method::Post, "https://shop.example/t").body(body.as_bytes().to_vec())
    };
    let status = |body: &str| match read_transfer_notification(&post(body)).unwrap() {
        Inbound::Received(n) => n.status(),
        Inbound::Ping => panic!("ping"),
    };
    assert_eq!(
        status("client_transaction_id=p1&treatment_status=REJ"),
        PaymentStatus::Failed
    );
    assert_eq!(
        status("client_transaction_id=p1&treatment_status=NEW"),
        PaymentStatus::Pending
    );
    assert_eq!(
        status("transaction_id=t1&treatment_status=NOS"),
        PaymentStatus::Pending
    );
    assert!(matches!(
        read_transfer_notification(&post("treatment_status=VAL")),
        Err(NotificationError::BadParse(_))
    ));
    let ping = HttpRequest::new(Method::Get, "https://shop.example/t");
    assert_eq!(
        read_transfer_notification(&ping),
        Ok(Inbound::<TransferNotification>::Ping)
    );
}

// ---------------------------------------------------------------- round trips

#[test]
fn every_json_fixture_round_trips_through_the_wire_envelope() {
    let dir = format!("{}/tests/fixtures/cinetpay", env!("CARGO_MANIFEST_DIR"));
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let first: CinetpayResponse = serde_json::from_slice(&bytes).unwrap();
        assert!(first.code.is_some(), "{path:?} has a code");
        let second: CinetpayResponse =
            serde_json::from_slice(&serde_json::to_vec(&first).unwrap()).unwrap();
        assert_eq!(first, second, "{path:?}");
        seen += 1;
    }
    assert!(seen >= 40, "only {seen} fixtures");
}

// ---------------------------------------------------------------- properties

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn any_currency() -> impl Strategy<Value = Currency> {
        proptest::sample::select(Currency::ALL.to_vec())
    }

    fn any_channels() -> impl Strategy<Value = Option<String>> {
        proptest::option::weighted(
            0.6,
            proptest::sample::subsequence(
                vec![
                    "ALL",
                    "MOBILE_MONEY",
                    "CREDIT_CARD",
                    "WALLET",
                    "card",
                    "BAD",
                ],
                0..4,
            )
            .prop_map(|parts| parts.join(",")),
        )
    }

    fn any_customer() -> impl Strategy<Value = Customer> {
        (proptest::bool::weighted(0.7), any::<[bool; 9]>()).prop_map(|(full, keep)| {
            let card = card_customer();
            if full {
                return card;
            }
            Customer {
                last_name: card.last_name.filter(|_| keep[0]),
                first_name: card.first_name.filter(|_| keep[1]),
                email: card.email.filter(|_| keep[2]),
                phone: card.phone.filter(|_| keep[3]),
                address: card.address.filter(|_| keep[4]),
                city: card.city.filter(|_| keep[5]),
                country: card.country.filter(|_| keep[6]),
                state: card.state.filter(|_| keep[7]),
                zip: card.zip.filter(|_| keep[8]),
            }
        })
    }

    /// Mostly inputs within the rules, with every kind of mistake mixed in, so that both
    /// accepted and refused requests are common.
    fn any_payment() -> impl Strategy<Value = PaymentRequest> {
        let amount = prop_oneof![
            3 => (1u64..400_000, proptest::sample::select(vec![Currency::XOF, Currency::XAF, Currency::CDF, Currency::GNF, Currency::USD]))
                .prop_map(|(fives, currency)| Money::from_major(fives * 5, currency).unwrap()),
            1 => (0u64..2_000_000, any_currency()).prop_map(|(minor, currency)| money(minor, currency)),
        ];
        let description = prop_oneof![
            3 => "[A-Za-z0-9][A-Za-z0-9 é.-]{0,30}",
            1 => "[A-Za-z0-9 #/$_&é-]{0,30}",
        ];
        let reference = prop_oneof![3 => "[A-Za-z0-9-]{1,64}", 1 => "[A-Za-z0-9_ /-]{0,70}"];
        (
            amount,
            description,
            reference,
            any_channels(),
            any_customer(),
        )
            .prop_map(|(amount, description, reference, channels, customer)| {
                let mut request = payment(amount, channels.as_deref(), customer);
                request.order.description = description;
                request.order.reference = reference;
                request
            })
    }

    proptest! {
        #[test]
        fn every_emitted_payment_request_meets_cinetpays_rules(request in any_payment(), lock in any::<bool>()) {
            let options = PaymentOptions { invoice_data: Default::default(), lock_phone_number: lock };
            if let Ok(http) = connector().initialize_payment_with(&request, &options) {
                prop_assert!(http.header_value("user-agent").is_some_and(|ua| !ua.trim().is_empty()));
                prop_assert_eq!(http.header_value("content-type"), Some("application/json"));
                let body = body_json(&http);
                let amount = body["amount"].as_u64().expect("integer amount");
                prop_assert!(amount > 0 && amount % 5 == 0, "amount {}", amount);
                let currency = body["currency"].as_str().unwrap();
                prop_assert!(["XOF", "XAF", "CDF", "GNF", "USD"].contains(&currency));
                let description = body["description"].as_str().unwrap();
                prop_assert!(!description.is_empty());
                prop_assert!(!description.contains(['#', '/', '$', '_', '&']), "{}", description);
                let id = body["transaction_id"].as_str().unwrap();
                prop_assert!(!id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
                let channels = body["channels"].as_str().unwrap();
                prop_assert!(channels.split(',').all(|c| ["ALL", "MOBILE_MONEY", "CREDIT_CARD", "WALLET"].contains(&c)));
                if channels.split(',').any(|c| c == "ALL" || c == "CREDIT_CARD") {
                    for field in ["customer_name", "customer_surname", "customer_email", "customer_phone_number",
                        "customer_address", "customer_city", "customer_country", "customer_state", "customer_zip_code"] {
                        prop_assert!(body[field].as_str().is_some_and(|v| !v.is_empty()), "{} missing", field);
                    }
                    prop_assert_eq!(body["customer_country"].as_str().unwrap().len(), 2);
                }
                if lock {
                    prop_assert!(body["customer_phone_number"].as_str().is_some_and(|p| p.starts_with('+')));
                }
                prop_assert_eq!(amount, request.order.amount.major_exact().unwrap());
            }
        }

        #[test]
        fn every_payment_within_the_rules_is_accepted(
            fives in 1u64..400_000,
            currency in proptest::sample::select(vec![Currency::XOF, Currency::XAF, Currency::CDF, Currency::GNF, Currency::USD]),
            description in "[A-Za-z0-9][A-Za-z0-9 .,éà'-]{0,40}",
            reference in "[A-Za-z0-9-]{1,64}",
            card in any::<bool>(),
        ) {
            let amount = Money::from_major(fives * 5, currency).unwrap();
            let (channels, customer) = if card { (Some("ALL"), card_customer()) } else { (None, no_customer()) };
            let mut request = payment(amount, channels, customer);
            request.order.description = description;
            request.order.reference = reference;
            prop_assert!(connector().initialize_payment(&request).is_ok());
        }

        #[test]
        fn forms_round_trip_any_text(pairs in proptest::collection::vec((".{0,12}", ".{0,24}"), 0..6)) {
            let encoded = form::encode(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())));
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_graphic()));
            let decoded = form::decode(encoded.as_bytes()).unwrap();
            // A pair with an empty name and value encodes as "=" and decodes back to ("", "").
            let expected = pairs;
            prop_assert_eq!(decoded, expected);
        }

        #[test]
        fn a_signed_notification_verifies_and_any_change_breaks_it(
            values in proptest::collection::vec("[ -~é]{0,16}", 16),
            changed in 0usize..16,
            trans_id in "[A-Za-z0-9-]{1,20}",
        ) {
            let mut values: [String; 16] = values.try_into().unwrap();
            values[1] = trans_id;
            let mut fields = values.clone();
            let ipn = notification_from(&values);
            let token = sign_notification(SECRET, &ipn);
            prop_assert_eq!(token.len(), 64);
            prop_assert!(token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
            let request = HttpRequest::new(Method::Post, "https://shop.example/n").header("x-token", token.clone()).body(ipn.to_form());
            prop_assert_eq!(verify_notification(SECRET, &request), Ok(Inbound::Received(ipn.clone())));
            fields[changed].push('x');
            let tampered = notification_from(&fields);
            let request = request.body(tampered.to_form());
            prop_assert_eq!(verify_notification(SECRET, &request), Err(NotificationError::BadSignature));
        }
    }

    fn notification_from(values: &[String; 16]) -> PaymentNotification {
        let form = form::encode(
            guichet::providers::cinetpay::NOTIFICATION_FIELDS
                .iter()
                .copied()
                .zip(values.iter().map(String::as_str)),
        );
        match read_notification(&HttpRequest::new(Method::Post, "https://x.example/").body(form))
            .unwrap()
        {
            Inbound::Received(ipn) => ipn,
            Inbound::Ping => unreachable!(),
        }
    }
}
