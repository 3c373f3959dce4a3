//! Provider adapters: Moneroo, CinetPay, MoneyFusion.
//!
//! An adapter never does I/O. It turns domain values into [`HttpRequest`]s exactly as the
//! provider publishes them, and turns [`HttpResponse`] bytes back into domain values. The
//! edge sends requests through a [`crate::http::Transport`].

pub mod cinetpay;
pub mod moneroo;
pub mod moneyfusion;

use core::fmt;

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
            write!(f, " (HTTP {status})")?;
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
pub struct Verification {
    /// The provider's id of the payment.
    pub provider_ref: String,
    /// The provider's status mapped onto ours, before the amount checks of [`Verification::settle`].
    pub status: PaymentStatus,
    /// The provider's own status word, for the record.
    pub provider_status: String,
    /// The amount paid, when the provider says.
    pub amount: Option<Money>,
    /// Our reference, when the provider echoes it.
    pub reference: Option<String>,
}

impl Verification {
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
