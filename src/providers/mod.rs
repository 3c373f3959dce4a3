//! Provider adapters: Moneroo, CinetPay, MoneyFusion.
//!
//! An adapter never does I/O. It turns domain values into [`HttpRequest`]s exactly as the
//! provider publishes them, and turns [`HttpResponse`] bytes back into domain values. The
//! edge sends requests through a [`crate::http::Transport`].

mod blank;
pub mod cinetpay;
pub mod moneroo;
pub mod moneyfusion;

use core::fmt;

pub(crate) use blank::has_blank_or_control;

use crate::domain::{Money, Order, PaymentStatus, Provider};
#[allow(unused_imports)]
use crate::http::{HttpRequest, HttpResponse};

/// An error a provider answered, or an answer we could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderError {
    /// Which provider.
    pub provider: Provider,
    /// The provider's own code (`608`, `422`, `unauthorized_ip`), or ours for answers we
    /// could not read (`bad_response`).
    pub code: String,
    /// What the provider said, without any secret or full URL.
    pub message: String,
    /// The HTTP status, when there was a response.
    pub http_status: Option<u16>,
    /// True for 429, 5xx, timeouts and transient codes: the same call may succeed later.
    pub retryable: bool,
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} error {}: {}", self.provider, self.code, self.message)?;
        if let Some(status) = self.http_status {
            // As a `u64`: its formatting is compiled anyway, `u16`'s would be one more.
            write!(f, " (HTTP {})", u64::from(status))?;
        }
        Ok(())
    }
}

impl std::error::Error for ProviderError {}

/// What every adapter needs to start a payment, whatever the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// The order, priced by the backend; `order.reference` is our unique transaction id.
    pub order: Order,
    /// The checked shopper.
    pub customer: crate::domain::Customer,
    /// The shopper's language.
    pub lang: crate::domain::Lang,
    /// Where the provider sends the shopper back.
    pub return_url: String,
    /// Where the provider posts notifications.
    pub notify_url: String,
    /// CinetPay channels, already normalized.
    pub channels: Option<String>,
    /// Moneroo method codes.
    pub methods: Vec<String>,
    /// The merchant's notes.
    pub metadata: crate::domain::Metadata,
}

/// A payment the provider accepted: its id and the hosted page to send the shopper to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedPayment {
    /// The provider's id (Moneroo `data.id`, CinetPay our `transaction_id`, MoneyFusion
    /// `token`).
    pub provider_ref: String,
    /// The hosted checkout page.
    pub checkout_url: String,
}

/// What a server-side status call says about a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedPayment {
    /// The provider's id of the payment.
    pub provider_ref: String,
    /// The provider's status mapped onto ours, before the amount checks of [`CheckedPayment::settle`].
    pub status: PaymentStatus,
    /// The provider's own status word, for the record.
    pub provider_status: String,
    /// The amount paid, when the provider says.
    pub amount: Option<Money>,
    /// Our reference, when the provider echoes it.
    pub reference: Option<String>,
}

impl CheckedPayment {
    /// The settlement rule: success only when the provider says success, the currency is the
    /// one due and the amount paid is at least the amount due. An underpayment is failed.
    pub fn settle(&self, due: Money) -> PaymentStatus {
        match self.status {
            PaymentStatus::Succeeded => match self.amount {
                Some(paid) if paid.currency() == due.currency() && paid.minor() >= due.minor() => {
                    PaymentStatus::Succeeded
                }
                _ => PaymentStatus::Failed,
            },
            other => other,
        }
    }
}

/// What a provider says about a payout, whatever the provider: the answer to a status
/// call, or to the send itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedPayout {
    /// The provider's id of the payout, when the answer gives one.
    pub provider_ref: Option<String>,
    /// Our payout id, when the provider echoes it (CinetPay's `client_transaction_id`).
    pub reference: Option<String>,
    /// The provider's status mapped onto ours: pending, succeeded or failed.
    pub status: PaymentStatus,
    /// The provider's own status word, for the record.
    pub provider_status: String,
    /// The amount, when the provider names it in a currency we know.
    pub amount: Option<Money>,
    /// Why the payout failed, in the provider's terms, when it did.
    pub failure: Option<String>,
}

impl CheckedPayout {
    /// A payout the provider accepted and will carry out: pending under its id.
    pub fn accepted(provider_ref: String, provider_status: &str) -> CheckedPayout {
        CheckedPayout {
            provider_ref: Some(provider_ref),
            reference: None,
            status: PaymentStatus::Pending,
            provider_status: provider_status.to_owned(),
            amount: None,
            failure: None,
        }
    }
}

/// A step of a payout exchange, which may take several calls (CinetPay logs in first,
/// and makes the recipient a contact before it sends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutStep {
    /// Obtaining a token.
    Login,
    /// Making the recipient one of the merchant's contacts.
    Contact,
    /// Sending the money: the one call never repeated after a timeout or a 5xx.
    Send,
    /// Asking what became of the payout.
    Check,
}

impl PayoutStep {
    /// The step's name in a payout's record (`login: failed`).
    pub fn as_str(self) -> &'static str {
        match self {
            PayoutStep::Login => "login",
            PayoutStep::Contact => "contact",
            PayoutStep::Send => "send",
            PayoutStep::Check => "check",
        }
    }
}

/// One provider call of a payout exchange. Adapters do no I/O: the edge sends `request`
/// and hands the answer back to the adapter, which says what comes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutCall {
    /// Which step this call is.
    pub step: PayoutStep,
    /// The request to send.
    pub request: HttpRequest,
    /// The token a login gave, for the calls after it (CinetPay).
    pub token: Option<cinetpay::TransferToken>,
}

/// What an adapter makes of one answer of a payout exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayoutAnswer {
    /// Another call to make, built from this answer (the contact after the login).
    Next(PayoutCall),
    /// Nothing was sent: the exchange stopped before the send, at this step, for this
    /// reason.
    Refused(PayoutStep, String),
    /// What the provider says of our payout; `None` when its answer names none.
    Said(Option<CheckedPayout>),
}

/// What every adapter needs to send a payout, whatever the provider: `POST /payouts` read
/// and its amount checked. Each adapter's `prepare_payout` checks it against the
/// provider's own rules and reports every violation at this request's paths
/// (`recipient.phone`, `amount`), whatever the provider calls the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutOrder {
    /// Our payout id, the reference the provider keeps.
    pub id: String,
    /// How much to send.
    pub amount: Money,
    /// Why, when the merchant says.
    pub description: Option<String>,
    /// Who receives it.
    pub recipient: PayoutRecipient,
    /// Where the provider posts the payout's notifications (CinetPay, MoneyFusion).
    pub notify_url: Option<String>,
}

/// The recipient fields any provider may need; which are required depends on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PayoutRecipient {
    /// Moneroo's payout method (`mtn_bj`, `moneroo_payout_demo`) or MoneyFusion's
    /// `withdraw_mode` (`mtn-ci`).
    pub method: Option<String>,
    /// The mobile-money number; Moneroo's `msisdn` (either name, not both).
    pub phone: Option<String>,
    /// Moneroo's `account_number` (`moneroo_payout_demo`).
    pub account_number: Option<String>,
    /// The recipient's first name.
    pub first_name: Option<String>,
    /// The recipient's last name.
    pub last_name: Option<String>,
    /// The recipient's e-mail address.
    pub email: Option<String>,
    /// ISO alpha-2, to read a national number.
    pub country: Option<String>,
}

/// Read field by field (`http::Fields`): every field optional, text or `null`, and no
/// other field accepted.
impl<'de> serde::Deserialize<'de> for PayoutRecipient {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const FIELDS: &[&str] = &[
            "method",
            "phone",
            "account_number",
            "first_name",
            "last_name",
            "email",
            "country",
        ];
        crate::http::Fields::read(d, "struct PayoutRecipient", |f| {
            let phone = match (f.text_opt("phone"), f.text_opt("msisdn")) {
                (Some(_), Some(_)) => {
                    return Err(serde::de::Error::duplicate_field("phone"));
                }
                (phone, msisdn) => phone.or(msisdn),
            };
            let recipient = PayoutRecipient {
                method: f.text_opt("method"),
                phone,
                account_number: f.text_opt("account_number"),
                first_name: f.text_opt("first_name"),
                last_name: f.text_opt("last_name"),
                email: f.text_opt("email"),
                country: f.text_opt("country"),
            };
            f.deny_unknown(FIELDS)?;
            Ok(recipient)
        })
    }
}

impl PayoutRecipient {
    /// The recipient as a customer to check, with or without the phone.
    pub fn customer_input(&self, with_phone: bool) -> crate::domain::CustomerInput {
        crate::domain::CustomerInput {
            email: self.email.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            phone: if with_phone { self.phone.clone() } else { None },
            country: self.country.clone(),
            ..crate::domain::CustomerInput::default()
        }
    }
}

/// A violation of one of a provider's rules with fixed texts, built out of line: each of
/// the adapters' two dozen checks is then a call, not four copies of text into new strings.
#[inline(never)]
pub(crate) fn rule(
    code: &str,
    field: impl Into<String>,
    fr: &'static str,
    en: &'static str,
) -> crate::domain::Violation {
    crate::domain::Violation::new(code, field, crate::domain::Message::new(fr, en))
}

/// Violations moved to other paths (a provider's field names to the request's).
fn renamed(
    violations: crate::domain::Violations,
    rename: impl Fn(&str) -> String,
) -> crate::domain::Violations {
    let mut out = crate::domain::Violations::new();
    for mut violation in violations {
        violation.field = rename(&violation.field);
        out.push(violation);
    }
    out
}

/// One violation per field and code: two checks of the same rule report once.
fn deduplicated(violations: crate::domain::Violations) -> crate::domain::Violations {
    let mut out = crate::domain::Violations::new();
    for violation in violations {
        let seen = out
            .as_slice()
            .iter()
            .any(|v| v.field == violation.field && v.code == violation.code);
        if !seen {
            out.push(violation);
        }
    }
    out
}
