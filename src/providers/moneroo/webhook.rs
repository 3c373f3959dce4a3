//! Notifications: `X-Moneroo-Signature` checked in constant time, then the event read.
//!
//! A notification only says *when* to ask again: its payload is partial and may repeat or
//! arrive out of order, so the edge asks the payment's status ([`super::check_payment`])
//! before moving the ledger.

use core::fmt;

use crate::domain::{Money, PaymentStatus};

use super::wire::{MonerooWebhookData, MonerooWebhookPayload};
use super::{answer_money, MonerooKeys};
use crate::signature;

/// The header carrying the signature: lowercase hex HMAC-SHA256 of the raw body.
pub const SIGNATURE_HEADER: &str = "X-Moneroo-Signature";

/// Why a notification was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// No webhook secret is configured, so nothing can be trusted.
    NotConfigured,
    /// The request has no signature header.
    MissingSignature,
    /// The signature is malformed or does not match the body and the secret.
    BadSignature,
    /// The body is correctly signed but is not a notification we can read.
    BadParse,
}

impl WebhookError {
    /// A stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            WebhookError::NotConfigured => "webhook_not_configured",
            WebhookError::MissingSignature => "missing_signature",
            WebhookError::BadSignature => "bad_signature",
            WebhookError::BadParse => "bad_payload",
        }
    }

    /// The status to answer Moneroo with: 403 to a bad signature, as Moneroo asks; 503
    /// while no secret is configured, so its retries land once the merchant sets one.
    pub fn http_status(&self) -> u16 {
        match self {
            WebhookError::NotConfigured => 503,
            WebhookError::MissingSignature | WebhookError::BadSignature => 403,
            WebhookError::BadParse => 400,
        }
    }
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WebhookError::NotConfigured => {
                "MONEROO_WEBHOOK_SECRET is not set: no Moneroo notification can be trusted"
            }
            WebhookError::MissingSignature => "the notification has no X-Moneroo-Signature",
            WebhookError::BadSignature => "the notification signature does not match",
            WebhookError::BadParse => "the notification body is not a Moneroo event",
        })
    }
}

impl std::error::Error for WebhookError {}

/// What a notification announces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonerooEvent {
    /// `payment.initiated`.
    PaymentInitiated,
    /// `payment.success`.
    PaymentSuccess,
    /// `payment.failed`.
    PaymentFailed,
    /// `payment.cancelled`.
    PaymentCancelled,
    /// `payout.initiated`.
    PayoutInitiated,
    /// `payout.success`.
    PayoutSuccess,
    /// `payout.failed`.
    PayoutFailed,
    /// An event Moneroo did not publish: acknowledge it, act on nothing.
    Unknown(String),
}

impl MonerooEvent {
    /// Reads the `event` word.
    pub fn parse(word: &str) -> MonerooEvent {
        match word {
            "payment.initiated" => MonerooEvent::PaymentInitiated,
            "payment.success" => MonerooEvent::PaymentSuccess,
            "payment.failed" => MonerooEvent::PaymentFailed,
            "payment.cancelled" => MonerooEvent::PaymentCancelled,
            "payout.initiated" => MonerooEvent::PayoutInitiated,
            "payout.success" => MonerooEvent::PayoutSuccess,
            "payout.failed" => MonerooEvent::PayoutFailed,
            unpublished => MonerooEvent::Unknown(unpublished.to_owned()),
        }
    }

    /// The `event` word.
    pub fn as_str(&self) -> &str {
        match self {
            MonerooEvent::PaymentInitiated => "payment.initiated",
            MonerooEvent::PaymentSuccess => "payment.success",
            MonerooEvent::PaymentFailed => "payment.failed",
            MonerooEvent::PaymentCancelled => "payment.cancelled",
            MonerooEvent::PayoutInitiated => "payout.initiated",
            MonerooEvent::PayoutSuccess => "payout.success",
            MonerooEvent::PayoutFailed => "payout.failed",
            MonerooEvent::Unknown(word) => word,
        }
    }

    /// True for the `payment.*` events: check the payment's status.
    pub fn is_payment(&self) -> bool {
        matches!(
            self,
            MonerooEvent::PaymentInitiated
                | MonerooEvent::PaymentSuccess
                | MonerooEvent::PaymentFailed
                | MonerooEvent::PaymentCancelled
        )
    }

    /// True for the `payout.*` events: check the payout's status.
    pub fn is_payout(&self) -> bool {
        matches!(
            self,
            MonerooEvent::PayoutInitiated
                | MonerooEvent::PayoutSuccess
                | MonerooEvent::PayoutFailed
        )
    }

    /// The status the event claims. A hint for logs only: the status to record comes from
    /// a status call.
    pub fn claimed_status(&self) -> Option<PaymentStatus> {
        match self {
            MonerooEvent::PaymentInitiated | MonerooEvent::PayoutInitiated => {
                Some(PaymentStatus::Pending)
            }
            MonerooEvent::PaymentSuccess | MonerooEvent::PayoutSuccess => {
                Some(PaymentStatus::Succeeded)
            }
            MonerooEvent::PaymentFailed | MonerooEvent::PayoutFailed => Some(PaymentStatus::Failed),
            MonerooEvent::PaymentCancelled => Some(PaymentStatus::Cancelled),
            MonerooEvent::Unknown(_) => None,
        }
    }
}

/// A verified notification.
#[derive(Debug, Clone, PartialEq)]
pub struct MonerooWebhook {
    /// What happened.
    pub event: MonerooEvent,
    /// Moneroo's partial view of the payment or payout.
    pub data: MonerooWebhookData,
}

impl MonerooWebhook {
    /// The payment or payout id to check.
    pub fn id(&self) -> &str {
        &self.data.id
    }

    /// The amount claimed, when the currency is one we know. Not to be trusted alone.
    pub fn amount(&self) -> Option<Money> {
        answer_money(self.data.amount.as_ref(), self.data.currency.as_ref())
    }
}

/// Checks `X-Moneroo-Signature` against the raw body, in constant time. The header is
/// hex-decoded first; anything that is not hex is a bad signature.
pub fn verify_webhook(
    keys: &MonerooKeys,
    body: &[u8],
    signature: Option<&str>,
) -> Result<(), WebhookError> {
    let secret = keys
        .webhook_secret
        .as_ref()
        .ok_or(WebhookError::NotConfigured)?;
    let signature = signature
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or(WebhookError::MissingSignature)?;
    if signature::verify_hex(secret.expose(), &[body], signature) {
        Ok(())
    } else {
        Err(WebhookError::BadSignature)
    }
}

/// Verifies a notification ([`verify_webhook`]) and reads it. Unknown events are read as
/// [`MonerooEvent::Unknown`], not refused, so Moneroo stops retrying them.
pub fn read_webhook(
    keys: &MonerooKeys,
    body: &[u8],
    signature: Option<&str>,
) -> Result<MonerooWebhook, WebhookError> {
    verify_webhook(keys, body, signature)?;
    let payload: MonerooWebhookPayload =
        crate::http::from_json(body).map_err(|_| WebhookError::BadParse)?;
    if payload.data.id.trim().is_empty() {
        return Err(WebhookError::BadParse);
    }
    Ok(MonerooWebhook {
        event: MonerooEvent::parse(&payload.event),
        data: payload.data,
    })
}

/// Signs a body as Moneroo does, for tests and the sandbox: lowercase hex HMAC-SHA256.
///
/// ```
/// use guichet::providers::moneroo::{sign_webhook, verify_webhook, MonerooKeys};
///
/// let keys = MonerooKeys::new("sk").with_webhook_secret("whsec");
/// let body = br#"{"event":"payment.success","data":{"id":"k4su1ii7abdz"}}"#;
/// let signature = sign_webhook("whsec", body);
/// assert_eq!(signature.len(), 64);
/// assert!(verify_webhook(&keys, body, Some(&signature)).is_ok());
/// ```
pub fn sign_webhook(secret: &str, body: &[u8]) -> String {
    signature::sign_hex(secret, &[body])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_a_known_hmac_sha256_vector() {
        // RFC 4231, test case 2.
        assert_eq!(
            sign_webhook("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
