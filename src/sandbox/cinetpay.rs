//! CinetPay's classic checkout API and its transfer API, as docs/PROVIDERS.md and
//! <https://docs.cinetpay.com> describe them: `apikey` and `site_id` in a JSON body, a
//! User-Agent or Cloudflare's error 1010, codes in the body (608, 609, 613, 624...),
//! notifications as form POSTs signed with `x-token`, a bare GET ping first; transfers
//! with 5-minute login tokens, contacts and `treatment_status` NEW, REC, VAL, REJ.

use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{from_fn, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::domain::{Country, Lang, Provider};
use crate::http::Method;

use super::checkout::{MethodChoice, ReturnTo, Texts};
use super::notify::{send, Notification};
use super::state::SharedState;
use super::store::{CinetPayPaymentExtra, Customer, PaymentExtra, PaymentRecord, Stage};
use super::support::{
    api_response_id, digits_only, form_encode, hmac_sha256_hex, is_http_url, json_text, lock,
    url_host, UtcTime,
};

/// Currencies CinetPay's classic API takes.
const CURRENCIES: [&str; 5] = ["XOF", "XAF", "CDF", "GNF", "USD"];
/// The payment universes.
const CHANNELS: [&str; 4] = ["ALL", "MOBILE_MONEY", "CREDIT_CARD", "WALLET"];
/// Characters CinetPay asks merchants to keep out of `description`.
const DESCRIPTION_FORBIDDEN: [char; 5] = ['#', '/', '$', '_', '&'];
/// Card payments need the whole customer identity.
const CARD_FIELDS: [&str; 9] = [
    "customer_name",
    "customer_surname",
    "customer_email",
    "customer_phone_number",
    "customer_address",
    "customer_city",
    "customer_country",
    "customer_state",
    "customer_zip_code",
];
/// The User-Agent of CinetPay's notifications.
pub(super) const NOTIFY_AGENT: &str = "CinetPay-Notify/4";
/// Notifications are form posts.
pub(super) const FORM: &str = "application/x-www-form-urlencoded";

/// CinetPay's routes: checkout under `/cinetpay/v2`, transfers under `/cinetpay/client`.
pub fn router() -> Router<SharedState> {
    let checkout = Router::new()
        .route("/cinetpay/v2/payment", post(initialize))
        .route("/cinetpay/v2/payment/check", post(check))
        .route_layer(from_fn(require_json));
    Router::new()
        .merge(checkout)
        .merge(super::cinetpay_transfers::router())
        .layer(from_fn(require_user_agent))
}

/// Cloudflare, in front of CinetPay, refuses a request without a User-Agent.
async fn require_user_agent(request: Request, next: Next) -> Response {
    let has_agent = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.trim().is_empty());
    if has_agent {
        return next.run(request).await;
    }
    let mut response = (StatusCode::FORBIDDEN, "error code: 1010").into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=UTF-8"),
    );
    response
}

/// The checkout API answers 403 to a body that is not declared JSON.
async fn require_json(request: Request, next: Next) -> Response {
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if json {
        return next.run(request).await;
    }
    coded(
        StatusCode::FORBIDDEN,
        "403",
        "FORBIDDEN",
        "Le content-type utilisé doit être application/json",
    )
}

/// CinetPay's error envelope: `{code, message, description, api_response_id}`.
fn coded(status: StatusCode, code: &str, message: &str, description: &str) -> Response {
    (
        status,
        Json(json!({
            "code": code,
            "message": message,
            "description": description,
            "api_response_id": api_response_id(SystemTime::now()),
        })),
    )
        .into_response()
}

fn minimum_fields(description: &str) -> Response {
    coded(
        StatusCode::BAD_REQUEST,
        "608",
        "MINIMUM_REQUIRED_FIELDS",
        description,
    )
}

/// `apikey` then `site_id`, as CinetPay checks them.
fn authenticate(shared: &SharedState, input: &Map<String, Value>) -> Result<(), Response> {
    let apikey = json_text(input, "apikey");
    let site_id = json_text(input, "site_id");
    let (Some(apikey), Some(site_id)) = (apikey, site_id) else {
        return Err(minimum_fields("Ce champ est requis : apikey, site_id"));
    };
    if apikey != shared.credentials.cinetpay_apikey {
        return Err(coded(
            StatusCode::UNAUTHORIZED,
            "609",
            "AUTH_NOT_FOUND",
            "L'apikey fournie n'est pas correcte",
        ));
    }
    if site_id != shared.credentials.cinetpay_site_id {
        return Err(coded(
            StatusCode::UNAUTHORIZED,
            "613",
            "ERROR_SITE_ID_NOTVALID",
            "Le site_id fourni n'est pas correct",
        ));
    }
    Ok(())
}

/// The body of a checkout call once it is a JSON object with the right `apikey` and
/// `site_id`, in the order CinetPay checks them.
fn authenticated_body(shared: &SharedState, body: &[u8]) -> Result<Map<String, Value>, Response> {
    let input = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        _ => return Err(minimum_fields("Le format de la requête n'est pas JSON")),
    };
    authenticate(shared, &input)?;
    Ok(input)
}

/// The international dialing prefix of a country CinetPay serves, or of a currency's
/// home country.
fn dial_prefix(country: Option<&str>, currency: &str) -> &'static str {
    match country.map(str::to_ascii_uppercase).as_deref() {
        Some("CI") => "225",
        Some("SN") => "221",
        Some("BF") => "226",
        Some("ML") => "223",
        Some("TG") => "228",
        Some("BJ") => "229",
        Some("NE") => "227",
        Some("CM") => "237",
        Some("GN") => "224",
        Some("CD") => "243",
        _ => match currency {
            "XAF" => "237",
            "GNF" => "224",
            "CDF" | "USD" => "243",
            _ => "225",
        },
    }
}

async fn initialize(State(shared): State<SharedState>, body: Bytes) -> Response {
    let input = match authenticated_body(&shared, &body) {
        Ok(input) => input,
        Err(response) => return response,
    };
    let missing: Vec<&str> = [
        "transaction_id",
        "amount",
        "currency",
        "description",
        "notify_url",
        "return_url",
        "channels",
    ]
    .into_iter()
    .filter(|field| json_text(&input, field).is_none())
    .collect();
    if !missing.is_empty() {
        return minimum_fields(&format!("Ce champ est requis : {}", missing.join(", ")));
    }
    let field = |name: &str| json_text(&input, name).unwrap_or_default();
    let transaction_id = field("transaction_id");
    if transaction_id.len() > 100
        || !transaction_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return minimum_fields("transaction_id ne doit pas contenir de caractères spéciaux");
    }
    let amount = match input.get("amount") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    let Some(amount) = amount.filter(|a| *a > 0) else {
        return minimum_fields("amount doit être un entier positif");
    };
    if amount % 5 != 0 {
        return minimum_fields("Le montant doit être un multiple de 5");
    }
    let currency = field("currency").to_ascii_uppercase();
    if !CURRENCIES.contains(&currency.as_str()) {
        return minimum_fields("currency doit être XOF, XAF, CDF, GNF ou USD");
    }
    let account_currencies = shared.settings().cinetpay_currencies;
    if !account_currencies.iter().any(|c| c == &currency) {
        return minimum_fields(&format!(
            "You cannot create a transaction in a different currency than the one allowed to your account. Transaction currency :'{currency}' Account currency :'{}'",
            account_currencies.join(",")
        ));
    }
    let description = field("description");
    if description.contains(DESCRIPTION_FORBIDDEN) {
        return minimum_fields(
            "description ne doit pas contenir de caractères spéciaux (# / $ _ &)",
        );
    }
    let notify_url = field("notify_url");
    let return_url = field("return_url");
    if !is_http_url(&notify_url) || !is_http_url(&return_url) {
        return minimum_fields("notify_url et return_url doivent être des URL valides");
    }
    let channels = field("channels").to_ascii_uppercase();
    let channel_list: Vec<&str> = channels.split(',').map(str::trim).collect();
    if channel_list.iter().any(|c| !CHANNELS.contains(c)) {
        return minimum_fields("channels doit valoir ALL, MOBILE_MONEY, CREDIT_CARD ou WALLET");
    }
    let lang = match json_text(&input, "lang").map(|l| l.to_ascii_lowercase()) {
        None => "fr".to_owned(),
        Some(lang) if lang == "fr" || lang == "en" => lang,
        Some(_) => return minimum_fields("lang doit valoir fr ou en"),
    };
    let metadata = match input.get("metadata") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return minimum_fields("metadata doit être une chaîne de caractères"),
    };
    let invoice_data = match input.get("invoice_data") {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) if map.len() <= 3 => Some(Value::Object(map.clone())),
        Some(_) => return minimum_fields("invoice_data accepte au plus 3 variables"),
    };
    let lock_phone_number = matches!(input.get("lock_phone_number"), Some(Value::Bool(true)));
    let customer_phone = json_text(&input, "customer_phone_number");
    if lock_phone_number {
        let valid = customer_phone.as_deref().is_some_and(|p| {
            let digits = digits_only(p);
            p.chars()
                .all(|c| c.is_ascii_digit() || c == '+' || c == ' ')
                && (8..=15).contains(&digits.len())
        });
        if !valid {
            return coded(
                StatusCode::BAD_REQUEST,
                "624",
                "An error occurred while processing the request",
                "lock_phone_number vaut true mais customer_phone_number est incorrect",
            );
        }
    }
    let card_missing: Vec<&str> = CARD_FIELDS
        .into_iter()
        .filter(|f| json_text(&input, f).is_none())
        .collect();
    if channel_list == ["CREDIT_CARD"] && !card_missing.is_empty() {
        return minimum_fields(&format!(
            "Le paiement par carte demande : {}",
            card_missing.join(", ")
        ));
    }
    if let Some(country) = json_text(&input, "customer_country") {
        if Country::parse(&country).is_none() {
            return minimum_fields("customer_country doit être un code ISO à deux lettres");
        }
    }
    if lock(&shared.store)
        .payment(Provider::CinetPay, &transaction_id)
        .is_some()
    {
        return minimum_fields("Cette transaction_id existe déjà");
    }

    let token = shared.draw(|rng| rng.hex(110));
    let signature = shared.draw(|rng| rng.hex(64));
    let payment_url = format!("{}/cinetpay/payment/{token}", shared.base_url);
    let customer_fields: Map<String, Value> = input
        .iter()
        .filter(|(k, _)| k.starts_with("customer_"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let now = shared.now();
    let record = PaymentRecord {
        provider: Provider::CinetPay,
        id: transaction_id,
        page_id: token.clone(),
        stage: Stage::Initiated,
        amount,
        currency,
        description,
        checkout_url: payment_url.clone(),
        return_url: Some(return_url),
        notify_url: Some(notify_url.clone()),
        customer: Customer {
            first_name: json_text(&input, "customer_surname").unwrap_or_default(),
            last_name: json_text(&input, "customer_name").unwrap_or_default(),
            email: json_text(&input, "customer_email"),
            phone: customer_phone,
        },
        method: None,
        payer_phone: None,
        lang,
        created_at: now,
        updated_at: now,
        extra: PaymentExtra::CinetPay(CinetPayPaymentExtra {
            site_id: shared.credentials.cinetpay_site_id.clone(),
            channels,
            metadata,
            invoice_data,
            signature,
            operator_id: None,
            customer_fields: Value::Object(customer_fields),
            lock_phone_number,
        }),
    };
    lock(&shared.store).insert_payment(record.clone());
    // CinetPay pings the notification URL to make sure it answers.
    ping(&shared, &record.id, &notify_url);
    (
        StatusCode::OK,
        Json(json!({
            "code": "201",
            "message": "CREATED",
            "description": "Transaction created with success",
            "data": {"payment_token": token, "payment_url": payment_url},
            "api_response_id": api_response_id(now),
        })),
    )
        .into_response()
}

/// What `/v2/payment/check` says about a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckStatus {
    /// `code`.
    pub code: &'static str,
    /// `message`.
    pub message: &'static str,
    /// `data.status`.
    pub status: &'static str,
}

/// CinetPay's answer for a payment stage.
pub fn payment_status(stage: Stage) -> CheckStatus {
    let (code, message, status) = match stage {
        Stage::Initiated => ("662", "WAITING_CUSTOMER_PAYMENT", "PENDING"),
        Stage::Pending => (
            "623",
            "WAITING_CUSTOMER_TO_VALIDATE",
            "WAITING_FOR_CUSTOMER",
        ),
        Stage::Succeeded => ("00", "SUCCES", "ACCEPTED"),
        Stage::Failed => ("600", "PAYMENT_FAILED", "REFUSED"),
        Stage::Cancelled => ("627", "TRANSACTION_CANCEL", "REFUSED"),
    };
    CheckStatus {
        code,
        message,
        status,
    }
}

fn extra(record: &PaymentRecord) -> Option<&CinetPayPaymentExtra> {
    match &record.extra {
        PaymentExtra::CinetPay(extra) => Some(extra),
        PaymentExtra::Moneroo(_) | PaymentExtra::MoneyFusion(_) => None,
    }
}

fn fund_availability(created: SystemTime) -> String {
    let later = UtcTime::from_system(created + Duration::from_secs(2 * 86_400));
    format!(
        "{:04}-{:02}-{:02} 00:00:00",
        later.year, later.month, later.day
    )
}

async fn check(State(shared): State<SharedState>, body: Bytes) -> Response {
    let input = match authenticated_body(&shared, &body) {
        Ok(input) => input,
        Err(response) => return response,
    };
    let key = json_text(&input, "transaction_id").or_else(|| json_text(&input, "token"));
    let Some(key) = key else {
        return minimum_fields("Ce champ est requis : transaction_id ou token");
    };
    let record = lock(&shared.store)
        .payment_by_any(Provider::CinetPay, &key)
        .cloned();
    let Some(record) = record else {
        return minimum_fields("Transaction introuvable");
    };
    let status = payment_status(record.stage);
    let paid = record.stage == Stage::Succeeded;
    let extra = extra(&record);
    (
        StatusCode::OK,
        Json(json!({
            "code": status.code,
            "message": status.message,
            "data": {
                "amount": record.amount.to_string(),
                "currency": record.currency,
                "status": status.status,
                "payment_method": record.method,
                "description": record.description,
                "metadata": extra.and_then(|e| e.metadata.clone()),
                "operator_id": extra.and_then(|e| e.operator_id.clone()),
                // CinetPay prints a single space when nothing was paid.
                "payment_date": if paid { UtcTime::from_system(record.updated_at).plain() } else { " ".to_owned() },
                "fund_availability_date": fund_availability(record.created_at),
            },
            "api_response_id": api_response_id(shared.now()),
        })),
    )
        .into_response()
}

/// The bare GET CinetPay sends to check a notification URL answers.
pub(super) fn ping(shared: &SharedState, subject: &str, url: &str) {
    let ping = Notification::once(
        shared,
        Provider::CinetPay,
        subject,
        "ping",
        Method::Get,
        url.to_owned(),
    )
    .header("User-Agent", NOTIFY_AGENT);
    send(shared, ping);
}

/// The notification fields, in the order the `x-token` HMAC concatenates them.
pub fn notification_fields(
    shared: &SharedState,
    record: &PaymentRecord,
) -> Vec<(&'static str, String)> {
    let extra = extra(record);
    let country = extra
        .and_then(|e| e.customer_fields.get("customer_country"))
        .and_then(Value::as_str);
    let prefix = dial_prefix(country, &record.currency);
    let phone = record
        .payer_phone
        .as_deref()
        .map(digits_only)
        .unwrap_or_default();
    let national = phone.strip_prefix(prefix).unwrap_or(&phone).to_owned();
    vec![
        ("cpm_site_id", shared.credentials.cinetpay_site_id.clone()),
        ("cpm_trans_id", record.id.clone()),
        (
            "cpm_trans_date",
            UtcTime::from_system(record.updated_at).plain(),
        ),
        ("cpm_amount", record.amount.to_string()),
        ("cpm_currency", record.currency.clone()),
        (
            "signature",
            extra.map(|e| e.signature.clone()).unwrap_or_default(),
        ),
        ("payment_method", record.method.clone().unwrap_or_default()),
        ("cel_phone_num", national),
        ("cpm_phone_prefixe", prefix.to_owned()),
        ("cpm_language", record.lang.clone()),
        ("cpm_version", "V4".to_owned()),
        ("cpm_payment_config", "SINGLE".to_owned()),
        ("cpm_page_action", "PAYMENT".to_owned()),
        (
            "cpm_custom",
            extra.and_then(|e| e.metadata.clone()).unwrap_or_default(),
        ),
        ("cpm_designation", record.description.clone()),
        (
            "cpm_error_message",
            payment_status(record.stage).message.to_owned(),
        ),
    ]
}

/// `x-token`: HMAC-SHA256 (secret key) of the fields' values concatenated in order.
pub fn x_token(secret_key: &str, fields: &[(&'static str, String)]) -> String {
    let joined: String = fields.iter().map(|(_, value)| value.as_str()).collect();
    hmac_sha256_hex(secret_key.as_bytes(), joined.as_bytes())
}

/// Posts the notification CinetPay sends at every status change.
pub fn payment_changed(shared: &SharedState, record: &PaymentRecord, before: Stage) {
    if before == record.stage {
        return;
    }
    let Some(url) = record.notify_url.clone() else {
        return;
    };
    let fields = notification_fields(shared, record);
    let token = x_token(&shared.credentials.cinetpay_secret_key, &fields);
    let event = format!("ipn.{}", payment_status(record.stage).status);
    let notification = Notification::once(
        shared,
        Provider::CinetPay,
        &record.id,
        event,
        Method::Post,
        url,
    )
    .header("Content-Type", FORM)
    .header("User-Agent", NOTIFY_AGENT)
    .header("x-token", token)
    .body(form_encode(&fields));
    send(shared, notification);
}

// ---- hosted page -------------------------------------------------------------------

/// Methods by universe and currency; cards only with the customer's identity.
pub fn page_methods(record: &PaymentRecord) -> Vec<MethodChoice> {
    let Some(extra) = extra(record) else {
        return Vec::new();
    };
    let universes: Vec<&str> = extra.channels.split(',').map(str::trim).collect();
    let open = |universe: &str| universes.contains(&"ALL") || universes.contains(&universe);
    let card_identity = CARD_FIELDS.iter().all(|f| {
        extra
            .customer_fields
            .get(*f)
            .is_some_and(|v| v.as_str().is_some_and(|s| !s.trim().is_empty()) || v.is_number())
    });
    let mut methods = Vec::new();
    let mut add = |code: &str, label: &str, card: bool| {
        methods.push(MethodChoice {
            code: code.to_owned(),
            label: label.to_owned(),
            card,
        })
    };
    if open("MOBILE_MONEY") {
        match record.currency.as_str() {
            "XOF" => {
                add("OM", "Orange Money", false);
                add("MOMO", "MTN Mobile Money", false);
                add("FLOOZ", "Moov Money (Flooz)", false);
            }
            "XAF" => {
                add("OMCM", "Orange Money Cameroun", false);
                add("MOMOCM", "MTN Mobile Money Cameroun", false);
            }
            "CDF" | "USD" => {
                add("OMCD", "Orange Money RDC", false);
                add("AIRTELCD", "Airtel Money RDC", false);
                add("MPESACD", "M-Pesa RDC", false);
            }
            "GNF" => {
                add("OMGN", "Orange Money Guinée", false);
                add("MOMOGN", "MTN Mobile Money Guinée", false);
            }
            _ => {}
        }
    }
    if open("WALLET") && record.currency == "XOF" {
        add("WAVECI", "Wave", false);
    }
    if open("CREDIT_CARD") && card_identity {
        add("VISAM", "Visa / Mastercard", true);
    }
    methods
}

/// The prefilled phone, locked when the merchant set `lock_phone_number`.
pub fn page_phone(record: &PaymentRecord) -> (Option<String>, bool) {
    let locked = extra(record).is_some_and(|e| e.lock_phone_number);
    (record.customer.phone.clone(), locked)
}

/// CinetPay refuses to show a page whose URLs point at localhost.
pub fn page_refusal(record: &PaymentRecord, texts: &Texts) -> Option<String> {
    let localhost = [&record.return_url, &record.notify_url]
        .into_iter()
        .flatten()
        .any(|url| url_host(url).as_deref() == Some("localhost"));
    localhost.then(|| texts.cinetpay_localhost().to_owned())
}

/// The shopper goes back with a form POST of `transaction_id` and `token`.
pub fn page_return(record: &PaymentRecord) -> ReturnTo {
    match &record.return_url {
        Some(url) => ReturnTo::Post {
            url: url.clone(),
            fields: vec![
                ("transaction_id", record.id.clone()),
                ("token", record.page_id.clone()),
            ],
        },
        None => ReturnTo::Nowhere,
    }
}

/// The page's language as the merchant set it.
pub fn page_lang(record: &PaymentRecord) -> Lang {
    Lang::from_tag(&record.lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_token_concatenates_values_without_separators() {
        let fields = vec![
            ("cpm_site_id", "1".to_owned()),
            ("cpm_trans_id", "23".to_owned()),
        ];
        assert_eq!(x_token("k", &fields), hmac_sha256_hex(b"k", b"123"));
    }

    #[test]
    fn every_stage_has_a_documented_check_code() {
        assert_eq!(payment_status(Stage::Succeeded).code, "00");
        assert_eq!(payment_status(Stage::Cancelled).code, "627");
        assert_eq!(payment_status(Stage::Cancelled).status, "REFUSED");
        assert_eq!(
            payment_status(Stage::Pending).status,
            "WAITING_FOR_CUSTOMER"
        );
    }
}
