//! The Moneroo adapter against the shapes docs/PROVIDERS.md publishes: requests built, fixtures
//! read, signatures checked, and the builder's output held to Moneroo's rules by property
//! tests.
#![cfg(all(feature = "edge", not(target_arch = "wasm32")))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use guichet::domain::{
    Country, Currency, Customer, Lang, Metadata, Money, Order, PaymentStatus, Phone, Provider,
};
use guichet::http::{HttpResponse, Method};
use guichet::providers::moneroo::wire::{
    MonerooCurrency, MonerooEnvelope, MonerooErrorBody, MonerooInitializedPayment,
    MonerooInitializedPayout, MonerooMethodList, MonerooPayment, MonerooPaymentRequest,
    MonerooPaymentStatus, MonerooPayout, MonerooPayoutRequest, MonerooWebhookPayload,
};
use guichet::providers::moneroo::*;
use guichet::providers::PaymentRequest;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

const SECRET_KEY: &str = "pvk_test_4b1f9c2e7a|01HZX3K9";
const WEBHOOK_SECRET: &str = "whsec_moneroo_3f8a1c";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/moneroo/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn response(status: u16, name: &str) -> HttpResponse {
    HttpResponse::new(status, fixture(name))
}

fn keys() -> MonerooKeys {
    MonerooKeys::new(SECRET_KEY).with_webhook_secret(WEBHOOK_SECRET)
}

fn xof(amount: u64) -> Money {
    Money::from_minor(amount, Currency::XOF).unwrap()
}

fn customer() -> Customer {
    Customer {
        email: Some("awa.kone@example.ci".into()),
        first_name: Some("Awa".into()),
        last_name: Some("Koné".into()),
        phone: Some(Phone::parse("+2290197000000", None).unwrap()),
        country: Some(Country::BJ),
        address: None,
        city: Some("Cotonou".into()),
        state: None,
        zip: None,
    }
}

fn metadata(entries: &[(&str, &str)]) -> Metadata {
    Metadata::parse(
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        "metadata",
    )
    .unwrap()
}

fn payment(amount: Money) -> PaymentRequest {
    PaymentRequest {
        order: Order {
            reference: "ord_2024_0001".into(),
            description: "Commande ord_2024_0001".into(),
            items: Vec::new(),
            amount,
        },
        customer: customer(),
        lang: Lang::Fr,
        return_url: "https://shop.example/api/return?session=s_01".into(),
        notify_url: "https://shop.example/api/webhooks/moneroo".into(),
        channels: None,
        methods: Vec::new(),
        metadata: metadata(&[("session_id", "s_01")]),
    }
}

fn no_options() -> MonerooPaymentOptions {
    MonerooPaymentOptions::default()
}

fn body_json(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap()
}

fn violation_fields(violations: &guichet::domain::Violations) -> Vec<&str> {
    violations
        .as_slice()
        .iter()
        .map(|v| v.field.as_str())
        .collect()
}

fn violation_code<'a>(violations: &'a guichet::domain::Violations, field: &str) -> &'a str {
    &violations
        .for_field(field)
        .unwrap_or_else(|| panic!("no violation at {field}: {violations}"))
        .code
}

fn signed(body: &[u8]) -> String {
    sign_webhook(WEBHOOK_SECRET, body)
}

// ---------------------------------------------------------------------------------------
// Initialize a payment
// ---------------------------------------------------------------------------------------

#[test]
fn moneroo_initialize_posts_the_documented_json_with_bearer_auth() {
    let request = initialize_payment(&keys(), &payment(xof(5000)), &no_options()).unwrap();
    assert_eq!(request.method, Method::Post);
    assert_eq!(request.url, "https://api.moneroo.io/v1/payments/initialize");
    assert_eq!(
        request.header_value("authorization"),
        Some(format!("Bearer {SECRET_KEY}").as_str())
    );
    assert_eq!(request.header_value("accept"), Some("application/json"));
    assert_eq!(
        request.header_value("content-type"),
        Some("application/json")
    );
    assert_eq!(
        body_json(&request.body),
        json!({
            "amount": 5000,
            "currency": "XOF",
            "description": "Commande ord_2024_0001",
            "return_url": "https://shop.example/api/return?session=s_01",
            "customer": {
                "email": "awa.kone@example.ci",
                "first_name": "Awa",
                "last_name": "Koné",
                "phone": "2290197000000",
                "city": "Cotonou",
                "country": "BJ"
            },
            "metadata": {"guichet_reference": "ord_2024_0001", "session_id": "s_01"}
        })
    );
}

#[test]
fn moneroo_initialize_goes_to_the_configured_base_url() {
    let keys = keys().with_base_url("http://127.0.0.1:4010/");
    let request = initialize_payment(&keys, &payment(xof(5000)), &no_options()).unwrap();
    assert_eq!(request.url, "http://127.0.0.1:4010/v1/payments/initialize");
}

#[test]
fn moneroo_amounts_are_whole_major_units() {
    let usd = Money::from_minor(2500, Currency::USD).unwrap();
    let request = initialize_payment(&keys(), &payment(usd), &no_options()).unwrap();
    let body = body_json(&request.body);
    assert_eq!(body["amount"], json!(25));
    assert_eq!(body["currency"], json!("USD"));

    let cents = Money::from_minor(2550, Currency::USD).unwrap();
    let refused = validate_payment(&payment(cents), &no_options()).unwrap_err();
    assert_eq!(violation_code(&refused, "amount"), "fractional_amount");

    let refused = validate_payment(&payment(xof(0)), &no_options()).unwrap_err();
    assert_eq!(violation_code(&refused, "amount"), "amount_too_small");
}

#[test]
fn moneroo_initialize_requires_email_and_both_names() {
    let mut request = payment(xof(5000));
    request.customer.email = None;
    request.customer.first_name = Some("  ".into());
    request.customer.last_name = None;
    let refused = initialize_payment(&keys(), &request, &no_options()).unwrap_err();
    assert_eq!(
        violation_fields(&refused),
        [
            "customer.email",
            "customer.first_name",
            "customer.last_name"
        ]
    );
    for violation in refused.as_slice() {
        assert_eq!(violation.code, "required");
        assert!(!violation.message.fr.is_empty() && !violation.message.en.is_empty());
    }
}

#[test]
fn moneroo_initialize_requires_a_description_and_an_http_return_url() {
    let mut request = payment(xof(5000));
    request.order.description = " ".into();
    request.return_url = "javascript:alert(1)".into();
    let refused = validate_payment(&request, &no_options()).unwrap_err();
    assert_eq!(violation_code(&refused, "description"), "required");
    assert_eq!(violation_code(&refused, "return_url"), "invalid_url");
}

#[test]
fn moneroo_refuses_both_restrictions_at_once() {
    let options = MonerooPaymentOptions {
        restrict_country_code: Some("BJ".into()),
        restricted_phone: Some(RestrictedPhoneInput {
            number: Some("0197000000".into()),
            country_code: Some("BJ".into()),
        }),
    };
    let refused = initialize_payment(&keys(), &payment(xof(5000)), &options).unwrap_err();
    assert_eq!(
        violation_code(&refused, "restricted_phone"),
        "restrictions_exclusive"
    );
    let message = &refused.for_field("restricted_phone").unwrap().message;
    assert!(message.fr.contains("pas aux deux"), "{}", message.fr);
    assert!(message.en.contains("not both"), "{}", message.en);
}

#[test]
fn moneroo_restricts_to_a_country_by_its_alpha2_code() {
    let options = MonerooPaymentOptions {
        restrict_country_code: Some(" bj ".into()),
        restricted_phone: None,
    };
    let body = validate_payment(&payment(xof(5000)), &options).unwrap();
    assert_eq!(body.restrict_country_code.as_deref(), Some("BJ"));
    assert_eq!(body.restricted_phone, None);

    let options = MonerooPaymentOptions {
        restrict_country_code: Some("BEN".into()),
        restricted_phone: None,
    };
    let refused = validate_payment(&payment(xof(5000)), &options).unwrap_err();
    assert_eq!(
        violation_code(&refused, "restrict_country_code"),
        "invalid_country"
    );
}

#[test]
fn moneroo_restricted_phone_is_sent_as_national_number_and_country() {
    let options = MonerooPaymentOptions {
        restrict_country_code: None,
        restricted_phone: Some(RestrictedPhoneInput {
            number: Some("+229 01 97 00 00 00".into()),
            country_code: Some("bj".into()),
        }),
    };
    let request = initialize_payment(&keys(), &payment(xof(5000)), &options).unwrap();
    let body = body_json(&request.body);
    assert_eq!(
        body["restricted_phone"],
        json!({"number": "0197000000", "country_code": "BJ"})
    );
    assert!(body.get("restrict_country_code").is_none());
}

#[test]
fn moneroo_restricted_phone_needs_both_fields_and_a_matching_country() {
    let options = MonerooPaymentOptions {
        restrict_country_code: None,
        restricted_phone: Some(RestrictedPhoneInput::default()),
    };
    let refused = validate_payment(&payment(xof(5000)), &options).unwrap_err();
    assert_eq!(
        violation_fields(&refused),
        ["restricted_phone.country_code", "restricted_phone.number"]
    );

    let options = MonerooPaymentOptions {
        restrict_country_code: None,
        restricted_phone: Some(RestrictedPhoneInput {
            number: Some("+2250701020304".into()),
            country_code: Some("BJ".into()),
        }),
    };
    let refused = validate_payment(&payment(xof(5000)), &options).unwrap_err();
    assert_eq!(
        violation_code(&refused, "restricted_phone.number"),
        "phone_country_mismatch"
    );
}

#[test]
fn moneroo_method_codes_are_checked_and_reported_by_index() {
    let mut request = payment(xof(5000));
    request.methods = vec!["mtn_bj".into(), "MTN BJ".into(), "mtn_bj".into(), "".into()];
    let refused = validate_payment(&request, &no_options()).unwrap_err();
    assert_eq!(violation_fields(&refused), ["methods[1]", "methods[3]"]);
    assert_eq!(violation_code(&refused, "methods[1]"), "invalid_method");

    request.methods = vec!["mtn_bj".into(), "moov_bj".into(), "mtn_bj".into()];
    let body = validate_payment(&request, &no_options()).unwrap();
    assert_eq!(
        body.methods,
        ["mtn_bj", "moov_bj"],
        "duplicates are sent once"
    );
}

#[test]
fn moneroo_methods_are_checked_against_the_catalog_and_its_currency() {
    let catalog = read_methods(&response(200, "payment_methods.json")).unwrap();
    let methods = vec!["mtn_bj".into(), "card_usd".into(), "wave_sn".into()];
    let found = check_methods(&methods, &catalog, Currency::XOF);
    assert_eq!(violation_fields(&found), ["methods[1]", "methods[2]"]);
    assert_eq!(
        violation_code(&found, "methods[1]"),
        "method_currency_mismatch"
    );
    assert_eq!(violation_code(&found, "methods[2]"), "unknown_method");
    assert!(check_methods(&["orange_ci".into()], &catalog, Currency::XOF).is_empty());
}

#[test]
fn moneroo_supports_every_currency_of_its_catalog() {
    for currency in Currency::ALL {
        assert!(supports_currency(currency), "{currency}");
    }
}

// ---------------------------------------------------------------------------------------
// Read the initialize answer
// ---------------------------------------------------------------------------------------

#[test]
fn moneroo_initialize_201_gives_the_id_and_the_hosted_page() {
    let created = read_created_payment(&response(201, "payment_initialize_201.json")).unwrap();
    assert_eq!(created.provider_ref, "k4su1ii7abdz");
    assert_eq!(
        created.checkout_url,
        "https://checkout.moneroo.io/k4su1ii7abdz"
    );
}

#[test]
fn moneroo_initialize_201_with_a_success_flag_reads_the_same() {
    let created =
        read_created_payment(&response(201, "payment_initialize_201_success_flag.json")).unwrap();
    assert_eq!(created.provider_ref, "0b7d3c5e-8f1a-4c2b-9d6e-3a5f7b9c1d2e");
    assert!(created
        .checkout_url
        .starts_with("https://checkout.moneroo.io/"));
}

#[test]
fn moneroo_initialize_refuses_a_checkout_url_that_is_not_http() {
    let body = json!({"message": "ok", "data": {"id": "k4su1ii7abdz", "checkout_url": "javascript:alert(1)"}, "errors": null});
    let error =
        read_created_payment(&HttpResponse::new(201, body.to_string().into_bytes())).unwrap_err();
    assert_eq!(error.code, "bad_response");
    assert!(!error.retryable);
}

#[test]
fn moneroo_initialize_without_data_is_a_bad_response() {
    let error =
        read_created_payment(&HttpResponse::new(201, br#"{"message":"ok"}"#.to_vec())).unwrap_err();
    assert_eq!(error.code, "bad_response");
    assert_eq!(error.http_status, Some(201));
    let error = read_created_payment(&HttpResponse::new(201, b"<html>".to_vec())).unwrap_err();
    assert_eq!(error.code, "bad_response");
}

#[test]
fn moneroo_a_200_that_says_success_false_is_an_error() {
    let body = br#"{"success": false, "message": "Payment method unavailable", "data": null}"#;
    let error = read_created_payment(&HttpResponse::new(200, body.to_vec())).unwrap_err();
    assert_eq!(error.code, "200");
    assert_eq!(error.message, "Payment method unavailable");
}

// ---------------------------------------------------------------------------------------
// Verify and retrieve
// ---------------------------------------------------------------------------------------

#[test]
fn moneroo_verify_and_retrieve_are_authenticated_gets() {
    let verify = check_payment(&keys(), "k4su1ii7abdz");
    assert_eq!(verify.method, Method::Get);
    assert_eq!(
        verify.url,
        "https://api.moneroo.io/v1/payments/k4su1ii7abdz/verify"
    );
    assert_eq!(
        verify.header_value("Authorization"),
        Some(format!("Bearer {SECRET_KEY}").as_str())
    );
    assert_eq!(verify.header_value("Accept"), Some("application/json"));
    assert!(verify.body.is_empty());

    let retrieve = retrieve_payment(&keys(), "k4su1ii7abdz");
    assert_eq!(
        retrieve.url,
        "https://api.moneroo.io/v1/payments/k4su1ii7abdz"
    );
    let sneaky = check_payment(&keys(), "../payouts/x");
    assert_eq!(
        sneaky.url,
        "https://api.moneroo.io/v1/payments/..%2Fpayouts%2Fx/verify"
    );
}

#[test]
fn moneroo_verify_success_marks_session_paid() {
    let verification = read_payment_check(&response(200, "payment_verify_success.json")).unwrap();
    assert_eq!(verification.provider_ref, "k4su1ii7abdz");
    assert_eq!(verification.status, PaymentStatus::Succeeded);
    assert_eq!(verification.provider_status, "success");
    assert_eq!(verification.amount, Some(xof(5000)));
    assert_eq!(verification.reference.as_deref(), Some("ord_2024_0001"));
    assert_eq!(verification.settle(xof(5000)), PaymentStatus::Succeeded);
    assert_eq!(verification.settle(xof(5001)), PaymentStatus::Failed);
}

#[test]
fn moneroo_verify_success_keeps_every_published_field() {
    let payment = read_payment(&response(200, "payment_verify_success.json")).unwrap();
    assert_eq!(payment.is_processed, Some(true));
    assert_eq!(payment.amount_formatted.as_deref(), Some("5 000 XOF"));
    assert_eq!(
        payment.currency.as_ref().map(MonerooCurrency::code),
        Some("XOF")
    );
    assert_eq!(payment.environment.as_deref(), Some("sandbox"));
    assert_eq!(
        payment.customer.as_ref().and_then(|c| c.email.as_deref()),
        Some("awa.kone@example.ci")
    );
    let capture = payment.capture.unwrap();
    assert_eq!(
        capture.method.and_then(|m| m.short_code).as_deref(),
        Some("mtn_bj")
    );
    let gateway = capture.gateway.unwrap();
    assert_eq!(gateway.transaction_id, Some(json!("8120934455")));
    assert_eq!(gateway.transaction_status.as_deref(), Some("SUCCESSFUL"));
    assert_eq!(gateway.other.get("name"), Some(&json!("MTN MoMo")));
}

#[test]
fn moneroo_retrieve_reads_a_currency_given_as_a_plain_string() {
    let verification = read_payment_check(&response(
        200,
        "payment_retrieve_initiated_currency_string.json",
    ))
    .unwrap();
    assert_eq!(verification.status, PaymentStatus::Pending);
    assert_eq!(verification.provider_status, "initiated");
    assert_eq!(verification.amount, Some(xof(5000)));
    assert_eq!(verification.reference, None, "PHP's empty metadata is []");
}

#[test]
fn moneroo_verify_pending_keeps_session_pending() {
    let verification = read_payment_check(&response(200, "payment_verify_pending.json")).unwrap();
    assert_eq!(verification.status, PaymentStatus::Pending);
    assert_eq!(
        verification.amount,
        Some(Money::from_minor(12500, Currency::XAF).unwrap())
    );
    assert_eq!(verification.reference.as_deref(), Some("ord_2024_0002"));
}

#[test]
fn moneroo_verify_failed_marks_session_failed_with_amount_in_cents() {
    let verification = read_payment_check(&response(200, "payment_verify_failed.json")).unwrap();
    assert_eq!(verification.status, PaymentStatus::Failed);
    assert_eq!(
        verification.amount,
        Some(Money::from_minor(2500, Currency::USD).unwrap())
    );
}

#[test]
fn moneroo_verify_cancelled_marks_session_cancelled() {
    let verification = read_payment_check(&response(200, "payment_verify_cancelled.json")).unwrap();
    assert_eq!(verification.status, PaymentStatus::Cancelled);
    assert_eq!(verification.settle(xof(3000)), PaymentStatus::Cancelled);
}

#[test]
fn moneroo_unpublished_status_stays_pending() {
    let verification =
        read_payment_check(&response(200, "payment_verify_unknown_status.json")).unwrap();
    assert_eq!(verification.status, PaymentStatus::Pending);
    assert_eq!(verification.provider_status, "on_hold");
}

#[test]
fn moneroo_every_published_payment_status_has_its_place() {
    let cases = [
        ("initiated", PaymentStatus::Pending),
        ("pending", PaymentStatus::Pending),
        ("success", PaymentStatus::Succeeded),
        ("failed", PaymentStatus::Failed),
        ("cancelled", PaymentStatus::Cancelled),
        ("SUCCESS", PaymentStatus::Pending),
    ];
    for (word, expected) in cases {
        let status = MonerooPaymentStatus::from(word.to_owned());
        assert_eq!(payment_status(&status), expected, "{word}");
        assert_eq!(status.as_str(), word);
    }
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

#[test]
fn moneroo_error_answers_become_provider_errors() {
    let cases = [
        (401, "error_401.json", "Unauthenticated.", false),
        (403, "error_403.json", "This action is unauthorized.", false),
        (
            404,
            "error_404.json",
            "Payment transaction not found.",
            false,
        ),
        (429, "error_429.json", "Too Many Attempts.", true),
        (500, "error_500.json", "Server Error", true),
        (503, "error_503.json", "Service Unavailable", true),
    ];
    for (status, name, message, retryable) in cases {
        let error = read_error(&response(status, name));
        assert_eq!(error.provider, Provider::Moneroo, "{name}");
        assert_eq!(error.code, status.to_string(), "{name}");
        assert_eq!(error.http_status, Some(status), "{name}");
        assert_eq!(error.message, message, "{name}");
        assert_eq!(error.retryable, retryable, "{name}");
        // Every reader gives the same error for the same answer.
        assert_eq!(
            read_payment_check(&response(status, name)).unwrap_err(),
            error
        );
    }
}

#[test]
fn moneroo_429_says_when_to_call_again() {
    assert_eq!(retry_after(&response(429, "error_429.json")), Some(60));
    let mut answer = response(429, "error_429.json");
    answer.headers.push(("Retry-After".into(), "17".into()));
    assert_eq!(retry_after(&answer), Some(17));
    assert_eq!(retry_after(&response(500, "error_500.json")), None);
}

#[test]
fn moneroo_422_keeps_the_message_and_the_field_errors() {
    let answer = response(422, "error_422.json");
    let error = read_created_payment(&answer).unwrap_err();
    assert_eq!(error.code, "422");
    assert!(!error.retryable);
    assert!(
        error
            .message
            .starts_with("The customer.email field is required. (and 1 more error)"),
        "{}",
        error.message
    );
    assert!(error
        .message
        .contains("customer.email: The customer.email field is required."));
    assert!(error
        .message
        .contains("amount: The amount field must be an integer."));
    assert_eq!(
        read_field_errors(&answer),
        [
            (
                "amount".to_owned(),
                "The amount field must be an integer.".to_owned()
            ),
            (
                "customer.email".to_owned(),
                "The customer.email field is required.".to_owned()
            ),
        ]
    );
}

#[test]
fn moneroo_422_in_another_shape_is_still_read() {
    let answer = response(422, "error_422_list.json");
    assert_eq!(
        read_field_errors(&answer),
        [
            (
                "currency".to_owned(),
                "The selected currency is invalid.".to_owned()
            ),
            (
                String::new(),
                "The methods field contains unsupported methods.".to_owned()
            ),
        ]
    );
    let error = read_error(&answer);
    assert!(
        error.message.starts_with("Validation failed ("),
        "{}",
        error.message
    );
}

#[test]
fn moneroo_an_html_error_page_gets_a_default_message() {
    let error = read_error(&HttpResponse::new(
        502,
        b"<html><body>Bad Gateway</body></html>".to_vec(),
    ));
    assert_eq!(error.code, "502");
    assert_eq!(error.message, "Moneroo is unavailable");
    assert!(error.retryable);
    let error = read_error(&HttpResponse::new(401, Vec::new()));
    assert!(
        error.message.starts_with("unauthorized"),
        "{}",
        error.message
    );
    assert!(!error.retryable);
}

// ---------------------------------------------------------------------------------------
// Return URL
// ---------------------------------------------------------------------------------------

#[test]
fn moneroo_return_url_finds_the_session_but_never_decides() {
    let back = read_return(
        "https://shop.example/api/return?session=s_01&paymentId=k4su1ii7abdz&paymentStatus=success",
    )
    .unwrap();
    assert_eq!(back.payment_id, "k4su1ii7abdz");
    assert_eq!(back.payment_status, Some(MonerooPaymentStatus::Success));

    let back =
        read_return("monerooPaymentId=k4su1ii7abdz&monerooPaymentStatus=on%20hold#top").unwrap();
    assert_eq!(back.payment_id, "k4su1ii7abdz");
    assert_eq!(
        back.payment_status,
        Some(MonerooPaymentStatus::Unknown("on hold".into()))
    );

    assert_eq!(
        read_return("https://shop.example/api/return?paymentStatus=success"),
        None
    );
    assert_eq!(read_return("?paymentId=..%2F..%2Fadmin"), None);
    assert_eq!(read_return("?paymentId="), None);
    let back = read_return("?paymentId=k4su1ii7abdz&junk=%zz").unwrap();
    assert_eq!(back.payment_status, None);
}

// ---------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------

#[test]
fn moneroo_webhook_with_a_valid_signature_is_read() {
    let body = fixture("webhook_payment_success.json");
    let webhook = read_webhook(&keys(), &body, Some(&signed(&body))).unwrap();
    assert_eq!(webhook.event, MonerooEvent::PaymentSuccess);
    assert!(webhook.event.is_payment() && !webhook.event.is_payout());
    assert_eq!(webhook.id(), "k4su1ii7abdz");
    assert_eq!(webhook.amount(), Some(xof(5000)));
    assert_eq!(
        webhook.event.claimed_status(),
        Some(PaymentStatus::Succeeded)
    );
    assert_eq!(webhook.data.status.as_deref(), Some("success"));
}

#[test]
fn moneroo_webhook_with_a_tampered_body_is_refused() {
    let body = fixture("webhook_payment_success.json");
    let signature = signed(&body);
    let tampered = String::from_utf8(body)
        .unwrap()
        .replace("5000", "5")
        .into_bytes();
    let error = read_webhook(&keys(), &tampered, Some(&signature)).unwrap_err();
    assert_eq!(error, WebhookError::BadSignature);
    assert_eq!(error.http_status(), 403);
}

#[test]
fn moneroo_webhook_signed_with_another_secret_is_refused() {
    let body = fixture("webhook_payment_success.json");
    let signature = sign_webhook("whsec_someone_else", &body);
    assert_eq!(
        verify_webhook(&keys(), &body, Some(&signature)),
        Err(WebhookError::BadSignature)
    );
}

#[test]
fn moneroo_webhook_with_a_malformed_signature_is_refused() {
    let body = fixture("webhook_payment_success.json");
    let good = signed(&body);
    let malformed = [
        "not-hex-at-all".to_owned(),
        good[..63].to_owned(),
        good[..62].to_owned(),
        format!("{good}00"),
        format!("sha256={good}"),
        "zz".repeat(32),
    ];
    for signature in malformed {
        assert_eq!(
            verify_webhook(&keys(), &body, Some(&signature)),
            Err(WebhookError::BadSignature),
            "{signature}"
        );
    }
    // Hex is read case-insensitively and around spaces: same bytes, same signature.
    let upper = format!(" {} ", good.to_ascii_uppercase());
    assert_eq!(verify_webhook(&keys(), &body, Some(&upper)), Ok(()));
}

#[test]
fn moneroo_webhook_without_signature_or_secret_is_refused() {
    let body = fixture("webhook_payment_success.json");
    let error = verify_webhook(&keys(), &body, None).unwrap_err();
    assert_eq!(error, WebhookError::MissingSignature);
    assert_eq!(error.http_status(), 403);
    assert_eq!(
        verify_webhook(&keys(), &body, Some("  ")),
        Err(WebhookError::MissingSignature)
    );
    let unconfigured = MonerooKeys::new(SECRET_KEY);
    let error = verify_webhook(&unconfigured, &body, Some(&signed(&body))).unwrap_err();
    assert_eq!(error, WebhookError::NotConfigured);
    assert_eq!(error.http_status(), 503);
}

#[test]
fn moneroo_webhook_signed_but_unreadable_is_a_parse_error() {
    for body in [
        &b"not json"[..],
        br#"{"event":"payment.success"}"#,
        br#"{"event":"payment.success","data":{"id":""}}"#,
    ] {
        let error = read_webhook(&keys(), body, Some(&signed(body))).unwrap_err();
        assert_eq!(error, WebhookError::BadParse);
        assert_eq!(error.http_status(), 400);
    }
}

#[test]
fn moneroo_webhook_cancelled_payment_is_read() {
    let body = fixture("webhook_payment_cancelled.json");
    let webhook = read_webhook(&keys(), &body, Some(&signed(&body))).unwrap();
    assert_eq!(webhook.event, MonerooEvent::PaymentCancelled);
    assert_eq!(
        webhook.amount(),
        Some(xof(3000)),
        "currency given as an object"
    );
    assert_eq!(
        webhook.event.claimed_status(),
        Some(PaymentStatus::Cancelled)
    );
}

#[test]
fn moneroo_webhook_payout_failed_is_read() {
    let body = fixture("webhook_payout_failed.json");
    let webhook = read_webhook(&keys(), &body, Some(&signed(&body))).unwrap();
    assert_eq!(webhook.event, MonerooEvent::PayoutFailed);
    assert!(webhook.event.is_payout());
    assert_eq!(webhook.id(), "po2q4w6e8r0t");
}

#[test]
fn moneroo_webhook_unknown_event_is_acknowledged_not_acted_on() {
    let body = fixture("webhook_unknown_event.json");
    let webhook = read_webhook(&keys(), &body, Some(&signed(&body))).unwrap();
    assert_eq!(
        webhook.event,
        MonerooEvent::Unknown("payment.refunded".into())
    );
    assert!(!webhook.event.is_payment() && !webhook.event.is_payout());
    assert_eq!(webhook.event.claimed_status(), None);
}

#[test]
fn moneroo_every_published_event_reads_back_to_its_word() {
    let events = [
        ("payment.initiated", MonerooEvent::PaymentInitiated),
        ("payment.success", MonerooEvent::PaymentSuccess),
        ("payment.failed", MonerooEvent::PaymentFailed),
        ("payment.cancelled", MonerooEvent::PaymentCancelled),
        ("payout.initiated", MonerooEvent::PayoutInitiated),
        ("payout.success", MonerooEvent::PayoutSuccess),
        ("payout.failed", MonerooEvent::PayoutFailed),
    ];
    for (word, event) in events {
        assert_eq!(MonerooEvent::parse(word), event);
        assert_eq!(event.as_str(), word);
        assert_eq!(event.is_payment(), word.starts_with("payment."));
        assert_eq!(event.is_payout(), word.starts_with("payout."));
    }
}

// ---------------------------------------------------------------------------------------
// Payouts
// ---------------------------------------------------------------------------------------

fn payout(method: &str, recipient: PayoutRecipientInput) -> PayoutRequest {
    PayoutRequest {
        amount: xof(10000),
        description: "Remboursement ord_2024_0001".into(),
        method: method.into(),
        customer: customer(),
        recipient,
        metadata: metadata(&[("refund_of", "ord_2024_0001")]),
    }
}

fn msisdn(number: &str) -> PayoutRecipientInput {
    PayoutRecipientInput {
        msisdn: Some(number.into()),
        account_number: None,
    }
}

#[test]
fn moneroo_payout_sends_msisdn_as_an_integer_without_plus() {
    let request = initialize_payout(
        &keys(),
        &payout("mtn_bj", msisdn("+229 01 97 00 00 00")),
        None,
    )
    .unwrap();
    assert_eq!(request.method, Method::Post);
    assert_eq!(request.url, "https://api.moneroo.io/v1/payouts/initialize");
    assert_eq!(
        request.header_value("Authorization"),
        Some(format!("Bearer {SECRET_KEY}").as_str())
    );
    assert_eq!(
        request.header_value("Content-Type"),
        Some("application/json")
    );
    let body = body_json(&request.body);
    assert_eq!(
        body,
        json!({
            "amount": 10000,
            "currency": "XOF",
            "description": "Remboursement ord_2024_0001",
            "method": "mtn_bj",
            "customer": {
                "email": "awa.kone@example.ci",
                "first_name": "Awa",
                "last_name": "Koné",
                "phone": 2290197000000u64,
                "city": "Cotonou",
                "country": "BJ"
            },
            "metadata": {"refund_of": "ord_2024_0001"},
            "recipient": {"msisdn": 2290197000000u64}
        })
    );
    assert!(body["recipient"]["msisdn"].is_u64());
    assert!(body["customer"]["phone"].is_u64());
}

#[test]
fn moneroo_payout_demo_method_needs_an_account_number() {
    let recipient = PayoutRecipientInput {
        msisdn: None,
        account_number: Some("4149518161".into()),
    };
    let body = validate_payout(&payout(DEMO_METHOD, recipient), None).unwrap();
    assert_eq!(body.recipient.account_number.as_deref(), Some("4149518161"));
    assert_eq!(body.recipient.msisdn, None);

    let refused =
        validate_payout(&payout(DEMO_METHOD, msisdn("+2290197000000")), None).unwrap_err();
    assert_eq!(violation_fields(&refused), ["recipient.account_number"]);
}

#[test]
fn moneroo_payout_to_mobile_money_needs_a_valid_msisdn() {
    let refused =
        validate_payout(&payout("mtn_bj", PayoutRecipientInput::default()), None).unwrap_err();
    assert_eq!(violation_code(&refused, "recipient.msisdn"), "required");
    let refused = validate_payout(&payout("mtn_bj", msisdn("01 97 00")), None).unwrap_err();
    assert_eq!(
        violation_code(&refused, "recipient.msisdn"),
        "invalid_phone"
    );
}

#[test]
fn moneroo_payout_reads_a_national_msisdn_in_the_methods_country() {
    let catalog = read_methods(&response(200, "payout_methods.json")).unwrap();
    let mut request = payout("mtn_bj", msisdn("01 97 00 00 00"));
    request.customer.country = None;
    let body = validate_payout(&request, Some(&catalog)).unwrap();
    assert_eq!(body.recipient.msisdn, Some(2_290_197_000_000));

    let refused =
        validate_payout(&payout("mtn_bj", msisdn("+2250701020304")), Some(&catalog)).unwrap_err();
    assert_eq!(
        violation_code(&refused, "recipient.msisdn"),
        "phone_country_mismatch"
    );
}

#[test]
fn moneroo_payout_method_must_exist_and_take_the_currency() {
    let catalog = read_methods(&response(200, "payout_methods.json")).unwrap();
    let refused =
        validate_payout(&payout("wave_sn", msisdn("+221771234567")), Some(&catalog)).unwrap_err();
    assert_eq!(violation_code(&refused, "method"), "unknown_method");

    let refused =
        validate_payout(&payout("mpesa_ke", msisdn("+254712345678")), Some(&catalog)).unwrap_err();
    assert_eq!(
        violation_code(&refused, "currency"),
        "method_currency_mismatch"
    );

    let refused = validate_payout(&payout("MTN-BJ", msisdn("+2290197000000")), None).unwrap_err();
    assert_eq!(violation_code(&refused, "method"), "invalid_method");
}

#[test]
fn moneroo_payout_amount_and_customer_follow_the_payment_rules() {
    let mut request = payout("mtn_bj", msisdn("+2290197000000"));
    request.amount = Money::from_minor(1050, Currency::USD).unwrap();
    request.customer.email = None;
    request.description = String::new();
    let refused = validate_payout(&request, None).unwrap_err();
    assert_eq!(violation_code(&refused, "amount"), "fractional_amount");
    assert_eq!(violation_code(&refused, "description"), "required");
    assert_eq!(violation_code(&refused, "customer.email"), "required");
}

#[test]
fn moneroo_payout_initialize_201_gives_the_payout_id() {
    let created = read_created_payout(&response(201, "payout_initialize_201.json")).unwrap();
    assert_eq!(created.provider_ref, "po5z8x2c4v6b");
}

#[test]
fn moneroo_payout_verify_and_retrieve_are_authenticated_gets() {
    let verify = check_payout(&keys(), "po5z8x2c4v6b");
    assert_eq!(verify.method, Method::Get);
    assert_eq!(
        verify.url,
        "https://api.moneroo.io/v1/payouts/po5z8x2c4v6b/verify"
    );
    assert!(verify.header_value("Authorization").is_some());
    let retrieve = retrieve_payout(&keys(), "po5z8x2c4v6b");
    assert_eq!(
        retrieve.url,
        "https://api.moneroo.io/v1/payouts/po5z8x2c4v6b"
    );
}

#[test]
fn moneroo_payout_success_is_delivered() {
    let payout = read_payout_check(&response(200, "payout_verify_success.json")).unwrap();
    assert_eq!(payout.provider_ref, "po5z8x2c4v6b");
    assert_eq!(payout.status, PaymentStatus::Succeeded);
    assert_eq!(payout.provider_status, "success");
    assert_eq!(payout.amount, Some(xof(10000)));
}

#[test]
fn moneroo_payout_pending_and_failed_are_read() {
    let pending = read_payout_check(&response(200, "payout_verify_pending.json")).unwrap();
    assert_eq!(pending.status, PaymentStatus::Pending);
    assert_eq!(pending.amount, Some(xof(10000)), "currency as a string");
    let failed = read_payout_check(&response(200, "payout_retrieve_failed.json")).unwrap();
    assert_eq!(failed.status, PaymentStatus::Failed);
}

#[test]
fn moneroo_every_published_payout_status_has_its_place() {
    use guichet::providers::moneroo::wire::MonerooPayoutStatus;
    let cases = [
        ("initiated", PaymentStatus::Pending),
        ("pending", PaymentStatus::Pending),
        ("success", PaymentStatus::Succeeded),
        ("failed", PaymentStatus::Failed),
        ("reversed", PaymentStatus::Pending),
    ];
    for (word, expected) in cases {
        let status = MonerooPayoutStatus::from(word.to_owned());
        assert_eq!(payout_status(&status), expected, "{word}");
        assert_eq!(status.as_str(), word);
    }
}

// ---------------------------------------------------------------------------------------
// Method catalogs
// ---------------------------------------------------------------------------------------

#[test]
fn moneroo_catalogs_are_public_gets_outside_v1() {
    let keys = keys().with_base_url("http://127.0.0.1:4010");
    let payment = payment_methods(&keys);
    assert_eq!(payment.method, Method::Get);
    assert_eq!(payment.url, "http://127.0.0.1:4010/utils/payment/methods");
    assert_eq!(payment.header_value("Authorization"), None);
    let payout = payout_methods(&keys);
    assert_eq!(payout.url, "http://127.0.0.1:4010/utils/payout/methods");
    assert_eq!(payout.header_value("Authorization"), None);
}

#[test]
fn moneroo_payment_catalog_is_read_from_its_envelope() {
    let methods = read_methods(&response(200, "payment_methods.json")).unwrap();
    let codes: Vec<&str> = methods.iter().map(|m| m.short_code.as_str()).collect();
    assert_eq!(codes, ["mtn_bj", "orange_ci", "card_usd"]);
    let mtn = find_method(&methods, "mtn_bj").unwrap();
    assert_eq!(mtn.name.as_deref(), Some("MTN Mobile Money Bénin"));
    assert_eq!(
        mtn.currency.as_ref().map(MonerooCurrency::code),
        Some("XOF")
    );
    assert_eq!(mtn.countries[0].code(), "BJ");
    assert_eq!(mtn.fields[0].name, "phone");
    assert_eq!(mtn.fields[0].kind.as_deref(), Some("integer"));
    assert_eq!(
        mtn.fields[0].length.as_ref().and_then(|l| l.value()),
        Some(13)
    );
    let orange = find_method(&methods, "orange_ci").unwrap();
    assert_eq!(
        orange.countries[0].code(),
        "CI",
        "country given as an object"
    );
}

#[test]
fn moneroo_payout_catalog_is_read_as_a_bare_list() {
    let methods = read_methods(&response(200, "payout_methods.json")).unwrap();
    assert_eq!(methods.len(), 3);
    let demo = find_method(&methods, DEMO_METHOD).unwrap();
    assert_eq!(demo.fields[0].name, "account_number");
    assert_eq!(demo.fields[0].length, None);
    let mpesa = find_method(&methods, "mpesa_ke").unwrap();
    assert_eq!(
        mpesa.currency.as_ref().map(MonerooCurrency::code),
        Some("KES")
    );
    assert_eq!(
        mpesa.fields[0].length.as_ref().and_then(|l| l.value()),
        Some(12)
    );
}

#[test]
fn moneroo_catalog_errors_are_provider_errors() {
    let error = read_methods(&response(503, "error_503.json")).unwrap_err();
    assert!(error.retryable);
    let error = read_methods(&HttpResponse::new(200, b"{\"data\": 3}".to_vec())).unwrap_err();
    assert_eq!(error.code, "bad_response");
}

// ---------------------------------------------------------------------------------------
// Fixtures round-trip through their wire types
// ---------------------------------------------------------------------------------------

/// Every fixture and the wire type it is read as.
const FIXTURES: &[(&str, Shape)] = &[
    ("payment_initialize_201.json", Shape::Initialized),
    (
        "payment_initialize_201_success_flag.json",
        Shape::Initialized,
    ),
    ("payment_verify_success.json", Shape::Payment),
    (
        "payment_retrieve_initiated_currency_string.json",
        Shape::Payment,
    ),
    ("payment_verify_pending.json", Shape::Payment),
    ("payment_verify_failed.json", Shape::Payment),
    ("payment_verify_cancelled.json", Shape::Payment),
    ("payment_verify_unknown_status.json", Shape::Payment),
    ("error_401.json", Shape::Error),
    ("error_403.json", Shape::Error),
    ("error_404.json", Shape::Error),
    ("error_422.json", Shape::Error),
    ("error_422_list.json", Shape::Error),
    ("error_429.json", Shape::Error),
    ("error_500.json", Shape::Error),
    ("error_503.json", Shape::Error),
    ("payout_initialize_201.json", Shape::PayoutInitialized),
    ("payout_verify_success.json", Shape::Payout),
    ("payout_verify_pending.json", Shape::Payout),
    ("payout_retrieve_failed.json", Shape::Payout),
    ("payment_methods.json", Shape::Methods),
    ("payout_methods.json", Shape::Methods),
    ("webhook_payment_success.json", Shape::Webhook),
    ("webhook_payment_cancelled.json", Shape::Webhook),
    ("webhook_payout_failed.json", Shape::Webhook),
    ("webhook_unknown_event.json", Shape::Webhook),
];

#[derive(Debug, Clone, Copy)]
enum Shape {
    Initialized,
    Payment,
    Error,
    PayoutInitialized,
    Payout,
    Methods,
    Webhook,
}

fn round_trip<T>(name: &str)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let first: T = serde_json::from_slice(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let written = serde_json::to_vec(&first).unwrap();
    let second: T = serde_json::from_slice(&written).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(first, second, "{name}");
}

#[test]
fn moneroo_every_fixture_round_trips_through_its_wire_type() {
    for (name, shape) in FIXTURES {
        match shape {
            Shape::Initialized => round_trip::<MonerooEnvelope<MonerooInitializedPayment>>(name),
            Shape::Payment => round_trip::<MonerooEnvelope<MonerooPayment>>(name),
            Shape::Error => round_trip::<MonerooErrorBody>(name),
            Shape::PayoutInitialized => {
                round_trip::<MonerooEnvelope<MonerooInitializedPayout>>(name);
            }
            Shape::Payout => round_trip::<MonerooEnvelope<MonerooPayout>>(name),
            Shape::Methods => round_trip::<MonerooMethodList>(name),
            Shape::Webhook => round_trip::<MonerooWebhookPayload>(name),
        }
    }
}

#[test]
fn moneroo_every_fixture_file_is_listed() {
    let dir = format!("{}/tests/fixtures/moneroo", env!("CARGO_MANIFEST_DIR"));
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = FIXTURES.iter().map(|(n, _)| (*n).to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}

#[test]
fn moneroo_built_requests_round_trip_through_their_wire_types() {
    let options = MonerooPaymentOptions {
        restrict_country_code: None,
        restricted_phone: Some(RestrictedPhoneInput {
            number: Some("0197000000".into()),
            country_code: Some("BJ".into()),
        }),
    };
    let request = initialize_payment(&keys(), &payment(xof(5000)), &options).unwrap();
    let parsed: MonerooPaymentRequest = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        parsed,
        validate_payment(&payment(xof(5000)), &options).unwrap()
    );
    assert_eq!(serde_json::to_vec(&parsed).unwrap(), request.body);

    let request =
        initialize_payout(&keys(), &payout("mtn_bj", msisdn("+2290197000000")), None).unwrap();
    let parsed: MonerooPayoutRequest = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(serde_json::to_vec(&parsed).unwrap(), request.body);
}

// ---------------------------------------------------------------------------------------
// Secrets never show
// ---------------------------------------------------------------------------------------

#[test]
fn moneroo_keys_debug_never_shows_a_secret() {
    let shown = format!("{:?}", keys());
    assert!(!shown.contains(SECRET_KEY), "{shown}");
    assert!(!shown.contains(WEBHOOK_SECRET), "{shown}");
    assert!(shown.contains("***"), "{shown}");
    assert!(shown.contains("https://api.moneroo.io"), "{shown}");

    let request = initialize_payment(&keys(), &payment(xof(5000)), &no_options()).unwrap();
    let shown = format!("{request:?}");
    assert!(!shown.contains(SECRET_KEY), "{shown}");
}

#[test]
fn moneroo_provider_error_never_shows_a_secret_even_when_echoed() {
    let body = json!({"message": format!("Invalid API key {SECRET_KEY} (Bearer {SECRET_KEY})")});
    let error = read_error(&HttpResponse::new(401, body.to_string().into_bytes()));
    for shown in [format!("{error:?}"), error.to_string()] {
        assert!(!shown.contains(SECRET_KEY), "{shown}");
        assert!(!shown.contains("pvk_test"), "{shown}");
    }
    assert!(
        error.message.starts_with("Invalid API key ***"),
        "{}",
        error.message
    );
}

// ---------------------------------------------------------------------------------------
// Properties: whatever the input, what the builder emits obeys Moneroo's rules
// ---------------------------------------------------------------------------------------

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Mostly valid names, sometimes missing or blank.
    fn text() -> impl Strategy<Value = Option<String>> {
        prop_oneof![
            1 => Just(None),
            1 => Just(Some(String::new())),
            1 => Just(Some("   ".to_owned())),
            12 => "[A-Za-zÀ-ÿ' -]{0,19}[A-Za-z]".prop_map(Some),
        ]
    }

    fn currency() -> impl Strategy<Value = Currency> {
        proptest::sample::select(Currency::ALL.to_vec())
    }

    fn options() -> impl Strategy<Value = MonerooPaymentOptions> {
        let country = prop_oneof![
            6 => Just(None),
            1 => Just(Some("BJ".to_owned())),
            1 => Just(Some("ci".to_owned())),
            1 => Just(Some("XX".to_owned())),
            1 => Just(Some(String::new())),
        ];
        let phone = prop_oneof![
            6 => Just(None),
            1 => Just(Some(RestrictedPhoneInput {
                number: Some("0197000000".into()),
                country_code: Some("BJ".into()),
            })),
            1 => Just(Some(RestrictedPhoneInput {
                number: Some("+2250701020304".into()),
                country_code: Some("CI".into()),
            })),
            1 => Just(Some(RestrictedPhoneInput {
                number: None,
                country_code: Some("SN".into()),
            })),
            1 => (
                proptest::option::of("[0-9+ ]{0,16}"),
                proptest::option::of("[A-Za-z]{0,3}")
            )
                .prop_map(|(number, country_code)| Some(RestrictedPhoneInput {
                    number,
                    country_code
                })),
        ];
        (country, phone).prop_map(|(restrict_country_code, restricted_phone)| {
            MonerooPaymentOptions {
                restrict_country_code,
                restricted_phone,
            }
        })
    }

    prop_compose! {
        fn request()(
            major in prop_oneof![10 => 0u64..5_000_000, 1 => Just(u64::MAX)],
            cents in prop_oneof![6 => Just(0u64), 1 => 1u64..100],
            currency in currency(),
            email in prop_oneof![
                1 => Just(None),
                8 => Just(Some("awa@example.ci".to_owned())),
                1 => Just(Some(" ".to_owned())),
            ],
            first_name in text(),
            last_name in text(),
            description in prop_oneof![8 => "[ -~]{0,29}[!-~]", 1 => " {0,3}"],
            return_url in prop_oneof![
                6 => Just("https://shop.example/return".to_owned()),
                2 => Just("http://127.0.0.1:8080/r?x=1".to_owned()),
                1 => Just("ftp://shop.example".to_owned()),
                1 => Just(String::new()),
            ],
            methods in proptest::collection::vec(
                prop_oneof![8 => "[a-z][a-z0-9_]{0,10}", 1 => "[A-Z ]{0,4}"],
                0..4,
            ),
            notes in proptest::collection::btree_map("[a-z_]{1,10}", "[ -~]{0,20}", 0..5),
        ) -> PaymentRequest {
            let minor = major
                .saturating_mul(currency.minor_per_major())
                .saturating_add(cents % currency.minor_per_major())
                .min(guichet::domain::money::MAX_AMOUNT);
            let mut request = payment(Money::from_minor(minor, currency).unwrap());
            request.customer.email = email;
            request.customer.first_name = first_name;
            request.customer.last_name = last_name;
            request.order.description = description;
            request.return_url = return_url;
            request.methods = methods;
            request.metadata = Metadata::parse(notes, "metadata").unwrap_or_default();
            request
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn moneroo_initialize_never_emits_a_request_moneroo_would_refuse(
            request in request(),
            options in options(),
        ) {
            let built = initialize_payment(&keys(), &request, &options);
            let both = options.restrict_country_code.as_deref().is_some_and(|c| !c.trim().is_empty())
                && options.restricted_phone.is_some();
            match built {
                Err(violations) => {
                    prop_assert!(!violations.is_empty());
                    for v in violations.as_slice() {
                        prop_assert!(!v.field.is_empty() && !v.message.fr.is_empty() && !v.message.en.is_empty());
                    }
                    if both {
                        prop_assert!(violations.for_field("restricted_phone").is_some());
                    }
                }
                Ok(http) => {
                    prop_assert!(!both, "both restrictions were accepted");
                    let body = body_json(&http.body);
                    let object = body.as_object().unwrap();

                    // Integer amount in major units, above zero, equal to the order's.
                    prop_assert!(body["amount"].is_u64());
                    let major = body["amount"].as_u64().unwrap();
                    prop_assert!(major > 0);
                    prop_assert_eq!(
                        Money::from_major(major, request.order.currency()).unwrap(),
                        request.order.amount
                    );
                    prop_assert!(Currency::from_code(body["currency"].as_str().unwrap()).is_some());
                    prop_assert!(!body["description"].as_str().unwrap().trim().is_empty());
                    let url = body["return_url"].as_str().unwrap();
                    prop_assert!(url.starts_with("https://") || url.starts_with("http://"));

                    // Required customer fields present and non-empty.
                    for field in ["email", "first_name", "last_name"] {
                        let value = body["customer"][field].as_str();
                        prop_assert!(value.is_some_and(|v| !v.trim().is_empty()), "customer.{}", field);
                    }

                    // Metadata: string keys to string values only, reference included.
                    if let Some(metadata) = object.get("metadata") {
                        let metadata = metadata.as_object().unwrap();
                        prop_assert!(metadata.values().all(Value::is_string));
                        prop_assert_eq!(metadata.get(REFERENCE_KEY), Some(&json!("ord_2024_0001")));
                    }

                    // Method codes well formed, never an empty list.
                    if let Some(methods) = object.get("methods") {
                        let methods = methods.as_array().unwrap();
                        prop_assert!(!methods.is_empty());
                        for m in methods {
                            let m = m.as_str().unwrap();
                            prop_assert!(!m.is_empty() && m.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
                        }
                    }

                    // Never both restrictions; a phone restriction carries both fields.
                    prop_assert!(!(object.contains_key("restrict_country_code") && object.contains_key("restricted_phone")));
                    if let Some(phone) = object.get("restricted_phone") {
                        prop_assert!(phone["number"].as_str().is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())));
                        prop_assert!(phone["country_code"].as_str().is_some_and(|c| Country::parse(c).is_some()));
                    }
                    if let Some(code) = object.get("restrict_country_code") {
                        let code = code.as_str().unwrap();
                        prop_assert!(Country::parse(code).is_some() && code == code.to_ascii_uppercase());
                    }

                    // Only documented top-level fields.
                    for key in object.keys() {
                        prop_assert!(
                            ["amount", "currency", "description", "return_url", "customer", "metadata", "methods", "restrict_country_code", "restricted_phone"].contains(&key.as_str()),
                            "undocumented field {}", key
                        );
                    }
                }
            }
        }

        #[test]
        fn moneroo_payout_msisdn_is_always_a_json_integer(
            digits in "[0-9]{8,10}",
            method in prop_oneof![Just("mtn_bj"), Just("orange_ci"), Just(DEMO_METHOD)],
            country in proptest::sample::select(vec![Country::BJ, Country::CI, Country::SN]),
        ) {
            let mut request = payout(method, PayoutRecipientInput {
                msisdn: Some(digits.clone()),
                account_number: Some(digits),
            });
            request.customer.country = Some(country);
            if let Ok(http) = initialize_payout(&keys(), &request, None) {
                let body = body_json(&http.body);
                let recipient = body["recipient"].as_object().unwrap();
                if method == DEMO_METHOD {
                    prop_assert!(recipient["account_number"].is_string());
                    prop_assert!(!recipient.contains_key("msisdn"));
                } else {
                    prop_assert!(recipient["msisdn"].is_u64());
                    let text = recipient["msisdn"].to_string();
                    let international = format!("+{text}");
                    prop_assert!(Phone::parse(&international, None).is_ok());
                    prop_assert!(!recipient.contains_key("account_number"));
                }
            }
        }
    }
}
