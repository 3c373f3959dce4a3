//! Moneroo's own JSON, field for field as docs/PROVIDERS.md publishes it.
//!
//! Requests are exact: only the documented fields, optional ones left out when empty.
//! Responses are tolerant: every field we do not need to trust is optional, unknown fields
//! are ignored, and the shapes Moneroo is known to vary between (currency as an object or
//! a string, metadata as a map or PHP's empty `[]`) are all accepted.

mod read;

use crate::domain::order::Entries;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------------------
// Envelope and errors
// ---------------------------------------------------------------------------------------

/// Every Moneroo answer: `{message, data, errors}`, with `success` on some pages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonerooEnvelope<T> {
    /// `true` on the pages that add it; absent elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// A human sentence (`Payment transaction initialized successfully`).
    pub message: Option<String>,
    /// The payload (a missing `data` reads as `None`).
    pub data: Option<T>,
    /// `null` on success; details on failure.
    pub errors: Option<Value>,
}

/// An error body. Only 422's is unpublished; Moneroo runs Laravel, so it is read as
/// `{message, errors: {field: [msg, ...]}}`, but any JSON object is accepted.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MonerooErrorBody {
    /// What went wrong, in Moneroo's words.
    pub message: Option<String>,
    /// Laravel's field map, or whatever else Moneroo put there.
    pub errors: Option<Value>,
    /// `false` on the pages that add it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
}

impl MonerooErrorBody {
    /// Field errors as `(field, message)` pairs, in Moneroo's order. Reads Laravel's
    /// `{field: [msg, ...]}` and `{field: msg}`, and a list of strings or of
    /// `{field, message}` objects; anything else gives nothing.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        match &self.errors {
            Some(Value::Object(map)) => {
                for (field, value) in map {
                    match value {
                        Value::Array(items) => {
                            for item in items {
                                if let Some(text) = item.as_str() {
                                    out.push((field.clone(), text.to_owned()));
                                }
                            }
                        }
                        Value::String(text) => out.push((field.clone(), text.clone())),
                        Value::Null | Value::Bool(_) | Value::Number(_) | Value::Object(_) => {}
                    }
                }
            }
            Some(Value::Array(items)) => {
                for item in items {
                    match item {
                        Value::String(text) => out.push((String::new(), text.clone())),
                        Value::Object(entry) => {
                            let field = entry.get("field").and_then(Value::as_str);
                            let text = entry.get("message").and_then(Value::as_str);
                            if let Some(text) = text {
                                out.push((field.unwrap_or("").to_owned(), text.to_owned()));
                            }
                        }
                        Value::Null | Value::Bool(_) | Value::Number(_) | Value::Array(_) => {}
                    }
                }
            }
            Some(Value::String(text)) => out.push((String::new(), text.clone())),
            Some(Value::Null | Value::Bool(_) | Value::Number(_)) | None => {}
        }
        out
    }
}

// ---------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------

/// A currency as Moneroo sends it: an object with `code` (verify), or the bare code
/// (some examples, webhooks). Both are read; each is written back as it came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum MonerooCurrency {
    /// `{"code": "XOF", "name": ..., "symbol": ...}`.
    Object(MonerooCurrencyObject),
    /// `"XOF"`.
    Code(String),
}

impl MonerooCurrency {
    /// The ISO 4217 code, whichever the shape.
    pub fn code(&self) -> &str {
        match self {
            MonerooCurrency::Object(object) => &object.code,
            MonerooCurrency::Code(code) => code,
        }
    }
}

/// The object form of a currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonerooCurrencyObject {
    /// ISO 4217 code.
    pub code: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Display symbol.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
}

/// An integer Moneroo documents as a number. Read from a JSON integer, and defensively
/// from a string of digits; written back in the form it came in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum MonerooInteger {
    /// `1500`.
    Number(u64),
    /// `"1500"`.
    Text(String),
}

impl MonerooInteger {
    /// The value, when it is a whole non-negative number.
    pub fn value(&self) -> Option<u64> {
        match self {
            MonerooInteger::Number(n) => Some(*n),
            MonerooInteger::Text(text) => {
                let text = text.trim();
                let whole = text.split_once('.').map_or(Some(text), |(w, f)| {
                    f.bytes().all(|b| b == b'0').then_some(w)
                })?;
                if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                whole.parse().ok()
            }
        }
    }
}

/// Notes as Moneroo echoes them: a map, or PHP's `[]` when empty.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MonerooMetadata {
    /// `{"key": "value"}`.
    Map(Map<String, Value>),
    /// `[]` (or a list, which carries no keys).
    List(Vec<Value>),
}

impl MonerooMetadata {
    /// The string value of a key.
    pub fn get(&self, key: &str) -> Option<&str> {
        match self {
            MonerooMetadata::Map(map) => map.get(key).and_then(Value::as_str),
            MonerooMetadata::List(_) => None,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Payments: initialize
// ---------------------------------------------------------------------------------------

/// The body of `POST /v1/payments/initialize`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonerooPaymentRequest {
    /// Whole major units (`1500` XOF).
    pub amount: u64,
    /// ISO 4217 code.
    pub currency: String,
    /// What the shopper reads on the hosted page.
    pub description: String,
    /// Where Moneroo sends the shopper back.
    pub return_url: String,
    /// The shopper; email and both names are required.
    pub customer: MonerooCustomer,
    /// String keys to string values only.
    #[serde(default, skip_serializing_if = "Entries::is_empty")]
    pub metadata: Entries,
    /// Method short codes allowed on the hosted page; absent means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
    /// ISO 3166-1 alpha-2 country the payment is restricted to. Never with
    /// `restricted_phone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restrict_country_code: Option<String>,
    /// The one phone number allowed to pay. Never with `restrict_country_code`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restricted_phone: Option<MonerooRestrictedPhone>,
}

/// The shopper in a payment request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonerooCustomer {
    /// Required.
    pub email: String,
    /// Required.
    pub first_name: String,
    /// Required.
    pub last_name: String,
    /// Digits of the E.164 number, without `+`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
}

/// `restricted_phone`: both fields required when the object is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonerooRestrictedPhone {
    /// The national number.
    pub number: String,
    /// The ISO 3166-1 alpha-2 country of the number.
    pub country_code: String,
}

/// `data` of a 201 from `POST /v1/payments/initialize`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonerooInitializedPayment {
    /// The payment id (`k4su1ii7abdz`).
    pub id: String,
    /// The hosted page (`https://checkout.moneroo.io/<id>`).
    pub checkout_url: String,
}

// ---------------------------------------------------------------------------------------
// Payments: verify and retrieve
// ---------------------------------------------------------------------------------------

/// A payment status word. Unknown words are kept, not guessed at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum MonerooPaymentStatus {
    /// On the hosted page, nothing chosen yet.
    Initiated,
    /// The shopper started paying.
    Pending,
    /// Paid (final).
    Success,
    /// Declined (final).
    Failed,
    /// Cancelled by the shopper, or abandoned 5 minutes after `initiated` (final).
    Cancelled,
    /// A word Moneroo did not publish.
    Unknown(String),
}

impl MonerooPaymentStatus {
    /// The word on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            MonerooPaymentStatus::Initiated => "initiated",
            MonerooPaymentStatus::Pending => "pending",
            MonerooPaymentStatus::Success => "success",
            MonerooPaymentStatus::Failed => "failed",
            MonerooPaymentStatus::Cancelled => "cancelled",
            MonerooPaymentStatus::Unknown(word) => word,
        }
    }
}

impl From<String> for MonerooPaymentStatus {
    fn from(word: String) -> Self {
        match word.as_str() {
            "initiated" => MonerooPaymentStatus::Initiated,
            "pending" => MonerooPaymentStatus::Pending,
            "success" => MonerooPaymentStatus::Success,
            "failed" => MonerooPaymentStatus::Failed,
            "cancelled" => MonerooPaymentStatus::Cancelled,
            unpublished => MonerooPaymentStatus::Unknown(unpublished.to_owned()),
        }
    }
}

impl From<MonerooPaymentStatus> for String {
    fn from(status: MonerooPaymentStatus) -> String {
        status.as_str().to_owned()
    }
}

/// `data` of `GET /v1/payments/{id}/verify` and `GET /v1/payments/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonerooPayment {
    /// The payment id.
    pub id: String,
    /// Where the payment stands.
    pub status: MonerooPaymentStatus,
    /// True once Moneroo has settled the transaction.
    pub is_processed: Option<bool>,
    /// When it was processed.
    pub processed_at: Option<String>,
    /// Whole major units.
    pub amount: Option<MonerooInteger>,
    /// The amount as text (`1 500 XOF`).
    pub amount_formatted: Option<String>,
    /// An object with `code` in verify, a string elsewhere.
    pub currency: Option<MonerooCurrency>,
    /// The description sent at initialize.
    pub description: Option<String>,
    /// The return URL sent at initialize.
    pub return_url: Option<String>,
    /// `sandbox` or `live`.
    pub environment: Option<String>,
    /// When the payment was initialized.
    pub initiated_at: Option<String>,
    /// The hosted page.
    pub checkout_url: Option<String>,
    /// The number that paid, when Moneroo says.
    pub payment_phone_number: Option<Value>,
    /// The metadata sent at initialize.
    pub metadata: Option<MonerooMetadata>,
    /// The merchant's app.
    pub app: Option<Value>,
    /// The shopper as Moneroo recorded them.
    pub customer: Option<MonerooCustomerRecord>,
    /// How the money was captured.
    pub capture: Option<MonerooCapture>,
    /// When the payment was created.
    pub created_at: Option<String>,
}

/// The shopper in an answer. Every field optional: only kept for the record.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MonerooCustomerRecord {
    /// Moneroo's id of the customer.
    pub id: Option<Value>,
    /// E-mail.
    pub email: Option<String>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Phone, a string or a number.
    pub phone: Option<Value>,
}

/// `capture{identifier, phone_number, method{...}, gateway{...}, context{...}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MonerooCapture {
    /// Moneroo's capture id.
    pub identifier: Option<String>,
    /// The number that paid.
    pub phone_number: Option<Value>,
    /// The method used.
    pub method: Option<MonerooCaptureMethod>,
    /// The gateway that processed it.
    pub gateway: Option<MonerooGateway>,
    /// Free-form context.
    pub context: Option<Value>,
}

/// `capture.method`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MonerooCaptureMethod {
    /// Moneroo's id of the method.
    pub id: Option<Value>,
    /// Display name.
    pub name: Option<String>,
    /// Short code (`mtn_bj`).
    pub short_code: Option<String>,
}

/// `capture.gateway`: only the transaction fields are typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MonerooGateway {
    /// The gateway's transaction id.
    pub transaction_id: Option<Value>,
    /// The gateway's own status word.
    pub transaction_status: Option<String>,
    /// The gateway's other fields.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

// ---------------------------------------------------------------------------------------
// Payouts
// ---------------------------------------------------------------------------------------

/// The body of `POST /v1/payouts/initialize`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonerooPayoutRequest {
    /// Whole major units.
    pub amount: u64,
    /// ISO 4217 code.
    pub currency: String,
    /// Why the money is sent.
    pub description: String,
    /// Payout method short code (`mtn_bj`, `moneroo_payout_demo`).
    pub method: String,
    /// Who receives it.
    pub customer: MonerooPayoutCustomer,
    /// String keys to string values.
    #[serde(default, skip_serializing_if = "Entries::is_empty")]
    pub metadata: Entries,
    /// The method's own fields.
    pub recipient: MonerooRecipient,
}

/// The customer of a payout: like a payment's, but `phone` is an integer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonerooPayoutCustomer {
    /// Required.
    pub email: String,
    /// Required.
    pub first_name: String,
    /// Required.
    pub last_name: String,
    /// E.164 digits as a JSON integer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<u64>,
    /// Street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
}

/// `recipient`: the fields depend on the method.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonerooRecipient {
    /// Mobile-money number in international form without `+`, as a JSON integer
    /// (`mtn_bj` -> `2290197000000`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msisdn: Option<u64>,
    /// Account number (`moneroo_payout_demo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
}

/// `data` of a payout initialize answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonerooInitializedPayout {
    /// The payout id.
    pub id: String,
}

/// A payout status word. Unknown words are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum MonerooPayoutStatus {
    /// Accepted by Moneroo.
    Initiated,
    /// Sent to the gateway.
    Pending,
    /// Delivered (final).
    Success,
    /// Not delivered (final).
    Failed,
    /// A word Moneroo did not publish.
    Unknown(String),
}

impl MonerooPayoutStatus {
    /// The word on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            MonerooPayoutStatus::Initiated => "initiated",
            MonerooPayoutStatus::Pending => "pending",
            MonerooPayoutStatus::Success => "success",
            MonerooPayoutStatus::Failed => "failed",
            MonerooPayoutStatus::Unknown(word) => word,
        }
    }
}

impl From<String> for MonerooPayoutStatus {
    fn from(word: String) -> Self {
        match word.as_str() {
            "initiated" => MonerooPayoutStatus::Initiated,
            "pending" => MonerooPayoutStatus::Pending,
            "success" => MonerooPayoutStatus::Success,
            "failed" => MonerooPayoutStatus::Failed,
            unpublished => MonerooPayoutStatus::Unknown(unpublished.to_owned()),
        }
    }
}

impl From<MonerooPayoutStatus> for String {
    fn from(status: MonerooPayoutStatus) -> String {
        status.as_str().to_owned()
    }
}

/// `data` of `GET /v1/payouts/{id}/verify` and `GET /v1/payouts/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonerooPayout {
    /// The payout id.
    pub id: String,
    /// Where the payout stands.
    pub status: MonerooPayoutStatus,
    /// Whole major units.
    pub amount: Option<MonerooInteger>,
    /// An object with `code`, or a string.
    pub currency: Option<MonerooCurrency>,
    /// The description sent.
    pub description: Option<String>,
    /// `sandbox` or `live`.
    pub environment: Option<String>,
    /// The metadata sent.
    pub metadata: Option<MonerooMetadata>,
    /// The customer as Moneroo recorded them.
    pub customer: Option<MonerooCustomerRecord>,
    /// The method and the gateway's answer.
    pub capture: Option<MonerooCapture>,
    /// When the payout was created.
    pub created_at: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Method catalogs
// ---------------------------------------------------------------------------------------

/// The body of `GET /utils/payment/methods` or `/utils/payout/methods`: the list inside
/// the usual envelope, or bare.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MonerooMethodList {
    /// `{"data": [...]}`.
    Envelope(MonerooEnvelope<Vec<MonerooMethod>>),
    /// `[...]`.
    Bare(Vec<MonerooMethod>),
}

/// One payment or payout method. Extra fields are ignored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonerooMethod {
    /// The code used in `methods` and `method` (`mtn_bj`).
    pub short_code: String,
    /// Display name.
    pub name: Option<String>,
    /// The one currency the method takes.
    pub currency: Option<MonerooCurrency>,
    /// Countries served.
    pub countries: Vec<MonerooCountry>,
    /// Fields the method needs (payouts: `recipient.<name>`).
    pub fields: Vec<MonerooMethodField>,
}

/// A country in a catalog: the bare code, or an object with `code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum MonerooCountry {
    /// `"BJ"`.
    Code(String),
    /// `{"code": "BJ", ...}`.
    Object {
        /// ISO 3166-1 alpha-2 code.
        code: String,
    },
}

impl MonerooCountry {
    /// The code, whichever the shape.
    pub fn code(&self) -> &str {
        match self {
            MonerooCountry::Code(code) | MonerooCountry::Object { code } => code,
        }
    }
}

/// A field a method needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonerooMethodField {
    /// The field's name (`msisdn`, `account_number`).
    pub name: String,
    /// `integer`, `string`, ...
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The published length, when any.
    pub length: Option<MonerooInteger>,
}

// ---------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------

/// A notification body: `{"event": ..., "data": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonerooWebhookPayload {
    /// `payment.success`, `payout.failed`, ...
    pub event: String,
    /// A partial view of the payment or payout: re-fetch before acting.
    pub data: MonerooWebhookData,
}

/// `data` of a notification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonerooWebhookData {
    /// The payment or payout id.
    pub id: String,
    /// Whole major units.
    pub amount: Option<MonerooInteger>,
    /// An object with `code`, or a string.
    pub currency: Option<MonerooCurrency>,
    /// The status word at the time of sending.
    pub status: Option<String>,
    /// The customer.
    pub customer: Option<MonerooCustomerRecord>,
    /// The metadata sent at initialize, when included.
    pub metadata: Option<MonerooMetadata>,
}
