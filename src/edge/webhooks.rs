//! Provider notifications. Each is authenticated as its provider allows
//! (Moneroo's signature, CinetPay's `x-token`; MoneyFusion signs nothing), then never
//! believed on its own: a status call decides, and the ledger moves at most once per
//! event and never back from a final state, whatever the order and number of deliveries.
//!
//! Answers: 200 once recorded (or for a payment that is not ours, so the provider stops
//! retrying); 403 to a bad signature; 503 when the provider's status call failed, so that
//! the provider delivers again later.

use serde::Serialize;

use crate::domain::Provider;
use crate::http::{HttpResponse, Transport};
use crate::providers::cinetpay::Inbound;
use crate::providers::moneroo;
use crate::providers::moneyfusion::{self, Notification};

use super::context::{Edge, Incoming};
use super::ledger::{Applied, EventSource, Ledger, SessionRecord};
use super::reply;
use super::runtime::Runtime;
use super::sessions;

#[derive(Serialize)]
struct Received {
    received: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
}

pub(super) fn received(status: Option<&'static str>) -> HttpResponse {
    reply::json(
        200,
        &Received {
            received: true,
            status,
        },
    )
}

/// `POST /webhooks/:provider` (and CinetPay's `GET` ping).
pub async fn receive<L: Ledger, T: Transport, R: Runtime>(
    edge: &Edge<'_, L, T, R>,
    request: &Incoming,
    provider: Provider,
) -> HttpResponse {
    match provider {
        Provider::Moneroo => moneroo_event(edge, request).await,
        Provider::CinetPay => cinetpay_event(edge, request).await,
        Provider::MoneyFusion => moneyfusion_event(edge, request).await,
    }
}

async fn moneroo_event<L: Ledger, T: Transport, R: Runtime>(
    edge: &Edge<'_, L, T, R>,
    request: &Incoming,
) -> HttpResponse {
    let Some(keys) = edge.config.moneroo.as_ref() else {
        return not_configured(edge, Provider::Moneroo);
    };
    let signature = request.header(moneroo::SIGNATURE_HEADER);
    let event = match moneroo::read_webhook(keys, &request.body, signature) {
        Ok(event) => event,
        Err(error) => return reply::error(error.http_status(), error.code(), &error.to_string()),
    };
    if event.event.is_payout() {
        return super::payouts::moneroo_event(edge, &event).await;
    }
    if !event.event.is_payment() {
        // Unknown events are acknowledged and ignored.
        return received(None);
    }
    confirm(edge, Provider::Moneroo, event.id()).await
}

async fn cinetpay_event<L: Ledger, T: Transport, R: Runtime>(
    edge: &Edge<'_, L, T, R>,
    request: &Incoming,
) -> HttpResponse {
    let Some(adapter) = edge.config.cinetpay.as_ref() else {
        return not_configured(edge, Provider::CinetPay);
    };
    let as_request = request.as_http_request();
    match adapter.verify_notification(&as_request) {
        Ok(Inbound::Ping) => received(None),
        Ok(Inbound::Received(notification)) => {
            let transaction_id = notification.get("cpm_trans_id").unwrap_or_default();
            confirm(edge, Provider::CinetPay, transaction_id).await
        }
        Err(error) => {
            use crate::providers::cinetpay::NotificationError;
            let status = match error {
                NotificationError::MissingSignature | NotificationError::BadSignature => 403,
                NotificationError::BadParse(_) => 400,
            };
            reply::error(status, "bad_notification", &error.to_string())
        }
    }
}

async fn moneyfusion_event<L: Ledger, T: Transport, R: Runtime>(
    edge: &Edge<'_, L, T, R>,
    request: &Incoming,
) -> HttpResponse {
    let notification = match moneyfusion::webhook::parse(&request.body) {
        Ok(notification) => notification,
        Err(error) => return reply::error(400, "bad_notification", &error.to_string()),
    };
    match notification {
        Notification::Payin(event) => {
            let token = event.token().as_str().to_owned();
            // A repeated `pending`, or anything about a final payment, needs no status
            // call (notifications repeat); the provider just gets its 200.
            if let Ok(Some(session)) = edge
                .ledger
                .session_by_provider_ref(Provider::MoneyFusion, &token)
                .await
            {
                if !event.is_step_forward(session.status) {
                    return received(Some(session.status.as_str()));
                }
            }
            confirm(edge, Provider::MoneyFusion, &token).await
        }
        Notification::Payout(event) => super::payouts::moneyfusion_event(edge, &event).await,
        Notification::Unknown { .. } => received(None),
    }
}

/// The common end of every notification: find our session, ask the provider, apply once.
async fn confirm<L: Ledger, T: Transport, R: Runtime>(
    edge: &Edge<'_, L, T, R>,
    provider: Provider,
    provider_ref: &str,
) -> HttpResponse {
    let session: SessionRecord = match edge
        .ledger
        .session_by_provider_ref(provider, provider_ref)
        .await
    {
        Ok(Some(session)) => session,
        // Not one of ours (or another shop's on the same account): acknowledge, so the
        // provider stops, and change nothing.
        Ok(None) => return received(None),
        Err(error) => return reply::ledger_error(&error),
    };
    if session.status.is_final() {
        return received(Some(session.status.as_str()));
    }
    let Some(change) = sessions::verify(edge, &session, EventSource::Webhook).await else {
        let mut response = reply::error(
            503,
            "provider_unavailable",
            "the provider's status call failed; deliver again later",
        );
        response.headers.push(("retry-after".into(), "30".into()));
        return response;
    };
    match edge.ledger.apply(&session.id, &change).await {
        Ok(Applied::Refused(current)) => received(Some(current.as_str())),
        Ok(_) => received(Some(change.status.as_str())),
        Err(error) => reply::ledger_error(&error),
    }
}

/// `404 provider_not_configured` naming the settings that would turn the provider on.
pub(crate) fn not_configured<L, T, R>(
    edge: &Edge<'_, L, T, R>,
    provider: Provider,
) -> HttpResponse {
    let why = edge.config.unavailable(provider);
    reply::error(
        404,
        "provider_not_configured",
        &format!("{provider} is not configured ({})", why.en),
    )
}
