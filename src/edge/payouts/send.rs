//! Sending a payout: the provider's call prepared and checked before the key is claimed,
//! then sent once. A failure before the send sent nothing; a send whose answer is lost
//! leaves the payout pending, unconfirmed, never sent again.

use crate::domain::{Lang, Message, PaymentStatus, Provider, Violation, Violations};
use crate::providers::{PayoutOrder, PayoutStep, ProviderError};

use super::super::connector::{Connector, PreparedPayout, Unprepared};
use super::super::context::{Edge, Effects};
use super::super::ledger::{PayoutChange, PayoutRecord};
use super::super::reply::{self, Failure};
use super::super::runtime::Runtime;
use super::masking::{described, masked_recipient};
use super::request::Parsed;
use super::status::{change_from, exchange, Ended};

/// The provider is not set up for payouts: names the setting, never its value.
fn missing_setting(provider: Provider, setting: &str) -> Violations {
    Violation::new(
        "payouts_not_configured",
        "provider",
        Message::new(
            format!("Les transferts {provider} ne sont pas configurés : {setting} manque."),
            format!("{provider} payouts are not configured: {setting} is not set."),
        ),
    )
    .into()
}

/// The settings without which a provider is not configured at all.
fn configured_by(provider: Provider) -> &'static str {
    match provider {
        Provider::Moneroo => "MONEROO_SECRET_KEY",
        Provider::CinetPay => "CINETPAY_API_KEY, CINETPAY_SITE_ID or CINETPAY_SECRET_KEY",
        Provider::MoneyFusion => "MONEYFUSION_API_URL",
    }
}

/// Checks the payout against the provider's own rules (every violation, at the request's
/// paths) and prepares the call, before any key is claimed; gives the recipient as kept
/// (masked) too.
pub(super) fn prepare<'a>(
    edge: &Edge<'a, impl Effects>,
    parsed: &Parsed,
    id: &str,
    lang: Lang,
) -> Result<(PreparedPayout<'a>, String), Failure> {
    let config = edge.config;
    let provider = parsed.provider;
    let invalid = |violations: &Violations| Failure::from(reply::invalid(violations, lang));
    if provider == Provider::MoneyFusion && matches!(config.moneyfusion, Some(Err(_))) {
        return Err(reply::error(
            500,
            "not_configured",
            "a MONEYFUSION_* setting is malformed on this backend",
        )
        .into());
    }
    let Some(connector) = Connector::of(config, provider) else {
        return Err(invalid(&missing_setting(provider, configured_by(provider))));
    };
    let webhooks = config
        .public_url
        .as_deref()
        .map(|public_url| format!("{public_url}{}/webhooks/", config.base_path));
    let order = PayoutOrder {
        id: id.to_owned(),
        amount: parsed.amount,
        description: parsed.description.clone(),
        recipient: parsed.recipient.clone(),
        notify_url: None,
    };
    let prepared = connector
        .prepare_payout(order, webhooks.as_deref())
        .map_err(|unprepared| match unprepared {
            Unprepared::Setting(setting) => invalid(&missing_setting(provider, setting)),
            Unprepared::PublicUrl => reply::not_configured("GUICHET_PUBLIC_URL").into(),
            Unprepared::Invalid(violations) => invalid(&violations),
        })?;
    let masked = masked_recipient(&parsed.recipient, prepared.phone.as_ref());
    Ok((prepared, masked))
}

/// Sends the payout, once, and says what became of it: each answer goes back to the
/// adapter, which gives the next call (CinetPay: login, contact, then send). A failure
/// before the send sent nothing: the payout fails.
pub(super) async fn send_once(
    edge: &Edge<'_, impl Effects>,
    prepared: &PreparedPayout<'_>,
    payout: &PayoutRecord,
) -> PayoutChange {
    let at = edge.runtime.now();
    let key = format!("{}:{}:send", payout.provider, payout.id);
    let before_send = |step: PayoutStep, why: String| PayoutChange {
        event_key: key.clone(),
        status: PaymentStatus::Failed,
        provider_ref: None,
        provider_status: format!("{}: failed", step.as_str()),
        failure: Some(format!("nothing was sent: {why}")),
        at,
    };
    let ended = exchange(
        edge,
        payout.provider,
        prepared.first.clone(),
        &|call, response, now| prepared.read_created_payout(call, response, now),
    )
    .await;
    match ended {
        Ended::Said(Some(checked)) => change_from(&checked, key.clone(), at),
        Ended::Said(None) => unconfirmed(key.clone(), "empty answer", at),
        Ended::Refused(step, why) => before_send(step, why),
        Ended::Failed(PayoutStep::Send, error) => send_failed(key.clone(), &error, at),
        Ended::Failed(step, error) => before_send(step, described(&error)),
    }
}

/// After a failed send: a refusal (a 4xx, a provider's error code, a 429 retried in
/// vain) sent nothing and fails the payout; a timeout, a 5xx or an answer we could not
/// read may have sent it, so the payout stays pending, unconfirmed.
fn send_failed(event_key: String, error: &ProviderError, at: u64) -> PayoutChange {
    let unknown =
        error.http_status.is_none_or(|status| status >= 500) || error.code == "bad_response";
    if unknown {
        return unconfirmed(event_key, &error.code, at);
    }
    PayoutChange {
        event_key,
        status: PaymentStatus::Failed,
        provider_ref: None,
        provider_status: format!("refused: {}", error.code),
        failure: Some(described(error)),
        at,
    }
}

/// `event_key` is the send's (`provider:id:send`), written once by [`send_once`].
fn unconfirmed(event_key: String, why: &str, at: u64) -> PayoutChange {
    PayoutChange {
        event_key,
        status: PaymentStatus::Pending,
        provider_ref: None,
        provider_status: format!(
            "unconfirmed: {why}; the provider may have the payout, do not send it again"
        ),
        failure: None,
        at,
    }
}
