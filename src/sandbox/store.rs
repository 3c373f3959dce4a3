//! The providers' books: every payment and payout as the provider sees it.
//!
//! One record type serves the three providers; what only one of them keeps lives in its
//! `extra`. The ground-truth API (`GET /_sandbox/payments`) prints these records.

use std::collections::HashMap;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::domain::Provider;

use super::support::UtcTime;

/// Where a payment or payout stands on the provider's side. Each provider prints it
/// with its own words (see each provider module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Created; the shopper has not started paying (or the payout is queued).
    Initiated,
    /// The shopper started paying (or the payout is being processed).
    Pending,
    /// Paid (or sent).
    Succeeded,
    /// Declined (or rejected).
    Failed,
    /// Cancelled by the shopper, or abandoned.
    Cancelled,
}

impl Stage {
    /// Final stages never change.
    pub fn is_final(self) -> bool {
        match self {
            Stage::Initiated | Stage::Pending => false,
            Stage::Succeeded | Stage::Failed | Stage::Cancelled => true,
        }
    }
}

/// What a shopper, a payout network or a test decides for a payment or payout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Paid.
    Success,
    /// Declined.
    Failed,
    /// Started, not finished.
    Pending,
    /// Cancelled.
    Cancelled,
}

impl Outcome {
    /// Reads an outcome word; a few synonyms are accepted (`succeeded`, `paid`,
    /// `declined`, `canceled`).
    pub fn parse(word: &str) -> Option<Outcome> {
        match word.trim().to_ascii_lowercase().as_str() {
            "success" | "succeeded" | "paid" | "accepted" => Some(Outcome::Success),
            "failed" | "failure" | "declined" | "refused" => Some(Outcome::Failed),
            "pending" => Some(Outcome::Pending),
            "cancelled" | "canceled" | "cancel" => Some(Outcome::Cancelled),
            _ => None,
        }
    }

    /// The stage this outcome leads to.
    pub fn stage(self) -> Stage {
        match self {
            Outcome::Success => Stage::Succeeded,
            Outcome::Failed => Stage::Failed,
            Outcome::Pending => Stage::Pending,
            Outcome::Cancelled => Stage::Cancelled,
        }
    }
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let word = String::deserialize(deserializer)?;
        Outcome::parse(&word).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown outcome {word:?}: success, failed, pending or cancelled"
            ))
        })
    }
}

/// The customer as the merchant described them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Customer {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email, when given.
    pub email: Option<String>,
    /// Phone, when given.
    pub phone: Option<String>,
}

/// One payment.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentRecord {
    /// Which provider holds it.
    pub provider: Provider,
    /// The provider's id: Moneroo `data.id`, CinetPay `transaction_id` (the merchant's),
    /// MoneyFusion `token`.
    pub id: String,
    /// The id in the hosted page's URL: Moneroo id, CinetPay `payment_token`,
    /// MoneyFusion `_id`.
    pub page_id: String,
    /// Where the sandbox is.
    pub stage: Stage,
    /// The amount, in the currency's main unit as these providers count.
    pub amount: u64,
    /// ISO 4217 code.
    pub currency: String,
    /// The merchant's description.
    pub description: String,
    /// The hosted page.
    pub checkout_url: String,
    /// Where the shopper goes back to.
    pub return_url: Option<String>,
    /// Where notifications go (CinetPay `notify_url`, MoneyFusion `webhook_url`; Moneroo
    /// posts to the dashboard's webhook URLs instead).
    pub notify_url: Option<String>,
    /// The customer.
    pub customer: Customer,
    /// The method the shopper chose on the hosted page.
    pub method: Option<String>,
    /// The phone number the shopper typed.
    pub payer_phone: Option<String>,
    /// Language of the hosted page.
    pub lang: String,
    /// When it was created.
    #[serde(serialize_with = "serialize_time")]
    pub created_at: SystemTime,
    /// When it last changed.
    #[serde(serialize_with = "serialize_time")]
    pub updated_at: SystemTime,
    /// What only this provider keeps.
    pub extra: PaymentExtra,
}

/// Provider-specific payment fields.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PaymentExtra {
    /// Moneroo.
    Moneroo(MonerooPaymentExtra),
    /// CinetPay.
    CinetPay(CinetPayPaymentExtra),
    /// MoneyFusion.
    MoneyFusion(MoneyFusionPaymentExtra),
}

/// What Moneroo keeps beyond the common fields.
#[derive(Debug, Clone, Serialize)]
pub struct MonerooPaymentExtra {
    /// The customer object as sent (address, city...).
    pub customer: Value,
    /// String-to-string metadata.
    pub metadata: Value,
    /// Allowed method codes (empty: all).
    pub methods: Vec<String>,
    /// `restrict_country_code`.
    pub restrict_country_code: Option<String>,
    /// `restricted_phone`.
    pub restricted_phone: Option<Value>,
    /// Customer id Moneroo assigned.
    pub customer_id: String,
    /// The gateway's transaction id, once the shopper paid.
    pub gateway_transaction_id: Option<String>,
}

/// What CinetPay keeps beyond the common fields.
#[derive(Debug, Clone, Serialize)]
pub struct CinetPayPaymentExtra {
    /// `site_id` it was created under.
    pub site_id: String,
    /// `channels` as sent.
    pub channels: String,
    /// `metadata` string.
    pub metadata: Option<String>,
    /// `invoice_data`.
    pub invoice_data: Option<Value>,
    /// The `signature` token posted in notifications.
    pub signature: String,
    /// The operator's transaction id, once paid.
    pub operator_id: Option<String>,
    /// The customer fields, as sent.
    pub customer_fields: Value,
    /// `lock_phone_number`.
    pub lock_phone_number: bool,
}

/// What MoneyFusion keeps beyond the common fields.
#[derive(Debug, Clone, Serialize)]
pub struct MoneyFusionPaymentExtra {
    /// The `_id` (24 hex, a MongoDB ObjectId).
    pub object_id: String,
    /// `article` as sent.
    pub article: Value,
    /// `personal_Info` as sent (echoed everywhere).
    pub personal_info: Value,
    /// `numeroSend`.
    pub numero_send: String,
    /// `nomclient`.
    pub nomclient: String,
    /// Fees MoneyFusion takes.
    pub frais: u64,
}

/// One payout (Moneroo payout, CinetPay transfer, MoneyFusion withdrawal).
#[derive(Debug, Clone, Serialize)]
pub struct PayoutRecord {
    /// Which provider holds it.
    pub provider: Provider,
    /// The provider's id: Moneroo `data.id`, CinetPay `transaction_id`, MoneyFusion
    /// `tokenPay`.
    pub id: String,
    /// The merchant's own reference when the provider takes one (CinetPay
    /// `client_transaction_id`).
    pub reference: Option<String>,
    /// Where it stands.
    pub stage: Stage,
    /// Amount in the currency's main unit.
    pub amount: u64,
    /// ISO 4217 code.
    pub currency: String,
    /// Who receives the money (phone number or account number).
    pub recipient: String,
    /// Method or operator (`mtn_bj`, `orange-ci`, `OM`...).
    pub method: String,
    /// Where notifications go, when the provider takes one per payout.
    pub notify_url: Option<String>,
    /// When it was created.
    #[serde(serialize_with = "serialize_time")]
    pub created_at: SystemTime,
    /// When it last changed.
    #[serde(serialize_with = "serialize_time")]
    pub updated_at: SystemTime,
    /// The request as the merchant sent it, for the status endpoints to echo.
    pub request: Value,
}

fn serialize_time<S: serde::Serializer>(time: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&UtcTime::from_system(*time).iso_millis())
}

/// Why a stage change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionError {
    /// No such payment or payout.
    NotFound,
    /// It is final already: a final stage never changes.
    Final(Stage),
}

/// Every payment and payout, in creation order.
#[derive(Debug, Default)]
pub struct Store {
    payments: Vec<PaymentRecord>,
    payment_index: HashMap<(Provider, String), usize>,
    page_index: HashMap<(Provider, String), usize>,
    payouts: Vec<PayoutRecord>,
    payout_index: HashMap<(Provider, String), usize>,
}

impl Store {
    /// Records a new payment.
    pub fn insert_payment(&mut self, record: PaymentRecord) {
        let at = self.payments.len();
        self.payment_index
            .insert((record.provider, record.id.clone()), at);
        self.page_index
            .insert((record.provider, record.page_id.clone()), at);
        self.payments.push(record);
    }

    /// A payment by the provider's id.
    pub fn payment(&self, provider: Provider, id: &str) -> Option<&PaymentRecord> {
        self.payment_index
            .get(&(provider, id.to_owned()))
            .map(|&at| &self.payments[at])
    }

    /// A payment by the id in its hosted page's URL.
    pub fn payment_by_page(&self, provider: Provider, page_id: &str) -> Option<&PaymentRecord> {
        self.page_index
            .get(&(provider, page_id.to_owned()))
            .map(|&at| &self.payments[at])
    }

    /// A payment by provider id or by page id (CinetPay `check` takes either).
    pub fn payment_by_any(&self, provider: Provider, key: &str) -> Option<&PaymentRecord> {
        self.payment(provider, key)
            .or_else(|| self.payment_by_page(provider, key))
    }

    /// Moves a payment to a new stage, unless it is final. Returns the record before and
    /// after.
    pub fn advance_payment(
        &mut self,
        provider: Provider,
        id: &str,
        next: Stage,
        now: SystemTime,
        update: impl FnOnce(&mut PaymentRecord),
    ) -> Result<(Stage, PaymentRecord), TransitionError> {
        let at = *self
            .payment_index
            .get(&(provider, id.to_owned()))
            .ok_or(TransitionError::NotFound)?;
        let record = &mut self.payments[at];
        let before = record.stage;
        if before.is_final() {
            return Err(TransitionError::Final(before));
        }
        record.stage = next;
        record.updated_at = now;
        update(record);
        Ok((before, record.clone()))
    }

    /// Every payment, optionally of one provider.
    pub fn payments(&self, provider: Option<Provider>) -> Vec<&PaymentRecord> {
        self.payments
            .iter()
            .filter(|p| provider.is_none_or(|want| p.provider == want))
            .collect()
    }

    /// Records a new payout.
    pub fn insert_payout(&mut self, record: PayoutRecord) {
        self.payout_index
            .insert((record.provider, record.id.clone()), self.payouts.len());
        self.payouts.push(record);
    }

    /// A payout by the provider's id.
    pub fn payout(&self, provider: Provider, id: &str) -> Option<&PayoutRecord> {
        self.payout_index
            .get(&(provider, id.to_owned()))
            .map(|&at| &self.payouts[at])
    }

    /// A payout by the merchant's reference (CinetPay `client_transaction_id`).
    pub fn payout_by_reference(
        &self,
        provider: Provider,
        reference: &str,
    ) -> Option<&PayoutRecord> {
        self.payouts
            .iter()
            .find(|p| p.provider == provider && p.reference.as_deref() == Some(reference))
    }

    /// Moves a payout to a new stage, unless it is final.
    pub fn advance_payout(
        &mut self,
        provider: Provider,
        id: &str,
        next: Stage,
        now: SystemTime,
    ) -> Result<(Stage, PayoutRecord), TransitionError> {
        let at = *self
            .payout_index
            .get(&(provider, id.to_owned()))
            .ok_or(TransitionError::NotFound)?;
        let record = &mut self.payouts[at];
        let before = record.stage;
        if before.is_final() {
            return Err(TransitionError::Final(before));
        }
        record.stage = next;
        record.updated_at = now;
        Ok((before, record.clone()))
    }

    /// Every payout, optionally of one provider.
    pub fn payouts(&self, provider: Option<Provider>) -> Vec<&PayoutRecord> {
        self.payouts
            .iter()
            .filter(|p| provider.is_none_or(|want| p.provider == want))
            .collect()
    }
}

/// A payment or payout as the ground-truth API shows it: the common fields, the
/// provider's own status word, and the provider's extra fields.
pub fn truth(record: &impl Serialize, status: &str) -> Value {
    let mut value = serde_json::to_value(record).unwrap_or(Value::Null);
    if let Some(object) = value.as_object_mut() {
        object.insert("status".to_owned(), json!(status));
    }
    value
}
