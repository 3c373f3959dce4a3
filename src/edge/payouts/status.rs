//! What became of a payout, asked of the provider: Moneroo's payout status, CinetPay's
//! transfer check. MoneyFusion has no payout status call.

use crate::domain::{Money, Provider};
use crate::http::HttpResponse;
use crate::providers::{CheckedPayout, PayoutAnswer, PayoutCall, PayoutStep, ProviderError};

use super::super::connector::{ask, Connector};
use super::super::context::{Edge, Effects};
use super::super::gateway::Retry;
use super::super::ledger::{PayoutChange, PayoutRecord};
use super::super::runtime::Runtime;

/// The provider's status call about a payout, as a change to apply. `None` when the
/// provider cannot be asked (MoneyFusion; a Moneroo payout whose id we never learnt) or
/// could not say, or spoke of another payout.
pub(crate) async fn check_status(
    edge: &Edge<'_, impl Effects>,
    payout: &PayoutRecord,
) -> Option<PayoutChange> {
    let at = edge.runtime.now();
    let connector = Connector::of(edge.config, payout.provider)?;
    let first = connector.check_payout(payout.provider_ref.as_deref())?;
    let asked = (
        payout.id.as_str(),
        payout.provider_ref.as_deref(),
        payout.currency,
    );
    let read = |call: &PayoutCall, response: &HttpResponse, now| {
        connector.read_payout_check(asked, call, response, now)
    };
    let Ended::Said(Some(checked)) = exchange(edge, payout.provider, first, &read).await else {
        return None;
    };
    if !same_amount(payout, checked.amount) {
        return None;
    }
    let key = connector.checked_payout_key(&payout.id, &checked);
    Some(change_from(&checked, key, at))
}

/// True unless the provider names another amount than ours.
fn same_amount(payout: &PayoutRecord, amount: Option<Money>) -> bool {
    amount.is_none_or(|m| m.minor() == payout.amount && m.currency() == payout.currency)
}

/// What the provider said of a payout, as the change to record under `event_key`.
pub(super) fn change_from(checked: &CheckedPayout, event_key: String, at: u64) -> PayoutChange {
    PayoutChange {
        event_key,
        status: checked.status,
        provider_ref: checked.provider_ref.clone(),
        provider_status: checked.provider_status.clone(),
        failure: checked.failure.clone(),
        at,
    }
}

/// How a payout exchange ended.
pub(super) enum Ended {
    /// The provider said this of our payout (`None`: its answer named none).
    Said(Option<CheckedPayout>),
    /// The adapter stopped before the send, at this step, for this reason.
    Refused(PayoutStep, String),
    /// This step's call failed.
    Failed(PayoutStep, ProviderError),
}

/// Sends each call of a payout exchange and hands its answer to `read` (the adapter's, at
/// the clock's `now`) until the adapter asks for no other call. `read` is a `dyn Fn`: the
/// send and the status check share one compiled copy of this loop. The send is
/// [`Retry::CREATE`]; logins, contacts and checks are [`Retry::READ`].
pub(super) async fn exchange(
    edge: &Edge<'_, impl Effects>,
    provider: Provider,
    first: PayoutCall,
    read: &dyn Fn(&PayoutCall, &HttpResponse, u64) -> Result<PayoutAnswer, ProviderError>,
) -> Ended {
    let mut call = first;
    loop {
        let retry = if call.step == PayoutStep::Send {
            Retry::CREATE
        } else {
            Retry::READ
        };
        let now = edge.runtime.now();
        let answer = ask(edge, provider, &call.request, retry, |response| {
            read(&call, response, now)
        })
        .await;
        match answer {
            Ok(PayoutAnswer::Next(next)) => call = next,
            Ok(PayoutAnswer::Said(said)) => return Ended::Said(said),
            Ok(PayoutAnswer::Refused(step, why)) => return Ended::Refused(step, why),
            Err(error) => return Ended::Failed(call.step, error),
        }
    }
}
