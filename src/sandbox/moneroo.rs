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

use crate::domain::{Country, Currency, Provider};
use crate::http::Method;

use super::checkout::{default_outcome, MethodChoice, ReturnTo, ShopperAction, Texts};
use super::faults::shaped_failure;
use super::lifecycle::{run_payout, settle_payment, Attempt};
use super::moneroo_methods::{catalog, currency_object, payment_method, payout_method};
use super::notify::{send, Notification};
use super::state::SharedState;
use super::store::{
    Customer, MonerooPaymentExtra, Outcome, PaymentExtra, PaymentRecord, PayoutRecord, Stage,
};
use super::support::{
    digits_only, group_thousands, hmac_sha256_hex, is_http_url, lock, with_query, UtcTime,
};

/// Moneroo's published test numbers.
const TEST_SUCCESS: &str = "4149518161";
const TEST_SECOND: &str = "4149518162";
const TEST_THIRD: &str = "4149518163";

/// Moneroo abandons a payment left `initiated` this long.
const ABANDON_AFTER: Duration = Duration::from_secs(5 * 60);
/// Moneroo retries an unanswered webhook this often...
const RETRY_EVERY: Duration = Duration::from_secs(10 * 60);
/// ...this many times.
const RETRIES: u32 = 3;

/// Moneroo's routes, under `/moneroo`.
pub fn router(shared: SharedState) -> Router<SharedState> {
    let api = Router::new()
        .route("/moneroo/v1/payments/initialize", post(initialize_payment))
        .route("/moneroo/v1/payments/{id}/verify", get(verify_payment))
        .route("/moneroo/v1/payments/{id}", get(retrieve_payment))
        .route("/moneroo/v1/payouts/initialize", post(initialize_payout))
        .route("/moneroo/v1/payouts/{id}/verify", get(verify_payout))
        .route("/moneroo/v1/payouts/{id}", get(retrieve_payout))
        .route_layer(from_fn_with_state(shared, authenticate));
    Router::new()
        .merge(api)
        .route("/moneroo/utils/payment/methods", get(payment_methods))
        .route("/moneroo/utils/payout/methods", get(payout_methods))
}

fn envelope(status: StatusCode, message: &str, data: Value) -> Response {
    (
        status,
        Json(json!({"message": message, "data": data, "errors": null})),
    )
        .into_response()
}

/// Rate limit first (per key, unauthenticated calls share one bucket), then the key.
async fn authenticate(State(shared): State<SharedState>, request: Request, next: Next) -> Response {
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

/// Laravel's validation errors: `{message, errors: {field: [msg]}}`, 422.
#[derive(Debug, Default)]
struct Validation {
    errors: Vec<(String, String)>,
}

impl Validation {
    fn add(&mut self, field: &str, message: String) {
        self.errors.push((field.to_owned(), message));
    }

    /// Laravel's attribute name: underscores become spaces (`return url`).
    fn label(field: &str) -> String {
        field.replace('_', " ")
    }

    fn required<'a>(
        &mut self,
        object: &'a Map<String, Value>,
        field: &str,
        path: &str,
    ) -> Option<&'a Value> {
        match object.get(field) {
            None | Some(Value::Null) => {
                self.add(
                    path,
                    format!("The {} field is required.", Self::label(path)),
                );
                None
            }
            Some(Value::String(s)) if s.trim().is_empty() => {
                self.add(
                    path,
                    format!("The {} field is required.", Self::label(path)),
                );
                None
            }
            Some(value) => Some(value),
        }
    }

    fn string(&mut self, object: &Map<String, Value>, field: &str, path: &str) -> Option<String> {
        match self.required(object, field, path)? {
            Value::String(s) => Some(s.trim().to_owned()),
            _ => {
                self.add(
                    path,
                    format!("The {} field must be a string.", Self::label(path)),
                );
                None
            }
        }
    }

    fn optional_string(
        &mut self,
        object: &Map<String, Value>,
        field: &str,
        path: &str,
    ) -> Option<String> {
        match object.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(_) => {
                self.add(
                    path,
                    format!("The {} field must be a string.", Self::label(path)),
                );
                None
            }
        }
    }

    /// Laravel's `integer`: a JSON integer, or a string of digits.
    fn integer(&mut self, object: &Map<String, Value>, field: &str, path: &str) -> Option<u64> {
        let value = self.required(object, field, path)?;
        let parsed = match value {
            Value::Number(n) => n.as_u64().or_else(|| n.as_i64().map(|_| 0)),
            Value::String(s) => {
                let s = s.trim();
                s.parse::<u64>().ok().filter(|_| !s.starts_with('+'))
            }
            _ => None,
        };
        match parsed {
            Some(0) => {
                self.add(
                    path,
                    format!("The {} field must be at least 1.", Self::label(path)),
                );
                None
            }
            Some(n) => Some(n),
            None => {
                self.add(
                    path,
                    format!("The {} field must be an integer.", Self::label(path)),
                );
                None
            }
        }
    }

    fn currency(&mut self, object: &Map<String, Value>) -> Option<String> {
        let code = self.string(object, "currency", "currency")?;
        match Currency::from_code(&code) {
            Some(currency) if code.len() == 3 => Some(currency.code().to_owned()),
            _ => {
                self.add("currency", "The selected currency is invalid.".to_owned());
                None
            }
        }
    }

    fn email(&mut self, object: &Map<String, Value>, field: &str, path: &str) -> Option<String> {
        let email = self.string(object, field, path)?;
        let valid = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !email.contains(' ')
        });
        if valid {
            Some(email)
        } else {
            self.add(
                path,
                format!(
                    "The {} field must be a valid email address.",
                    Self::label(path)
                ),
            );
            None
        }
    }

    /// String-to-string metadata; anything else is refused as Moneroo documents.
    fn metadata(&mut self, object: &Map<String, Value>) -> Value {
        match object.get("metadata") {
            None | Some(Value::Null) => Value::Null,
            Some(Value::Object(map)) => {
                for (key, value) in map {
                    if !value.is_string() {
                        self.add(
                            &format!("metadata.{key}"),
                            format!("The metadata.{key} field must be a string."),
                        );
                    }
                }
                Value::Object(map.clone())
            }
            Some(Value::Array(items)) if items.is_empty() => Value::Null,
            Some(_) => {
                self.add(
                    "metadata",
                    "The metadata field must be an array.".to_owned(),
                );
                Value::Null
            }
        }
    }

    fn customer(&mut self, object: &Map<String, Value>) -> (Map<String, Value>, Customer) {
        let empty = Map::new();
        let customer = match object.get("customer") {
            Some(Value::Object(map)) => map,
            None | Some(Value::Null) => &empty,
            Some(_) => {
                self.add(
                    "customer",
                    "The customer field must be an array.".to_owned(),
                );
                &empty
            }
        };
        let email = self.email(customer, "email", "customer.email");
        let first_name = self.string(customer, "first_name", "customer.first_name");
        let last_name = self.string(customer, "last_name", "customer.last_name");
        let phone = self.optional_string(customer, "phone", "customer.phone");
        for field in ["address", "city", "state", "zip"] {
            self.optional_string(customer, field, &format!("customer.{field}"));
        }
        if let Some(country) = self.optional_string(customer, "country", "customer.country") {
            if Country::parse(&country).is_none() {
                self.add(
                    "customer.country",
                    "The selected customer.country is invalid.".to_owned(),
                );
            }
        }
        (
            customer.clone(),
            Customer {
                first_name: first_name.unwrap_or_default(),
                last_name: last_name.unwrap_or_default(),
                email,
                phone,
            },
        )
    }

    fn into_result(self) -> Result<(), Response> {
        if self.errors.is_empty() {
            return Ok(());
        }
        let mut errors = Map::new();
        for (field, message) in &self.errors {
            let entry = errors
                .entry(field.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = entry {
                list.push(json!(message));
            }
        }
        let mut message = self.errors[0].1.clone();
        let more = self.errors.len() - 1;
        if more > 0 {
            let noun = if more == 1 { "error" } else { "errors" };
            message.push_str(&format!(" (and {more} more {noun})"));
        }
        Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"message": message, "data": null, "errors": errors})),
        )
            .into_response())
    }
}

/// The JSON body as an object; a body that is not a JSON object reads as empty, as
/// Laravel's input does, and fails on the required fields.
fn body_object(body: &[u8]) -> Map<String, Value> {
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
    shared.after(shared.scaled(ABANDON_AFTER), async move {
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

/// Moneroo's word for a payout stage (a cancelled payout is a failed one).
pub fn payout_status(stage: Stage) -> &'static str {
    match stage {
        Stage::Initiated => "initiated",
        Stage::Pending => "pending",
        Stage::Succeeded => "success",
        Stage::Failed | Stage::Cancelled => "failed",
    }
}

fn iso(time: std::time::SystemTime) -> String {
    UtcTime::from_system(time).iso_micros()
}

fn amount_formatted(amount: u64, currency: &str) -> String {
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

fn not_found(what: &str) -> Response {
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
fn webhook(shared: &SharedState, event: &str, subject: &str, data: Value) {
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

async fn payout_methods() -> Response {
    envelope(
        StatusCode::OK,
        "Payout methods fetched successfully",
        catalog(true),
    )
}

/// Which test number a phone number or account is, if any.
fn test_number(text: &str) -> Option<&'static str> {
    let digits = digits_only(text);
    [TEST_SUCCESS, TEST_SECOND, TEST_THIRD]
        .into_iter()
        .find(|n| digits.ends_with(n))
}

async fn initialize_payout(State(shared): State<SharedState>, body: Bytes) -> Response {
    let input = body_object(&body);
    let mut v = Validation::default();
    let amount = v.integer(&input, "amount", "amount");
    let currency = v.currency(&input);
    let description = v.string(&input, "description", "description");
    let method_code = v.string(&input, "method", "method");
    let method = method_code.as_deref().and_then(|code| {
        let found = payout_method(code);
        if found.is_none() {
            v.add("method", "The selected method is invalid.".to_owned());
        }
        found
    });
    if let (Some(method), Some(currency)) = (method, &currency) {
        if method.currency != currency {
            v.add(
                "method",
                format!("The selected method does not support {currency}."),
            );
        }
    }
    v.customer(&input);
    v.metadata(&input);
    let empty = Map::new();
    let recipient = match input.get("recipient") {
        Some(Value::Object(map)) => map,
        _ => {
            if method.is_some() {
                v.add("recipient", "The recipient field is required.".to_owned());
            }
            &empty
        }
    };
    let mut recipient_id = None;
    if let Some(method) = method {
        for (field, kind) in method.payout_fields() {
            let path = format!("recipient.{field}");
            let value = if *kind == "integer" {
                v.integer(recipient, field, &path).map(|n| n.to_string())
            } else {
                v.optional_string(recipient, field, &path).or_else(|| {
                    v.add(
                        &path,
                        format!("The {} field is required.", Validation::label(&path)),
                    );
                    None
                })
            };
            if recipient_id.is_none() {
                recipient_id = value;
            }
        }
    }
    if let Err(response) = v.into_result() {
        return response;
    }
    let (Some(amount), Some(currency), Some(_), Some(method), Some(recipient_id)) =
        (amount, currency, description, method, recipient_id)
    else {
        return envelope(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The given data was invalid.",
            Value::Null,
        );
    };

    let planned = match test_number(&recipient_id) {
        Some(TEST_SUCCESS) => Outcome::Success,
        Some(TEST_SECOND) => Outcome::Failed,
        Some(_) => Outcome::Pending,
        None => shared.settings().payout_outcome,
    };
    let id = shared.draw(|rng| rng.lower_alnum(12));
    let now = shared.now();
    let request = Value::Object(input);
    let record = PayoutRecord {
        provider: Provider::Moneroo,
        id: id.clone(),
        reference: None,
        stage: Stage::Initiated,
        amount,
        currency,
        recipient: recipient_id,
        method: method.code.to_owned(),
        notify_url: None,
        created_at: now,
        updated_at: now,
        request,
    };
    lock(&shared.store).insert_payout(record.clone());
    webhook(
        &shared,
        "payout.initiated",
        &id,
        payout_webhook_data(&record),
    );
    run_payout(&shared, Provider::Moneroo, id.clone(), planned);
    envelope(
        StatusCode::CREATED,
        "Payout transaction initialized successfully.",
        json!({"id": id}),
    )
}

fn payout_data(record: &PayoutRecord, currency_object_form: bool) -> Value {
    let request = &record.request;
    let processed = record.stage.is_final();
    let method_name = payout_method(&record.method).map_or(record.method.as_str(), |m| m.name);
    json!({
        "id": record.id,
        "status": payout_status(record.stage),
        "is_processed": processed,
        "processed_at": processed.then(|| iso(record.updated_at)),
        "amount": record.amount,
        "amount_formatted": amount_formatted(record.amount, &record.currency),
        "currency": if currency_object_form { currency_object(&record.currency) } else { json!(record.currency) },
        "description": request.get("description"),
        "environment": "sandbox",
        "metadata": request.get("metadata"),
        "customer": request.get("customer"),
        "recipient": request.get("recipient"),
        "method": {"name": method_name, "short_code": record.method},
        "initiated_at": iso(record.created_at),
        "created_at": iso(record.created_at),
    })
}

fn payout_webhook_data(record: &PayoutRecord) -> Value {
    json!({
        "id": record.id,
        "amount": record.amount,
        "currency": record.currency,
        "status": payout_status(record.stage),
        "customer": record.request.get("customer"),
        "metadata": record.request.get("metadata"),
    })
}

async fn verify_payout(State(shared): State<SharedState>, Path(id): Path<String>) -> Response {
    show_payout(&shared, &id, true)
}

async fn retrieve_payout(State(shared): State<SharedState>, Path(id): Path<String>) -> Response {
    show_payout(&shared, &id, false)
}

fn show_payout(shared: &SharedState, id: &str, currency_object_form: bool) -> Response {
    let record = lock(&shared.store).payout(Provider::Moneroo, id).cloned();
    match record {
        Some(record) => envelope(
            StatusCode::OK,
            "Payout transaction fetched successfully",
            payout_data(&record, currency_object_form),
        ),
        None => not_found("Payout"),
    }
}

/// Sends the webhook a payout's new stage calls for.
pub fn payout_changed(shared: &SharedState, record: &PayoutRecord, before: Stage) {
    if payout_status(before) == payout_status(record.stage) {
        return;
    }
    let event = match record.stage {
        Stage::Initiated | Stage::Pending => return,
        Stage::Succeeded => "payout.success",
        Stage::Failed | Stage::Cancelled => "payout.failed",
    };
    webhook(shared, event, &record.id, payout_webhook_data(record));
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

    #[test]
    fn laravel_message_counts_the_other_errors() {
        let mut v = Validation::default();
        let empty = Map::new();
        v.integer(&empty, "amount", "amount");
        v.string(&empty, "description", "description");
        v.string(&empty, "return_url", "return_url");
        let response = v.into_result().unwrap_err();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
