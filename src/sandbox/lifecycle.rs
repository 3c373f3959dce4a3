//! How payments and payouts move, whoever moves them (the shopper on a hosted page, a
//! payout network, a timer, a test through the control API), and who hears about it.

use std::time::Duration;

use crate::domain::Provider;

use super::state::SharedState;
use super::store::{Outcome, PaymentExtra, PaymentRecord, PayoutRecord, Stage, TransitionError};
use super::support::{lock, UtcTime};
use super::{cinetpay, cinetpay_transfers, moneroo, moneroo_payouts, moneyfusion};

/// What the shopper entered when they acted, if anything.
#[derive(Debug, Clone, Default)]
pub struct Attempt {
    /// Method code chosen.
    pub method: Option<String>,
    /// Phone number typed.
    pub phone: Option<String>,
}

/// Moves a payment to `outcome`'s stage and sends the provider's notifications.
pub fn settle_payment(
    shared: &SharedState,
    provider: Provider,
    id: &str,
    outcome: Outcome,
    attempt: Attempt,
) -> Result<PaymentRecord, TransitionError> {
    let next = outcome.stage();
    let now = shared.now();
    let gateway_ref = shared.draw(|rng| rng.digits(10));
    let operator_ref = shared.draw(|rng| format!("{}{}", rng.upper_alnum(1), rng.digits(5)));
    let (before, record) = lock(&shared.store).advance_payment(provider, id, next, now, |r| {
        if attempt.method.is_some() {
            r.method = attempt.method;
        }
        if attempt.phone.is_some() {
            r.payer_phone = attempt.phone;
        }
        match &mut r.extra {
            PaymentExtra::Moneroo(extra) => {
                if extra.gateway_transaction_id.is_none() && next != Stage::Cancelled {
                    extra.gateway_transaction_id = Some(gateway_ref);
                }
            }
            PaymentExtra::CinetPay(extra) => {
                if next == Stage::Succeeded {
                    let t = UtcTime::from_system(now);
                    extra.operator_id = Some(format!(
                        "MP{}.{:02}{:02}.{}",
                        t.yymmdd(),
                        t.hour,
                        t.minute,
                        operator_ref
                    ));
                }
            }
            PaymentExtra::MoneyFusion(_) => {}
        }
    })?;
    match provider {
        Provider::Moneroo => moneroo::payment_changed(shared, &record, before),
        Provider::CinetPay => cinetpay::payment_changed(shared, &record, before),
        Provider::MoneyFusion => moneyfusion::payment_changed(shared, &record, before),
    }
    Ok(record)
}

/// Settles a payment as a shopper does: paying (or being declined) passes through
/// `pending` first, as the operator asks the shopper to approve, so the provider's
/// "waiting" notification goes out before the final one.
pub fn shopper_settles(
    shared: &SharedState,
    provider: Provider,
    id: &str,
    outcome: Outcome,
    attempt: Attempt,
) -> Result<PaymentRecord, TransitionError> {
    match outcome {
        Outcome::Success | Outcome::Failed => {
            let current = lock(&shared.store).payment(provider, id).map(|p| p.stage);
            if current == Some(Stage::Initiated) {
                settle_payment(shared, provider, id, Outcome::Pending, attempt.clone())?;
            }
            settle_payment(shared, provider, id, outcome, attempt)
        }
        Outcome::Pending | Outcome::Cancelled => {
            settle_payment(shared, provider, id, outcome, attempt)
        }
    }
}

/// The provider's own word for a payment's stage (`success`, `ACCEPTED`, `paid`...).
pub fn payment_status_word(record: &PaymentRecord) -> &'static str {
    match record.provider {
        Provider::Moneroo => moneroo::payment_status(record.stage),
        Provider::CinetPay => cinetpay::payment_status(record.stage).status,
        Provider::MoneyFusion => moneyfusion::payment_status(record.stage),
    }
}

/// Moves a payout to `outcome`'s stage and sends the provider's notifications.
pub fn settle_payout(
    shared: &SharedState,
    provider: Provider,
    id: &str,
    outcome: Outcome,
) -> Result<PayoutRecord, TransitionError> {
    let now = shared.now();
    let (before, record) =
        lock(&shared.store).advance_payout(provider, id, outcome.stage(), now)?;
    match provider {
        Provider::Moneroo => moneroo_payouts::payout_changed(shared, &record, before),
        Provider::CinetPay => cinetpay_transfers::payout_changed(shared, &record, before),
        Provider::MoneyFusion => moneyfusion::payout_changed(shared, &record, before),
    }
    Ok(record)
}

/// The provider's own word for a payout's stage (`success`, `VAL`, `completed`...).
pub fn payout_status_word(record: &PayoutRecord) -> &'static str {
    match record.provider {
        Provider::Moneroo => moneroo_payouts::payout_status(record.stage),
        Provider::CinetPay => cinetpay_transfers::transfer_status(record.stage),
        Provider::MoneyFusion => moneyfusion::payout_status(record.stage),
    }
}

/// Runs a payout the way payout networks do: it starts processing after a moment, and
/// ends as `planned` a moment later (or stays pending when `planned` is pending).
pub fn run_payout(shared: &SharedState, provider: Provider, id: String, planned: Outcome) {
    let delay = Duration::from_millis(shared.settings().payout_delay_ms);
    let task_shared = shared.clone();
    shared.after(delay, async move {
        let shared = task_shared;
        let processing = settle_payout(&shared, provider, &id, Outcome::Pending);
        if processing.is_err() || planned == Outcome::Pending {
            // Settled meanwhile (a test did it), or meant to wait for one.
            return;
        }
        shared.sleep(delay).await;
        // Err: settled meanwhile; the earlier decision stands.
        let _ = settle_payout(&shared, provider, &id, planned);
    });
}
