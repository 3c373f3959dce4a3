//! MoneyFusion's own JSON, field for field, with MoneyFusion's names (see
//! `docs/PROVIDERS.md`). Every type reads and writes back the same JSON,
//! so fixtures round-trip.

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Number, Value};

use crate::domain::{Currency, Money, MoneyError};
use crate::http::Fields;

/// An amount MoneyFusion writes as a JSON number (`200`) or, from some clients, as a
/// string (`"200"`). Read without floats, in major units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum MoneyFusionAmount {
    /// `200`.
    Number(Number),
    /// `"200"`.
    Text(String),
}

impl MoneyFusionAmount {
    /// The amount in `currency`, refusing negatives, exponents and extra decimals.
    pub fn to_money(&self, currency: Currency) -> Result<Money, MoneyError> {
        match self {
            MoneyFusionAmount::Number(n) => Money::parse_major(&n.to_string(), currency),
            MoneyFusionAmount::Text(t) => Money::parse_major(t, currency),
        }
    }
}

impl From<u64> for MoneyFusionAmount {
    fn from(major: u64) -> Self {
        MoneyFusionAmount::Number(major.into())
    }
}

/// The body of `POST <API URL>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyFusionPaymentRequest {
    /// The amount due, in major units. Must equal the sum of the articles.
    #[serde(rename = "totalPrice")]
    pub total_price: MoneyFusionAmount,
    /// `[{"<article name>": <price>}, ...]`, shown on the hosted page.
    pub article: Vec<Map<String, Value>>,
    /// The customer's phone number.
    #[serde(rename = "numeroSend")]
    pub numero_send: String,
    /// The customer's name.
    pub nomclient: String,
    /// Free objects MoneyFusion stores and echoes back in status answers and webhooks.
    #[serde(
        rename = "personal_Info",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub personal_info: Vec<Map<String, Value>>,
    /// Where the shopper comes back to, with `?token=<token>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// Where MoneyFusion posts notifications.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
}

/// The answer to `POST <API URL>`: `{"statut": true, "token", "message", "url"}`, or
/// `{"statut": false, "message"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoneyFusionPaymentResponse {
    /// True when the payment was opened.
    pub statut: bool,
    /// The payment token: our `provider_ref`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// MoneyFusion's message (`paiement en cours`, or why it refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The hosted payment page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Echoed by some deployments; a number or a string.
    #[serde(rename = "totalPrice", skip_serializing_if = "Option::is_none")]
    pub total_price: Option<MoneyFusionAmount>,
}

/// A payment's status word (`data.statut`). Unknown words are kept, never guessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyFusionPaymentStatus {
    /// `pending`: being processed.
    Pending,
    /// `paid`: paid.
    Paid,
    /// `failure`: failed (the published docs' word).
    Failure,
    /// `failed`: failed (the word of the `fusionpay` npm client's types).
    Failed,
    /// `no paid`: "Paiement non effectué", the session ended unpaid.
    NoPaid,
    /// Any other word, as sent.
    Unknown(String),
}

impl MoneyFusionPaymentStatus {
    /// Reads a status word, ignoring case and surrounding spaces.
    pub fn from_wire(word: &str) -> Self {
        match word.trim().to_ascii_lowercase().as_str() {
            "pending" => MoneyFusionPaymentStatus::Pending,
            "paid" => MoneyFusionPaymentStatus::Paid,
            "failure" => MoneyFusionPaymentStatus::Failure,
            "failed" => MoneyFusionPaymentStatus::Failed,
            "no paid" => MoneyFusionPaymentStatus::NoPaid,
            _ => MoneyFusionPaymentStatus::Unknown(word.to_owned()),
        }
    }

    /// The word on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            MoneyFusionPaymentStatus::Pending => "pending",
            MoneyFusionPaymentStatus::Paid => "paid",
            MoneyFusionPaymentStatus::Failure => "failure",
            MoneyFusionPaymentStatus::Failed => "failed",
            MoneyFusionPaymentStatus::NoPaid => "no paid",
            MoneyFusionPaymentStatus::Unknown(word) => word,
        }
    }
}

impl Serialize for MoneyFusionPaymentStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for MoneyFusionPaymentStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|word| Self::from_wire(&word))
    }
}

impl fmt::Display for MoneyFusionPaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer to `GET /paiementNotif/<token>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoneyFusionStatusResponse {
    /// True when the payment was found.
    pub statut: bool,
    /// The payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<MoneyFusionPaymentData>,
    /// `details paiement`, or why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `data` of a status answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoneyFusionPaymentData {
    /// MoneyFusion's record id.
    #[serde(rename = "_id", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The payment token.
    #[serde(rename = "tokenPay")]
    pub token_pay: String,
    /// The customer's phone number.
    #[serde(rename = "numeroSend", skip_serializing_if = "Option::is_none")]
    pub numero_send: Option<String>,
    /// The customer's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nomclient: Option<String>,
    /// What we sent in `personal_Info`, echoed.
    #[serde(rename = "personal_Info", skip_serializing_if = "Vec::is_empty")]
    pub personal_info: Vec<Value>,
    /// The mobile-money operator's transaction number.
    #[serde(rename = "numeroTransaction", skip_serializing_if = "Option::is_none")]
    pub numero_transaction: Option<String>,
    /// The amount of the payment, in major units (the `totalPrice`; fees are in `frais`).
    #[serde(rename = "Montant", skip_serializing_if = "Option::is_none")]
    pub montant: Option<MoneyFusionAmount>,
    /// MoneyFusion's fees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frais: Option<MoneyFusionAmount>,
    /// Where the payment stands.
    pub statut: MoneyFusionPaymentStatus,
    /// How the shopper paid (`orange`, `mtn`, `wave`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moyen: Option<String>,
    /// The return URL we sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// When the payment was opened (ISO 8601).
    #[serde(rename = "createdAt", skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

/// The `event` of a notification. Unknown names are kept, never guessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyFusionEvent {
    /// `payin.session.pending`: started, being processed (may repeat).
    PayinPending,
    /// `payin.session.completed`: paid.
    PayinCompleted,
    /// `payin.session.cancelled`: cancelled or failed.
    PayinCancelled,
    /// `payout.session.completed`: the withdrawal went through.
    PayoutCompleted,
    /// `payout.session.cancelled`: the withdrawal failed or was cancelled.
    PayoutCancelled,
    /// Any other name, as sent.
    Unknown(String),
}

impl MoneyFusionEvent {
    /// Reads an event name (exact: these are identifiers, not prose).
    pub fn from_wire(name: &str) -> Self {
        match name {
            "payin.session.pending" => MoneyFusionEvent::PayinPending,
            "payin.session.completed" => MoneyFusionEvent::PayinCompleted,
            "payin.session.cancelled" => MoneyFusionEvent::PayinCancelled,
            "payout.session.completed" => MoneyFusionEvent::PayoutCompleted,
            "payout.session.cancelled" => MoneyFusionEvent::PayoutCancelled,
            _ => MoneyFusionEvent::Unknown(name.to_owned()),
        }
    }

    /// The name on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            MoneyFusionEvent::PayinPending => "payin.session.pending",
            MoneyFusionEvent::PayinCompleted => "payin.session.completed",
            MoneyFusionEvent::PayinCancelled => "payin.session.cancelled",
            MoneyFusionEvent::PayoutCompleted => "payout.session.completed",
            MoneyFusionEvent::PayoutCancelled => "payout.session.cancelled",
            MoneyFusionEvent::Unknown(name) => name,
        }
    }
}

impl Serialize for MoneyFusionEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for MoneyFusionEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|name| Self::from_wire(&name))
    }
}

/// A `payin.session.*` notification. Unsigned: nothing in it is evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoneyFusionPayinWebhook {
    /// `payin.session.pending|completed|cancelled`.
    pub event: MoneyFusionEvent,
    /// What we sent in `personal_Info`, echoed.
    #[serde(rename = "personal_Info", skip_serializing_if = "Vec::is_empty")]
    pub personal_info: Vec<Value>,
    /// The payment token.
    #[serde(rename = "tokenPay")]
    pub token_pay: String,
    /// The customer's phone number.
    #[serde(rename = "numeroSend", skip_serializing_if = "Option::is_none")]
    pub numero_send: Option<String>,
    /// The customer's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nomclient: Option<String>,
    /// The operator's transaction number.
    #[serde(rename = "numeroTransaction", skip_serializing_if = "Option::is_none")]
    pub numero_transaction: Option<String>,
    /// The amount.
    #[serde(rename = "Montant", skip_serializing_if = "Option::is_none")]
    pub montant: Option<MoneyFusionAmount>,
    /// The fees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frais: Option<MoneyFusionAmount>,
    /// The return URL we sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// The webhook URL we sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// When the payment was opened.
    #[serde(rename = "createdAt", skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

/// A `payout.session.*` notification. Unsigned, and there is no payout status call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoneyFusionPayoutWebhook {
    /// `payout.session.completed|cancelled`.
    pub event: MoneyFusionEvent,
    /// The withdrawal's token. docs/PROVIDERS.md lists it; MoneyFusion's own sample omits it.
    #[serde(rename = "tokenPay", skip_serializing_if = "Option::is_none")]
    pub token_pay: Option<String>,
    /// The amount (lowercase here, unlike payins), fees included in MoneyFusion's sample.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub montant: Option<MoneyFusionAmount>,
    /// The phone number paid.
    #[serde(rename = "numeroRetrait", skip_serializing_if = "Option::is_none")]
    pub numero_retrait: Option<String>,
    /// The withdraw mode (`orange-money-ci`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moyen: Option<String>,
    /// The webhook URL we sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// When the withdrawal was made.
    #[serde(rename = "createdAt", skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

/// The body of `POST /api/v1/withdraw`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyFusionWithdrawRequest {
    /// Lowercase ISO country code (`ci`).
    #[serde(rename = "countryCode")]
    pub country_code: String,
    /// The number to pay, national form.
    pub phone: String,
    /// The amount, in major units.
    pub amount: MoneyFusionAmount,
    /// The operator (`mtn-ci`, ...).
    pub withdraw_mode: String,
    /// Where MoneyFusion posts `payout.session.*`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
}

/// The answer to `POST /api/v1/withdraw`: `{"tokenPay", "statut": true, "message"}` or
/// `{"statut": false, "message"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoneyFusionWithdrawResponse {
    /// The withdrawal's token.
    #[serde(rename = "tokenPay", skip_serializing_if = "Option::is_none")]
    pub token_pay: Option<String>,
    /// True when the withdrawal was submitted.
    pub statut: bool,
    /// `Retrait soumis avec succès`, or why not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Reading answers and notifications
// ---------------------------------------------------------------------------------------
//
// Read field by field (`http::Fields`) rather than with derived `Deserialize`, which
// costs kilobytes of wasm per type. Same rules: unknown fields are ignored, optional ones
// may be missing or `null`, a field of the wrong type is an error.

impl<'de> Deserialize<'de> for MoneyFusionAmount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) => Ok(MoneyFusionAmount::Number(n)),
            Value::String(text) => Ok(MoneyFusionAmount::Text(text)),
            _ => Err(serde::de::Error::custom(
                "data did not match any variant of untagged enum MoneyFusionAmount",
            )),
        }
    }
}

impl<'de> Deserialize<'de> for MoneyFusionPaymentResponse {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MoneyFusionPaymentResponse", |f| {
            Ok(MoneyFusionPaymentResponse {
                statut: f.parse_or_default("statut"),
                token: f.text_opt("token"),
                message: f.text_opt("message"),
                url: f.text_opt("url"),
                total_price: f.parse_opt("totalPrice"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for MoneyFusionStatusResponse {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MoneyFusionStatusResponse", |f| {
            Ok(MoneyFusionStatusResponse {
                statut: f.parse_or_default("statut"),
                data: f.parse_opt("data"),
                message: f.text_opt("message"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for MoneyFusionPaymentData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MoneyFusionPaymentData", |f| {
            Ok(MoneyFusionPaymentData {
                id: f.text_opt("_id"),
                token_pay: f.text("tokenPay"),
                numero_send: f.text_opt("numeroSend"),
                nomclient: f.text_opt("nomclient"),
                personal_info: f.parse_or_default("personal_Info"),
                numero_transaction: f.text_opt("numeroTransaction"),
                montant: f.parse_opt("Montant"),
                frais: f.parse_opt("frais"),
                statut: MoneyFusionPaymentStatus::from_wire(&f.text("statut")),
                moyen: f.text_opt("moyen"),
                return_url: f.text_opt("return_url"),
                created_at: f.text_opt("createdAt"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for MoneyFusionPayinWebhook {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MoneyFusionPayinWebhook", |f| {
            Ok(MoneyFusionPayinWebhook {
                event: MoneyFusionEvent::from_wire(&f.text("event")),
                personal_info: f.parse_or_default("personal_Info"),
                token_pay: f.text("tokenPay"),
                numero_send: f.text_opt("numeroSend"),
                nomclient: f.text_opt("nomclient"),
                numero_transaction: f.text_opt("numeroTransaction"),
                montant: f.parse_opt("Montant"),
                frais: f.parse_opt("frais"),
                return_url: f.text_opt("return_url"),
                webhook_url: f.text_opt("webhook_url"),
                created_at: f.text_opt("createdAt"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for MoneyFusionPayoutWebhook {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MoneyFusionPayoutWebhook", |f| {
            Ok(MoneyFusionPayoutWebhook {
                event: MoneyFusionEvent::from_wire(&f.text("event")),
                token_pay: f.text_opt("tokenPay"),
                montant: f.parse_opt("montant"),
                numero_retrait: f.text_opt("numeroRetrait"),
                moyen: f.text_opt("moyen"),
                webhook_url: f.text_opt("webhook_url"),
                created_at: f.text_opt("createdAt"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for MoneyFusionWithdrawResponse {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct MoneyFusionWithdrawResponse", |f| {
            Ok(MoneyFusionWithdrawResponse {
                token_pay: f.text_opt("tokenPay"),
                statut: f.parse_or_default("statut"),
                message: f.text_opt("message"),
            })
        })
    }
}
