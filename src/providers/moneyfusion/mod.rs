//! MoneyFusion (FusionPay): payments, status, webhooks, withdrawals.
//!
//! The flow, as MoneyFusion publishes it:
//!
//! 1. [`MoneyFusion::initialize_payment`] checks a [`crate::providers::PaymentRequest`] and builds
//!    `POST <merchant API URL>`; [`MoneyFusion::read_created_payment`] reads the token
//!    and the hosted page. The API URL is the only credential: see [`ApiUrl`].
//! 2. The shopper pays on MoneyFusion's page and comes back to `return_url?token=<token>`
//!    ([`token_from_return_url`]): a hint, never a verdict.
//! 3. The truth is `GET /paiementNotif/<token>` ([`MoneyFusion::check_payment`],
//!    [`MoneyFusion::read_payment_check`]), which needs no key.
//! 4. Notifications are unsigned ([`webhook`]): they only say which token to ask about.
//! 5. Withdrawals ([`payout`]) use a separate private key and host.
//!
//! No function here does I/O: they build [`HttpRequest`]s and read [`HttpResponse`]s.

pub mod config;
mod payment;
pub mod payout;
pub mod webhook;
pub mod wire;

pub use config::{ApiUrl, ConfigError, MoneyFusionConfig};
pub(crate) use payment::major_units;
pub use payment::{
    numero_send, token_from_return_url, PaymentToken, ARTICLE_NAME_MAX, REFERENCE_KEY,
};
pub use payout::{SubmittedWithdrawal, WithdrawMode, Withdrawal, WithdrawalInput};
pub use webhook::{
    Notification, PayinEvent, PayoutEvent, UnverifiedEvent, UnverifiedPayoutEvent, WebhookError,
};

use super::ProviderError;
use crate::domain::{Provider, Violation};
use crate::http::{HttpRequest, HttpResponse, Method};

/// Longest provider message we keep in a [`ProviderError`].
const MESSAGE_MAX: usize = 300;

/// The MoneyFusion adapter. Cheap to build per request; holds only the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoneyFusion {
    config: MoneyFusionConfig,
}

impl MoneyFusion {
    /// An adapter for one merchant account.
    pub fn new(config: MoneyFusionConfig) -> Self {
        MoneyFusion { config }
    }

    /// The configuration.
    pub fn config(&self) -> &MoneyFusionConfig {
        &self.config
    }

    /// Reads a JSON answer; a body that is not the expected JSON is `http_error` on a
    /// failed status (retryable per status) and `bad_response` on a success.
    fn read<T: serde::de::DeserializeOwned>(
        &self,
        response: &HttpResponse,
    ) -> Result<T, ProviderError> {
        crate::http::from_json(&response.body).map_err(|_| self.unreadable(response.status))
    }

    /// The error of an answer [`MoneyFusion::read`] could not read: out of the per-type
    /// readers.
    fn unreadable(&self, status: u16) -> ProviderError {
        if is_success(status) {
            self.bad_response(status, "the answer is not the expected JSON")
        } else {
            self.error(
                "http_error",
                Some(&format!(
                    "HTTP {} without a readable answer",
                    u64::from(status)
                )),
                Some(status),
                is_retryable(status),
            )
        }
    }

    /// A `statut: false` answer, or a failed status: the server's IP or application
    /// refused, a refused credential (401, 403), or anything else MoneyFusion declined.
    fn refusal(&self, status: u16, message: Option<&str>) -> ProviderError {
        if message.is_some_and(is_unauthorized_ip) {
            self.error("unauthorized_ip", message, Some(status), false)
        } else if matches!(status, 401 | 403) {
            self.error("unauthorized", message, Some(status), false)
        } else {
            self.error("rejected", message, Some(status), is_retryable(status))
        }
    }

    fn bad_response(&self, status: u16, why: &str) -> ProviderError {
        self.error("bad_response", Some(why), Some(status), false)
    }

    /// An error whose message cannot hold the API URL, its app id or a control character.
    fn error(
        &self,
        code: &str,
        message: Option<&str>,
        http_status: Option<u16>,
        retryable: bool,
    ) -> ProviderError {
        let message = message.map(str::trim).filter(|m| !m.is_empty());
        let message = match message {
            Some(message) => {
                let clean: String = self
                    .config
                    .api_url
                    .scrub(message)
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(MESSAGE_MAX)
                    .collect();
                clean
            }
            None => "MoneyFusion gave no reason".to_owned(),
        };
        ProviderError {
            provider: Provider::MoneyFusion,
            code: code.to_owned(),
            message,
            http_status,
            retryable,
        }
    }
}

/// A link that is not an absolute `http(s)` URL.
pub(crate) fn invalid_url(field: &str) -> Violation {
    crate::providers::rule(
        "invalid_url",
        field,
        "Cette adresse doit commencer par https:// ou http://.",
        "This address must start with https:// or http://.",
    )
}

/// An absolute `http(s)` URL with a host and no whitespace: what may be sent as a link, or
/// where a shopper may be sent.
pub(crate) fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        !rest.is_empty() && !rest.starts_with('/') && !crate::providers::has_blank_or_control(url)
    })
}

/// Builds a JSON `POST`.
/// A JSON post of `bytes` (one copy: the callers write their own body with [`json_bytes`]).
pub(crate) fn json_post(url: &str, bytes: Vec<u8>) -> HttpRequest {
    HttpRequest::new(Method::Post, url)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .body(bytes)
}

/// A wire body as JSON. Serializing our own wire types cannot fail: string keys, no floats.
pub(crate) fn json_bytes<T: serde::Serialize>(body: &T) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_default()
}

pub(crate) fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

pub(crate) fn is_retryable(status: u16) -> bool {
    status == 429 || status >= 500
}

/// MoneyFusion's refusal of the server's IP: "Unauthorized IP or unapproved application
/// (x.x.x.x)".
pub(crate) fn is_unauthorized_ip(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    crate::http::text::contains(&message, "unauthorized ip")
        || crate::http::text::contains(&message, "unapproved application")
}
