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
    MoneyFusionAmount, MoneyFusionEvent, MoneyFusionPayinWebhook, MoneyFusionPayoutWebhook,
};
use super::{MoneyFusion, PaymentToken};
use crate::domain::{PaymentStatus, Transition};
use crate::http::HttpRequest;
use serde_json::Value;

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
    // The text parsed once; an object whose `event` is a string picks the shape, whose
    // reader then takes the value (not a reader of its own for the name, nor the text
    // parsed again).
    let value = crate::http::parse_json(body).map_err(|_| WebhookError::BadParse)?;
    let Some(name) = value.get("event").and_then(Value::as_str) else {
        return Err(WebhookError::BadParse);
    };
    let name = MoneyFusionEvent::from_wire(name);
    let payin = |value, event| -> Result<Notification, WebhookError> {
        let wire: MoneyFusionPayinWebhook =
            crate::http::from_value(value).map_err(|_| WebhookError::BadParse)?;
        let token = PaymentToken::parse(&wire.token_pay).ok_or(WebhookError::BadToken)?;
        Ok(Notification::Payin(UnverifiedEvent { event, token }))
    };
    let payout = |value, event| -> Result<Notification, WebhookError> {
        let wire: MoneyFusionPayoutWebhook =
            crate::http::from_value(value).map_err(|_| WebhookError::BadParse)?;
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
    match name {
        MoneyFusionEvent::PayinPending => payin(value, PayinEvent::Pending),
        MoneyFusionEvent::PayinCompleted => payin(value, PayinEvent::Completed),
        MoneyFusionEvent::PayinCancelled => payin(value, PayinEvent::Cancelled),
        MoneyFusionEvent::PayoutCompleted => payout(value, PayoutEvent::Completed),
        MoneyFusionEvent::PayoutCancelled => payout(value, PayoutEvent::Cancelled),
        MoneyFusionEvent::Unknown(event) => Ok(Notification::Unknown { event }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The former reader of the name: the body read once for its `event`, then again.
    struct OldName {
        event: MoneyFusionEvent,
    }

    impl<'de> serde::Deserialize<'de> for OldName {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            crate::http::Fields::read(d, "struct MoneyFusionEventName", |f| {
                Ok(OldName {
                    event: MoneyFusionEvent::from_wire(&f.text("event")),
                })
            })
        }
    }

    fn old_parse(body: &[u8]) -> Result<Notification, WebhookError> {
        let name: OldName = crate::http::from_json(body).map_err(|_| WebhookError::BadParse)?;
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

    #[test]
    fn parse_answers_as_the_former_two_pass_reader() {
        let events = [
            None,
            Some("null"),
            Some("7"),
            Some("[]"),
            Some("\"payin.session.pending\""),
            Some("\"payin.session.completed\""),
            Some("\"payin.session.cancelled\""),
            Some("\"payout.session.completed\""),
            Some("\"payout.session.cancelled\""),
            Some("\"payin.session.refunded\""),
            Some("\"\""),
        ];
        let tokens = [
            None,
            Some("null"),
            Some("12"),
            Some("\"D0h6fjyjkCfi\""),
            Some("\"\""),
            Some("\"bad token/..\""),
        ];
        let rest = [
            "",
            r#","Montant":"200","montant":150"#,
            r#","montant":"x","numeroRetrait":"0700000000","moyen":"orange-money-ci""#,
            r#","Montant":[1],"frais":{}"#,
            r#","personal_Info":[{"orderId":"o1"}],"numeroSend":5"#,
            r#","moyen":false,"createdAt":"2026-01-01""#,
            r#","nomclient":null,"webhook_url":"https://x","return_url":3"#,
        ];
        let mut bodies: Vec<String> = vec![
            String::new(),
            "not json".into(),
            "[]".into(),
            "\"payin.session.pending\"".into(),
            "null".into(),
            r#"{"event":"payin.session.pending","tokenPay":"D0h6fjyjkCfi""#.into(),
        ];
        for event in events {
            for token in tokens {
                for more in rest {
                    let mut body = String::from("{\"x\":0");
                    if let Some(event) = event {
                        body.push_str(&format!(",\"event\":{event}"));
                    }
                    if let Some(token) = token {
                        body.push_str(&format!(",\"tokenPay\":{token}"));
                    }
                    body.push_str(more);
                    body.push('}');
                    bodies.push(body);
                }
            }
        }
        let mut kinds = [0usize; 5];
        for body in &bodies {
            let new = parse(body.as_bytes());
            assert_eq!(new, old_parse(body.as_bytes()), "{body}");
            kinds[match new {
                Ok(Notification::Payin(_)) => 0,
                Ok(Notification::Payout(_)) => 1,
                Ok(Notification::Unknown { .. }) => 2,
                Err(WebhookError::BadParse) => 3,
                Err(WebhookError::BadToken) => 4,
            }] += 1;
        }
        assert_eq!(bodies.len(), 468);
        assert!(kinds.iter().all(|&n| n > 0), "{kinds:?}");
    }

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
