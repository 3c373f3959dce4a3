//! MoneyFusion notifications (`POST` JSON to our `webhook_url`).
//!
//! MoneyFusion signs nothing: no header, no secret, no timestamp. Anyone who can reach
//! the webhook URL can post any body. So a notification is not evidence of anything, and
//! this module's types say so: a payin notification is an [`UnverifiedEvent`] whose only
//! use is the token to confirm through `GET /paiementNotif/<token>`, and whether that call
//! is worth making (MoneyFusion's notifications repeat: `payin.session.pending` several
//! times; skip those that are not a step forward; deduplicate on `tokenPay`).
//!
//! The edge's handling, in order:
//!
//! ```text
//! match webhook::parse(body)? {                     // Err: answer 400
//!     Notification::Payin(event) => {
//!         let Some(session) = ledger.by_provider_ref(event.token()) else { return 200 };
//!         if !event.is_step_forward(session.status) { return 200 }   // repeat or stale
//!         let answer = transport.send(event.confirm_request(&adapter)).await?;
//!         let checked = adapter.read_payment_check(event.token(), &answer)?;
//!         ledger.apply(session.status.transition(checked.settle(session.amount)));
//!     }
//!     Notification::Payout(event) => { /* see UnverifiedPayoutEvent */ }
//!     Notification::Unknown { .. } => { /* answer 200, change nothing */ }
//! }
//! ```

use core::fmt;

use super::wire::{
    MoneyFusionAmount, MoneyFusionEvent, MoneyFusionEventName, MoneyFusionPayinWebhook,
    MoneyFusionPayoutWebhook,
};
use super::{MoneyFusion, PaymentToken};
use crate::domain::{PaymentStatus, Transition};
use crate::http::HttpRequest;

/// Why a notification body was refused (answer 400: MoneyFusion may retry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookError {
    /// Not JSON, or not the shape of any MoneyFusion notification.
    BadParse,
    /// A `tokenPay` that cannot be a MoneyFusion token.
    BadToken,
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WebhookError::BadParse => "not a MoneyFusion notification",
            WebhookError::BadToken => "the notification's tokenPay is malformed",
        })
    }
}

impl std::error::Error for WebhookError {}

/// A notification, sorted by what it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notification {
    /// About a payment: confirm it with the status call.
    Payin(UnverifiedEvent),
    /// About a withdrawal: cannot be confirmed (no payout status call).
    Payout(UnverifiedPayoutEvent),
    /// An event name MoneyFusion does not publish: acknowledge it, change nothing.
    Unknown {
        /// The name, as sent.
        event: String,
    },
}

/// What a payin notification claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayinEvent {
    /// `payin.session.pending`, repeated while the payment is processed.
    Pending,
    /// `payin.session.completed`.
    Completed,
    /// `payin.session.cancelled`: cancelled or failed (the status call says which).
    Cancelled,
}

impl PayinEvent {
    /// The status the event claims, used only to decide whether confirming is worth a
    /// call.
    pub fn claimed_status(self) -> PaymentStatus {
        match self {
            PayinEvent::Pending => PaymentStatus::Pending,
            PayinEvent::Completed => PaymentStatus::Succeeded,
            PayinEvent::Cancelled => PaymentStatus::Cancelled,
        }
    }
}

/// A payin notification nobody vouches for. It yields only the token to confirm and a
/// claim to decide whether confirming is worth it: no amount, no reference, no status to
/// record. The status call is the only truth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnverifiedEvent {
    event: PayinEvent,
    token: PaymentToken,
}

impl UnverifiedEvent {
    /// The event's claim.
    pub fn event(&self) -> PayinEvent {
        self.event
    }

    /// The payment token (`tokenPay`): the key to deduplicate on, and to confirm with.
    pub fn token(&self) -> &PaymentToken {
        &self.token
    }

    /// True only when the claim would move `current` forward. A repeated
    /// `pending`, or anything once the payment is final, is not worth a status call.
    pub fn is_step_forward(&self, current: PaymentStatus) -> bool {
        is_step_forward(self.event.claimed_status(), current)
    }

    /// The status call that confirms (or not) what the event claims.
    pub fn confirm_request(&self, adapter: &MoneyFusion) -> HttpRequest {
        adapter.check_payment(&self.token)
    }
}

/// What a payout notification claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutEvent {
    /// `payout.session.completed`: the money was sent.
    Completed,
    /// `payout.session.cancelled`: the withdrawal failed or was cancelled.
    Cancelled,
}

impl PayoutEvent {
    /// The claimed outcome: `Succeeded`, or `Failed` (no money left, whichever the cause).
    pub fn claimed_status(self) -> PaymentStatus {
        match self {
            PayoutEvent::Completed => PaymentStatus::Succeeded,
            PayoutEvent::Cancelled => PaymentStatus::Failed,
        }
    }
}

/// A payout notification nobody vouches for, and that nothing can confirm: MoneyFusion
/// has no payout status endpoint. The one safeguard is its `tokenPay`, which MoneyFusion
/// returned only to our server (in the withdraw answer); [`UnverifiedPayoutEvent::outcome_for`]
/// accepts the claim only for that token. A payout left pending must be reconciled in the
/// MoneyFusion dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnverifiedPayoutEvent {
    event: PayoutEvent,
    token: Option<String>,
    amount: Option<MoneyFusionAmount>,
    phone: Option<String>,
    mode: Option<String>,
}

impl UnverifiedPayoutEvent {
    /// The event's claim.
    pub fn event(&self) -> PayoutEvent {
        self.event
    }

    /// The withdrawal's token, to find the payout by. MoneyFusion's own sample omits it;
    /// without it the event cannot be matched to anything.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// `montant`, `numeroRetrait` and `moyen` as sent, for the merchant's records only.
    pub fn details(&self) -> (Option<&MoneyFusionAmount>, Option<&str>, Option<&str>) {
        (
            self.amount.as_ref(),
            self.phone.as_deref(),
            self.mode.as_deref(),
        )
    }

    /// The claimed outcome for the withdrawal whose token MoneyFusion gave us, when this
    /// event carries that same token (compared in constant time: the token is the only
    /// thing a forger would have to guess). `None` otherwise.
    pub fn outcome_for(&self, withdrawal_token: &str) -> Option<PaymentStatus> {
        let token = self.token.as_deref()?;
        constant_time_eq(token.as_bytes(), withdrawal_token.as_bytes())
            .then(|| self.event.claimed_status())
    }

    /// The same rule for payouts: only a final claim on a pending payout counts.
    pub fn is_step_forward(&self, current: PaymentStatus) -> bool {
        is_step_forward(self.event.claimed_status(), current)
    }
}

fn is_step_forward(claimed: PaymentStatus, current: PaymentStatus) -> bool {
    match current.transition(claimed) {
        Transition::Advance(_) => true,
        Transition::Unchanged | Transition::Refused => false,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Reads a notification body. The `event` decides the shape: a payin notification must
/// carry a well-formed `tokenPay`; a payout one may lack it (MoneyFusion's sample does).
pub fn parse(body: &[u8]) -> Result<Notification, WebhookError> {
    let name: MoneyFusionEventName =
        crate::http::from_json(body).map_err(|_| WebhookError::BadParse)?;
    let payin = |event| -> Result<Notification, WebhookError> {
        let wire: MoneyFusionPayinWebhook =
            crate::http::from_json(body).map_err(|_| WebhookError::BadParse)?;
        let token = PaymentToken::parse(&wire.token_pay).ok_or(WebhookError::BadToken)?;
        Ok(Notification::Payin(UnverifiedEvent { event, token }))
    };
    let payout = |event| -> Result<Notification, WebhookError> {
        let wire: MoneyFusionPayoutWebhook =
            crate::http::from_json(body).map_err(|_| WebhookError::BadParse)?;
        let token = match wire.token_pay {
            Some(token) => Some(
                PaymentToken::parse(&token)
                    .ok_or(WebhookError::BadToken)?
                    .as_str()
                    .to_owned(),
            ),
            None => None,
        };
        Ok(Notification::Payout(UnverifiedPayoutEvent {
            event,
            token,
            amount: wire.montant,
            phone: wire.numero_retrait,
            mode: wire.moyen,
        }))
    };
    match name.event {
        MoneyFusionEvent::PayinPending => payin(PayinEvent::Pending),
        MoneyFusionEvent::PayinCompleted => payin(PayinEvent::Completed),
        MoneyFusionEvent::PayinCancelled => payin(PayinEvent::Cancelled),
        MoneyFusionEvent::PayoutCompleted => payout(PayoutEvent::Completed),
        MoneyFusionEvent::PayoutCancelled => payout(PayoutEvent::Cancelled),
        MoneyFusionEvent::Unknown(event) => Ok(Notification::Unknown { event }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_final_status_is_never_a_step_forward() {
        for current in [
            PaymentStatus::Succeeded,
            PaymentStatus::Failed,
            PaymentStatus::Cancelled,
            PaymentStatus::Expired,
        ] {
            for claimed in [
                PaymentStatus::Pending,
                PaymentStatus::Succeeded,
                PaymentStatus::Cancelled,
            ] {
                assert!(
                    !is_step_forward(claimed, current),
                    "{current:?} {claimed:?}"
                );
            }
        }
        assert!(!is_step_forward(
            PaymentStatus::Pending,
            PaymentStatus::Pending
        ));
        assert!(is_step_forward(
            PaymentStatus::Succeeded,
            PaymentStatus::Pending
        ));
    }

    #[test]
    fn constant_time_eq_compares_whole_tokens() {
        assert!(constant_time_eq(b"D0h6fjyjkCfi", b"D0h6fjyjkCfi"));
        assert!(!constant_time_eq(b"D0h6fjyjkCfi", b"D0h6fjyjkCfj"));
        assert!(!constant_time_eq(b"D0h6fjyjkCfi", b"D0h6fjyjkCf"));
    }
}
