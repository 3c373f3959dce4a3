//! Moneroo, as <https://docs.moneroo.io> and docs/PROVIDERS.md describe it: bearer key,
//! Laravel envelopes and 422s, 12-character ids, a rate limit of 120 requests a minute,
//! webhooks signed with `X-Moneroo-Signature` to the dashboard's URLs, retried three
//! times ten minutes apart, payments abandoned after five minutes on the page.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::domain::{Country, Provider};
use crate::http::Method;

use super::checkout::{default_outcome, MethodChoice, ReturnTo, ShopperAction, Texts};
use super::faults::shaped_failure;
use super::lifecycle::{settle_payment, Attempt};
use super::moneroo_methods::{catalog, currency_object, payment_method};
use super::moneroo_validation::Validation;
use super::notify::{send, Notification};
use super::state::SharedState;
use super::store::{MonerooPaymentExtra, Outcome, PaymentExtra, PaymentRecord, Stage};
use super::support::{
    digits_only, group_thousands, hmac_sha256_hex, is_http_url, lock, with_query, UtcTime,
};

/// Moneroo's published test numbers.
pub(super) const TEST_SUCCESS: &str = "4149518161";
pub(super) const TEST_SECOND: &str = "4149518162";
pub(super) const TEST_THIRD: &str = "4149518163";

/// Moneroo abandons a payment left `initiated` this long.
const ABANDON_AFTER: Duration = Duration::from_secs(5 * 60);
/// Moneroo retries an unanswered webhook this often...
const RETRY_EVERY: Duration = Duration::from_secs(10 * 60);
/// ...this many times.
const RETRIES: u32 = 3;

/// Moneroo's routes, under `/moneroo`.
pub fn router(shared: SharedState) -> Router<SharedState> {
    let payouts = super::moneroo_payouts::router(shared.clone());
    let api = Router::new()
        .route("/moneroo/v1/payments/initialize", post(initialize_payment))
        .route("/moneroo/v1/payments/{id}/verify", get(verify_payment))
        .route("/moneroo/v1/payments/{id}", get(retrieve_payment))
        .route_layer(from_fn_with_state(shared, authenticate));
    Router::new()
        .merge(api)
        .merge(payouts)
        .route("/moneroo/utils/payment/methods", get(payment_methods))
}

pub(super) fn envelope(status: StatusCode, message: &str, data: Value) -> Response {
    (
        status,
        Json(json!({"message": message, "data": data, "errors": null})),
    )
        .into_response()
}

/// Rate limit first (per key, unauthenticated calls share one bucket), then the key.
pub(super) async fn authenticate(
    State(shared): State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    let key = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .map(str::to_owned);
    let limit = shared.settings().moneroo_rate_limit;
    let bucket = key.clone().unwrap_or_default();
    if !lock(&shared.moneroo_rate).allow(&bucket, limit, Instant::now()) {
        let mut response = shaped_failure(Provider::Moneroo, StatusCode::TOO_MANY_REQUESTS);
        let headers = response.headers_mut();
        headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        return response;
    }
    if key.as_deref() != Some(shared.credentials.moneroo_secret_key.as_str()) {
        return envelope(StatusCode::UNAUTHORIZED, "Unauthenticated.", Value::Null);
    }
    next.run(request).await
}

/// The JSON body as an object; a body that is not a JSON object reads as empty, as
/// Laravel's input does, and fails on the required fields.
pub(super) fn body_object(body: &[u8]) -> Map<String, Value> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

async fn initialize_payment(State(shared): State<SharedState>, body: Bytes) -> Response {
    let input = body_object(&body);
    let mut v = Validation::default();
    let amount = v.integer(&input, "amount", "amount");
    let currency = v.currency(&input);
    let description = v.string(&input, "description", "description");
    let return_url = v.string(&input, "return_url", "return_url");
    if let Some(url) = &return_url {
        if !is_http_url(url) {
            v.add(
                "return_url",
                "The return url field must be a valid URL.".to_owned(),
            );
        }
    }
    let (customer_json, customer) = v.customer(&input);
    let metadata = v.metadata(&input);
    let methods: Vec<String> = match input.get("methods") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| match item.as_str().and_then(payment_method) {
                Some(method) => Some(method.code.to_owned()),
                None => {
                    v.add(
                        &format!("methods.{i}"),
                        format!("The selected methods.{i} is invalid."),
                    );
                    None
                }
            })
            .collect(),
        Some(_) => {
            v.add("methods", "The methods field must be an array.".to_owned());
            Vec::new()
        }
    };
    let restrict_country =
        v.optional_string(&input, "restrict_country_code", "restrict_country_code");
    if let Some(code) = &restrict_country {
        if Country::parse(code).is_none() {
            v.add(
                "restrict_country_code",
                "The selected restrict country code is invalid.".to_owned(),
            );
        }
    }
    let restricted_phone = match input.get("restricted_phone") {
        None | Some(Value::Null) => None,
        Some(Value::Object(phone)) => {
            v.string(phone, "number", "restricted_phone.number");
            v.string(phone, "country_code", "restricted_phone.country_code");
            Some(Value::Object(phone.clone()))
        }
        Some(_) => {
            v.add(
                "restricted_phone",
                "The restricted phone field must be an array.".to_owned(),
            );
            None
        }
    };
    if restrict_country.is_some() && restricted_phone.is_some() {
        v.add(
            "restrict_country_code",
            "The restrict country code field prohibits restricted phone from being present."
                .to_owned(),
        );
        v.add(
            "restricted_phone",
            "The restricted phone field prohibits restrict country code from being present."
                .to_owned(),
        );
    }
    if let (Some(currency), false) = (&currency, methods.is_empty()) {
        let usable = methods
            .iter()
            .filter_map(|code| payment_method(code))
            .any(|m| m.currency == currency);
        if !usable {
            v.add(
                "methods",
                format!("None of the selected methods accepts {currency}."),
            );
        }
    }
    if let Err(response) = v.into_result() {
        return response;
    }
    let (Some(amount), Some(currency), Some(description), Some(return_url)) =
        (amount, currency, description, return_url)
    else {
        return envelope(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The given data was invalid.",
            Value::Null,
        );
    };

    let id = shared.draw(|rng| rng.lower_alnum(12));
    let customer_id = shared.draw(|rng| rng.lower_alnum(12));
    let checkout_url = format!("{}/moneroo/checkout/{id}", shared.base_url);
    let now = shared.now();
    let record = PaymentRecord {
        provider: Provider::Moneroo,
        id: id.clone(),
        page_id: id.clone(),
        stage: Stage::Initiated,
        amount,
        currency,
        description,
        checkout_url: checkout_url.clone(),
        return_url: Some(return_url),
        notify_url: None,
        customer,
        method: None,
        payer_phone: None,
        lang: "fr".to_owned(),
        created_at: now,
        updated_at: now,
        extra: PaymentExtra::Moneroo(MonerooPaymentExtra {
            customer: Value::Object(customer_json),
            metadata,
            methods,
            restrict_country_code: restrict_country.map(|c| c.to_ascii_uppercase()),
            restricted_phone,
            customer_id,
            gateway_transaction_id: None,
        }),
    };
    lock(&shared.store).insert_payment(record.clone());
    webhook(
        &shared,
        "payment.initiated",
        &record.id,
        payment_webhook_data(&record),
    );

    // Left on the page without starting to pay, the payment is abandoned.
    let abandon_shared = shared.clone();
    let abandon_id = id.clone();
    let abandon_after = shared
        .settings()
        .moneroo_abandon_ms
        .map_or_else(|| shared.scaled(ABANDON_AFTER), Duration::from_millis);
    shared.after(abandon_after, async move {
        let still_initiated = lock(&abandon_shared.store)
            .payment(Provider::Moneroo, &abandon_id)
            .is_some_and(|p| p.stage == Stage::Initiated);
        if still_initiated {
            // Err: the shopper acted in between; nothing to abandon.
            let _ = settle_payment(
                &abandon_shared,
                Provider::Moneroo,
                &abandon_id,
                Outcome::Cancelled,
                Attempt::default(),
            );
        }
    });

    envelope(
        StatusCode::CREATED,
        "Transaction initialized successfully.",
        json!({"id": id, "checkout_url": checkout_url}),
    )
}

/// Moneroo's word for a payment stage.
pub fn payment_status(stage: Stage) -> &'static str {
    match stage {
        Stage::Initiated => "initiated",
        Stage::Pending => "pending",
        Stage::Succeeded => "success",
        Stage::Failed => "failed",
        Stage::Cancelled => "cancelled",
    }
}

pub(super) fn iso(time: std::time::SystemTime) -> String {
    UtcTime::from_system(time).iso_micros()
}

pub(super) fn amount_formatted(amount: u64, currency: &str) -> String {
    format!("{} {}", group_thousands(amount, ","), currency)
}

fn extra(record: &PaymentRecord) -> Option<&MonerooPaymentExtra> {
    match &record.extra {
        PaymentExtra::Moneroo(extra) => Some(extra),
        PaymentExtra::CinetPay(_) | PaymentExtra::MoneyFusion(_) => None,
    }
}

fn customer_json(record: &PaymentRecord) -> Value {
    let sent = extra(record)
        .map(|e| e.customer.clone())
        .unwrap_or(Value::Null);
    let field = |name: &str| sent.get(name).cloned().unwrap_or(Value::Null);
    json!({
        "id": extra(record).map(|e| e.customer_id.clone()),
        "email": record.customer.email,
        "first_name": record.customer.first_name,
        "last_name": record.customer.last_name,
        "phone": field("phone"),
        "address": field("address"),
        "city": field("city"),
        "state": field("state"),
        "country": field("country"),
        "zip": field("zip"),
        "environment": "sandbox",
    })
}

/// The payment as verify (`currency_object`) and retrieve (currency as its code) show it.
fn payment_data(shared: &SharedState, record: &PaymentRecord, currency_object_form: bool) -> Value {
    let processed = record.stage.is_final();
    let capture = match (&record.method, record.stage) {
        (Some(code), Stage::Pending | Stage::Succeeded | Stage::Failed) => {
            let name = payment_method(code).map_or(code.as_str(), |m| m.name);
            json!({
                "identifier": extra(record).and_then(|e| e.gateway_transaction_id.clone()),
                "phone_number": record.payer_phone,
                "amount": record.amount,
                "method": {"id": code, "name": name, "short_code": code},
                "gateway": {
                    "name": "Moneroo Sandbox Gateway",
                    "account_name": "sandbox",
                    "transaction_id": extra(record).and_then(|e| e.gateway_transaction_id.clone()),
                    "transaction_status": payment_status(record.stage),
                    "transaction_failure_message": (record.stage == Stage::Failed).then_some("Payment declined by the operator"),
                },
                "context": {"ip": "127.0.0.1", "user_agent": null, "country": null, "local": "fr"},
            })
        }
        (
            None,
            Stage::Initiated | Stage::Pending | Stage::Succeeded | Stage::Failed | Stage::Cancelled,
        )
        | (Some(_), Stage::Initiated | Stage::Cancelled) => Value::Null,
    };
    json!({
        "id": record.id,
        "status": payment_status(record.stage),
        "is_processed": processed,
        "processed_at": processed.then(|| iso(record.updated_at)),
        "amount": record.amount,
        "amount_formatted": amount_formatted(record.amount, &record.currency),
        "currency": if currency_object_form { currency_object(&record.currency) } else { json!(record.currency) },
        "description": record.description,
        "return_url": record.return_url,
        "environment": "sandbox",
        "initiated_at": iso(record.created_at),
        "checkout_url": record.checkout_url,
        "payment_phone_number": record.payer_phone,
        "metadata": extra(record).map(|e| e.metadata.clone()),
        "app": {
            "id": "guichetsandbx",
            "name": "Guichet Sandbox",
            "website_url": shared.base_url,
            "icon_url": null,
        },
        "customer": customer_json(record),
        "capture": capture,
        "created_at": iso(record.created_at),
    })
}

fn payment_webhook_data(record: &PaymentRecord) -> Value {
    json!({
        "id": record.id,
        "amount": record.amount,
        "currency": record.currency,
        "status": payment_status(record.stage),
        "description": record.description,
        "environment": "sandbox",
        "metadata": extra(record).map(|e| e.metadata.clone()),
        "customer": {
            "id": extra(record).map(|e| e.customer_id.clone()),
            "email": record.customer.email,
            "first_name": record.customer.first_name,
            "last_name": record.customer.last_name,
            "phone": record.customer.phone,
        },
    })
}

pub(super) fn not_found(what: &str) -> Response {
    envelope(
        StatusCode::NOT_FOUND,
        &format!("{what} transaction not found."),
        Value::Null,
    )
}

async fn verify_payment(State(shared): State<SharedState>, Path(id): Path<String>) -> Response {
    show_payment(&shared, &id, true)
}

async fn retrieve_payment(State(shared): State<SharedState>, Path(id): Path<String>) -> Response {
    show_payment(&shared, &id, false)
}

fn show_payment(shared: &SharedState, id: &str, currency_object_form: bool) -> Response {
    let record = lock(&shared.store).payment(Provider::Moneroo, id).cloned();
    match record {
        Some(record) => envelope(
            StatusCode::OK,
            "Payment transaction fetched successfully",
            payment_data(shared, &record, currency_object_form),
        ),
        None => not_found("Payment"),
    }
}

/// Posts a webhook to every dashboard URL, signed over the exact body.
pub(super) fn webhook(shared: &SharedState, event: &str, subject: &str, data: Value) {
    let settings = shared.settings();
    if settings.moneroo_webhook_urls.is_empty() {
        return;
    }
    let body = json!({"event": event, "data": data})
        .to_string()
        .into_bytes();
    let signature = hmac_sha256_hex(shared.credentials.moneroo_webhook_secret.as_bytes(), &body);
    for url in settings.moneroo_webhook_urls {
        let notification = Notification {
            retries: RETRIES,
            retry_every: shared.scaled(RETRY_EVERY),
            only_200: true,
            ..Notification::once(shared, Provider::Moneroo, subject, event, Method::Post, url)
        }
        .header("Content-Type", "application/json")
        .header("User-Agent", "Moneroo-Webhooks/1.0")
        .header("X-Moneroo-Signature", signature.clone())
        .body(body.clone());
        send(shared, notification);
    }
}

/// Sends the webhook a payment's new stage calls for (`pending` has none).
pub fn payment_changed(shared: &SharedState, record: &PaymentRecord, before: Stage) {
    if before == record.stage {
        return;
    }
    let event = match record.stage {
        Stage::Initiated | Stage::Pending => return,
        Stage::Succeeded => "payment.success",
        Stage::Failed => "payment.failed",
        Stage::Cancelled => "payment.cancelled",
    };
    webhook(shared, event, &record.id, payment_webhook_data(record));
}

async fn payment_methods() -> Response {
    envelope(
        StatusCode::OK,
        "Payment methods fetched successfully",
        catalog(false),
    )
}

/// Which test number a phone number or account is, if any.
pub(super) fn test_number(text: &str) -> Option<&'static str> {
    let digits = digits_only(text);
    [TEST_SUCCESS, TEST_SECOND, TEST_THIRD]
        .into_iter()
        .find(|n| digits.ends_with(n))
}

// ---- hosted page -------------------------------------------------------------------

/// Methods the shopper may pick: the payment's currency, its `methods` list and its
/// country restriction.
pub fn page_methods(record: &PaymentRecord) -> Vec<MethodChoice> {
    let extra = extra(record);
    super::moneroo_methods::METHODS
        .iter()
        .filter(|m| m.payments && m.currency == record.currency)
        .filter(|m| {
            extra.is_none_or(|e| e.methods.is_empty() || e.methods.iter().any(|c| c == m.code))
        })
        .filter(|m| {
            extra
                .and_then(|e| e.restrict_country_code.as_deref())
                .is_none_or(|country| m.countries.is_empty() || m.countries.contains(&country))
        })
        .map(|m| MethodChoice {
            code: m.code.to_owned(),
            label: m.name.to_owned(),
            card: m.is_card(),
        })
        .collect()
}

/// The phone number to prefill, and whether the merchant locked it.
pub fn page_phone(record: &PaymentRecord) -> (Option<String>, bool) {
    let restricted = extra(record)
        .and_then(|e| e.restricted_phone.as_ref())
        .and_then(|p| p.get("number"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    match restricted {
        Some(number) => (Some(number), true),
        None => (record.customer.phone.clone(), false),
    }
}

/// Lines for testers.
pub fn page_hints(texts: &Texts) -> Vec<String> {
    vec![texts.moneroo_numbers().to_owned()]
}

/// How the shopper's button ends: the published test numbers decide "pay".
pub fn page_outcome(action: ShopperAction, phone: Option<&str>) -> Outcome {
    match (action, phone.and_then(test_number)) {
        (ShopperAction::Pay, Some(TEST_SUCCESS)) => Outcome::Success,
        (ShopperAction::Pay, Some(TEST_SECOND)) => Outcome::Pending,
        (ShopperAction::Pay, Some(_)) => Outcome::Failed,
        (action, _) => default_outcome(action),
    }
}

/// `return_url?paymentId=<id>&paymentStatus=<status>`.
pub fn page_return(record: &PaymentRecord) -> ReturnTo {
    match &record.return_url {
        Some(url) => ReturnTo::Link(with_query(
            url,
            &[
                ("paymentId", record.id.as_str()),
                ("paymentStatus", payment_status(record.stage)),
            ],
        )),
        None => ReturnTo::Nowhere,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_test_numbers_decide_payments_and_payouts_swap_two_of_them() {
        assert_eq!(
            page_outcome(ShopperAction::Pay, Some("4149518161")),
            Outcome::Success
        );
        assert_eq!(
            page_outcome(ShopperAction::Pay, Some("+229 4149518162")),
            Outcome::Pending
        );
        assert_eq!(
            page_outcome(ShopperAction::Pay, Some("4149518163")),
            Outcome::Failed
        );
        assert_eq!(
            page_outcome(ShopperAction::Pay, Some("0700000000")),
            Outcome::Success
        );
        assert_eq!(
            page_outcome(ShopperAction::Cancel, Some("4149518161")),
            Outcome::Cancelled
        );
        assert_eq!(test_number("4149518162"), Some(TEST_SECOND));
    }
}
