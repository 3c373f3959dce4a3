//! Sending a payout: the provider's call prepared and checked before the key is claimed,
//! then sent once. A failure before the send sent nothing; a send whose answer is lost
//! leaves the payout pending, unconfirmed, never sent again.

use crate::domain::{Message, PaymentStatus, Provider, Violation, Violations};
use crate::http::{HttpRequest, HttpResponse};
use crate::providers::cinetpay::{Cinetpay, CinetpayPayout};
use crate::providers::moneroo;
use crate::providers::moneyfusion::MoneyFusion;
use crate::providers::{PayoutOrder, ProviderError};

use super::super::context::{Edge, Effects};
use super::super::gateway::{self, Retry};
use super::super::ledger::{PayoutChange, PayoutRecord};
use super::super::reply;
use super::super::runtime::Runtime;
use super::masking::{described, masked_recipient};
use super::request::Parsed;
use super::status::{cinetpay_change, cinetpay_login};

/// The provider call, prepared and checked before the key is claimed.
pub(super) enum Send<'a> {
    Moneroo(HttpRequest),
    CinetPay(&'a Cinetpay, CinetpayPayout),
    MoneyFusion(&'a MoneyFusion, HttpRequest),
}

/// Why a payout is refused before anything is claimed or sent.
pub(super) enum Refusal {
    Invalid(Violations),
    Answer(HttpResponse),
}

impl From<Violations> for Refusal {
    fn from(violations: Violations) -> Refusal {
        Refusal::Invalid(violations)
    }
}

/// The provider is not set up for payouts: names the setting, never its value.
fn missing_setting(provider: Provider, setting: &str) -> Refusal {
    Refusal::Invalid(
        Violation::new(
            "payouts_not_configured",
            "provider",
            Message::new(
                format!("Les transferts {provider} ne sont pas configurés : {setting} manque."),
                format!("{provider} payouts are not configured: {setting} is not set."),
            ),
        )
        .into(),
    )
}

/// Checks the payout against the provider's own rules (every violation, at the request's
/// paths) and prepares the call, before any key is claimed; gives the recipient as kept
/// (masked) too.
pub(super) fn prepare<'a>(
    edge: &Edge<'a, impl Effects>,
    parsed: &Parsed,
    id: &str,
) -> Result<(Send<'a>, String), Refusal> {
    let config = edge.config;
    let notify_url = |leaf: &str| match config.public_url.as_deref() {
        Some(public_url) => Ok(Some(format!(
            "{public_url}{}/webhooks/{leaf}",
            config.base_path
        ))),
        None => Err(Refusal::Answer(reply::not_configured("GUICHET_PUBLIC_URL"))),
    };
    let order = |notify_url: Option<String>| PayoutOrder {
        id: id.to_owned(),
        amount: parsed.amount,
        description: parsed.description.clone(),
        recipient: parsed.recipient.clone(),
        notify_url,
    };
    let recipient = &parsed.recipient;
    match parsed.provider {
        Provider::Moneroo => {
            let Some(keys) = config.moneroo.as_ref() else {
                return Err(missing_setting(Provider::Moneroo, "MONEROO_SECRET_KEY"));
            };
            let (request, phone) = moneroo::prepare_payout(keys, &order(None))?;
            Ok((
                Send::Moneroo(request),
                masked_recipient(recipient, phone.as_ref()),
            ))
        }
        Provider::CinetPay => {
            let Some(adapter) = config.cinetpay.as_ref() else {
                return Err(missing_setting(
                    Provider::CinetPay,
                    "CINETPAY_API_KEY, CINETPAY_SITE_ID or CINETPAY_SECRET_KEY",
                ));
            };
            if adapter.login().is_err() {
                return Err(missing_setting(
                    Provider::CinetPay,
                    "CINETPAY_TRANSFER_PASSWORD",
                ));
            }
            let (payout, phone) =
                adapter.prepare_payout(&order(notify_url("cinetpay/transfers")?))?;
            let masked = masked_recipient(recipient, Some(&phone));
            Ok((Send::CinetPay(adapter, payout), masked))
        }
        Provider::MoneyFusion => {
            let adapter = match &config.moneyfusion {
                Some(Ok(adapter)) => adapter,
                Some(Err(_)) => {
                    return Err(Refusal::Answer(reply::error(
                        500,
                        "not_configured",
                        "a MONEYFUSION_* setting is malformed on this backend",
                    )))
                }
                None => {
                    return Err(missing_setting(
                        Provider::MoneyFusion,
                        "MONEYFUSION_API_URL",
                    ))
                }
            };
            let withdrawal = adapter.prepare_payout(&order(notify_url("moneyfusion")?))?;
            let Ok(request) = adapter.initialize_payout(&withdrawal) else {
                return Err(missing_setting(
                    Provider::MoneyFusion,
                    "MONEYFUSION_PRIVATE_KEY",
                ));
            };
            let masked = masked_recipient(recipient, Some(withdrawal.phone()));
            Ok((Send::MoneyFusion(adapter, request), masked))
        }
    }
}

/// Sends the payout, once, and says what became of it.
pub(super) async fn send_once(
    edge: &Edge<'_, impl Effects>,
    send: &Send<'_>,
    payout: &PayoutRecord,
) -> PayoutChange {
    let at = edge.runtime.now();
    let sent = |provider_ref: String, word: &str| PayoutChange {
        event_key: format!("{}:{}:send", payout.provider, payout.id),
        status: PaymentStatus::Pending,
        provider_ref: Some(provider_ref),
        provider_status: word.to_owned(),
        failure: None,
        at,
    };
    match send {
        Send::Moneroo(request) => gateway::call(
            edge.transport,
            edge.runtime,
            Provider::Moneroo,
            request,
            Retry::CREATE,
            moneroo::read_created_payout,
        )
        .await
        .map_or_else(
            |error| send_failed(payout, &error, at),
            |created| sent(created.provider_ref, "initiated"),
        ),
        Send::MoneyFusion(adapter, request) => gateway::call(
            edge.transport,
            edge.runtime,
            Provider::MoneyFusion,
            request,
            Retry::CREATE,
            |response| adapter.read_created_payout(response),
        )
        .await
        .map_or_else(
            |error| send_failed(payout, &error, at),
            |submitted| sent(submitted.provider_ref, "submitted"),
        ),
        Send::CinetPay(adapter, prepared) => send_cinetpay(edge, adapter, prepared, payout).await,
    }
}

/// CinetPay: log in, make the receiver a contact, then send. A failure before the send
/// sent nothing: the payout fails.
async fn send_cinetpay(
    edge: &Edge<'_, impl Effects>,
    adapter: &Cinetpay,
    prepared: &CinetpayPayout,
    payout: &PayoutRecord,
) -> PayoutChange {
    let at = edge.runtime.now();
    let before_send = |step: &str, why: String| PayoutChange {
        event_key: format!("{}:{}:send", payout.provider, payout.id),
        status: PaymentStatus::Failed,
        provider_ref: None,
        provider_status: format!("{step}: failed"),
        failure: Some(format!("nothing was sent: {why}")),
        at,
    };
    let token = match cinetpay_login(edge, adapter).await {
        Ok(token) => token,
        Err(error) => return before_send("login", described(&error)),
    };
    let Ok(add) = adapter.add_contacts(&token, core::slice::from_ref(&prepared.contact)) else {
        return before_send("contact", "the contact was refused".to_owned());
    };
    let added = gateway::call(
        edge.transport,
        edge.runtime,
        Provider::CinetPay,
        &add,
        Retry::READ,
        |response| adapter.read_contacts(response),
    )
    .await;
    match added {
        Ok(outcomes) if outcomes.first().is_some_and(|o| o.is_registered()) => {}
        Ok(outcomes) => {
            let code = outcomes
                .first()
                .map_or("none", |o| o.code.as_str())
                .to_owned();
            return before_send(
                "contact",
                format!("CinetPay refused the contact (code {code})"),
            );
        }
        Err(error) => return before_send("contact", described(&error)),
    }
    let Ok(request) = adapter.send_transfer(&token, core::slice::from_ref(&prepared.transfer))
    else {
        return before_send("send", "the transfer was refused".to_owned());
    };
    let sent = gateway::call(
        edge.transport,
        edge.runtime,
        Provider::CinetPay,
        &request,
        Retry::CREATE,
        |response| adapter.read_sent_transfers(response),
    )
    .await;
    match sent {
        Ok(records) => {
            let ours = records
                .iter()
                .find(|r| r.client_transaction_id.as_deref() == Some(payout.id.as_str()))
                .or(records.first());
            match ours {
                Some(record) => {
                    let mut change = cinetpay_change(payout, record, "send", at);
                    change.event_key = format!("{}:{}:send", payout.provider, payout.id);
                    change
                }
                None => unconfirmed(payout, "empty answer", at),
            }
        }
        Err(error) => send_failed(payout, &error, at),
    }
}

/// After a failed send: a refusal (a 4xx, a provider's error code, a 429 retried in
/// vain) sent nothing and fails the payout; a timeout, a 5xx or an answer we could not
/// read may have sent it, so the payout stays pending, unconfirmed.
fn send_failed(payout: &PayoutRecord, error: &ProviderError, at: u64) -> PayoutChange {
    let unknown =
        error.http_status.is_none_or(|status| status >= 500) || error.code == "bad_response";
    if unknown {
        return unconfirmed(payout, &error.code, at);
    }
    PayoutChange {
        event_key: format!("{}:{}:send", payout.provider, payout.id),
        status: PaymentStatus::Failed,
        provider_ref: None,
        provider_status: format!("refused: {}", error.code),
        failure: Some(described(error)),
        at,
    }
}

fn unconfirmed(payout: &PayoutRecord, why: &str, at: u64) -> PayoutChange {
    PayoutChange {
        event_key: format!("{}:{}:send", payout.provider, payout.id),
        status: PaymentStatus::Pending,
        provider_ref: None,
        provider_status: format!(
            "unconfirmed: {why}; the provider may have the payout, do not send it again"
        ),
        failure: None,
        at,
    }
}
