//! What became of a payout, asked of the provider: Moneroo's payout status, CinetPay's
//! transfer check. MoneyFusion has no payout status call.

use crate::domain::{Money, PaymentStatus, Provider};
use crate::providers::cinetpay::{Cinetpay, TransferRecord, TransferToken};
use crate::providers::moneroo;
use crate::providers::ProviderError;

use super::super::context::{Edge, Effects};
use super::super::gateway::{self, Retry};
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
    match payout.provider {
        Provider::Moneroo => {
            let keys = edge.config.moneroo.as_ref()?;
            let provider_ref = payout.provider_ref.as_deref()?;
            let checked = gateway::call(
                edge.transport,
                edge.runtime,
                Provider::Moneroo,
                &moneroo::check_payout(keys, provider_ref),
                Retry::READ,
                moneroo::read_payout_check,
            )
            .await
            .ok()?;
            let ours = checked.provider_ref == provider_ref && same_amount(payout, checked.amount);
            ours.then(|| PayoutChange {
                event_key: format!(
                    "{}:{provider_ref}:{}",
                    Provider::Moneroo,
                    checked.provider_status
                ),
                status: checked.status,
                provider_ref: Some(provider_ref.to_owned()),
                failure: (checked.status == PaymentStatus::Failed)
                    .then(|| format!("Moneroo reports the payout {}", checked.provider_status)),
                provider_status: checked.provider_status,
                at,
            })
        }
        Provider::CinetPay => {
            let adapter = edge.config.cinetpay.as_ref()?;
            let token = cinetpay_login(edge, adapter).await.ok()?;
            let records = gateway::call(
                edge.transport,
                edge.runtime,
                Provider::CinetPay,
                &adapter.check_payout(&token, &payout.id),
                Retry::READ,
                |response| adapter.read_payout_check(response),
            )
            .await
            .ok()?;
            let record = records
                .into_iter()
                .find(|r| r.client_transaction_id.as_deref() == Some(payout.id.as_str()))?;
            let amount = record
                .amount
                .as_deref()
                .and_then(|a| Money::parse_major(a, payout.currency).ok());
            if !same_amount(payout, amount) {
                return None;
            }
            Some(cinetpay_change(payout, &record, "check", at))
        }
        Provider::MoneyFusion => None,
    }
}

/// True unless the provider names another amount than ours.
fn same_amount(payout: &PayoutRecord, amount: Option<Money>) -> bool {
    amount.is_none_or(|m| m.minor() == payout.amount && m.currency() == payout.currency)
}

pub(super) fn cinetpay_change(
    payout: &PayoutRecord,
    record: &TransferRecord,
    step: &str,
    at: u64,
) -> PayoutChange {
    let status = record.status();
    let word = record.treatment_status.as_str().to_owned();
    let failure = (status == PaymentStatus::Failed).then(|| match &record.code {
        Some(code) if code.as_str() != "0" => {
            format!("CinetPay refused the transfer (code {})", code.as_str())
        }
        _ => format!("CinetPay reports the transfer {word}"),
    });
    PayoutChange {
        event_key: format!("{}:{}:{step}:{word}", Provider::CinetPay, payout.id),
        status,
        provider_ref: record.transaction_id.clone(),
        provider_status: word,
        failure,
        at,
    }
}

pub(super) async fn cinetpay_login(
    edge: &Edge<'_, impl Effects>,
    adapter: &Cinetpay,
) -> Result<TransferToken, ProviderError> {
    let now = edge.runtime.now();
    let login = adapter.login()?;
    gateway::call(
        edge.transport,
        edge.runtime,
        Provider::CinetPay,
        &login,
        Retry::READ,
        |response| adapter.read_login(response, now),
    )
    .await
}
