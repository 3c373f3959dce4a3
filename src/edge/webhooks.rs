//! The one intake of provider notifications, payments and payouts alike.
//!
//! 1. The provider's adapter authenticates the message as the provider allows (Moneroo's
//!    signature, CinetPay's `x-token`; MoneyFusion signs nothing, so only a token we gave
//!    counts) and reads it into one [`Notice`]: payment or payout, the provider's
//!    reference, our id when it carries one, and what it claims.
//! 2. The notice is written to the ledger (a recheck mark) before anything that can fail.
//! 3. One confirm path ([`confirm`]) finds our record, asks the provider's status call (a
//!    notification is never believed alone), and applies the answer at most once, with
//!    the merchant's event when the status becomes final.
//! 4. The mark is cleared once settled. When the status call fails, the mark stays for
//!    the sweep, and the provider still gets a 2xx (`202`): CinetPay and MoneyFusion never
//!    send a notification again, so an error answer would lose nothing but our time, and
//!    Moneroo's retries are not needed any more.
//!
//! Answers: 200 once recorded (or for something not ours, so the provider stops), 202 when
//! the sweep will finish the work, 403 to a bad signature, 400 to a body we cannot read,
//! 503 only when the ledger could not even record the notice.

use crate::domain::{PaymentStatus, Provider};
use crate::http::HttpResponse;
use crate::providers::cinetpay::{read_transfer_notification, Inbound};
use crate::providers::moneroo;
use crate::providers::moneyfusion::{self, Notification};

use super::connector::{ask, Connector};
use super::context::{Edge, Effects, Incoming};
use super::events::{self, Subject};
use super::gateway::Retry;
use super::ledger::{
    Applied, EventSource, Ledger, LedgerError, PayoutChange, PayoutRecord, Recheck, SessionRecord,
};
use super::payouts;
use super::reply::{self, Reply};
use super::runtime::Runtime;
use super::sessions;

/// Seconds after which a session without a provider payment counts as orphaned: longer
/// than `POST /sessions` can take to record it (three tries of 10 s at most).
const ORPHAN_AFTER: u64 = 60;

/// An authenticated notification, whatever provider sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Payment or payout.
    pub subject: Subject,
    /// Who sent it.
    pub provider: Provider,
    /// The provider's id of the payment or payout (empty when it gave none).
    pub provider_ref: String,
    /// Our id, when the notification carries one (a CinetPay transfer's
    /// `client_transaction_id`, the payout id in a Moneroo payout's metadata).
    pub our_id: Option<String>,
    /// What it claims, when it says (used only to skip a status call that cannot move
    /// anything, and for MoneyFusion payouts, which have no status call).
    pub claimed: Option<PaymentStatus>,
}

impl Notice {
    fn recheck(&self, at: u64) -> Recheck {
        Recheck {
            subject: self.subject,
            provider: self.provider,
            provider_ref: self.provider_ref.clone(),
            our_id: self.our_id.clone(),
            attempts: 0,
            due_at: at,
        }
    }
}

/// What the confirm path came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    /// The record's status after the notice (final or still pending).
    Status(PaymentStatus),
    /// Not one of ours: acknowledged, nothing changed.
    NotOurs,
    /// The provider could not be asked: try again later.
    Unanswered,
    /// The ledger failed: try again later.
    Ledger(LedgerError),
}

/// `{"received": true, "status"?, "recheck"?}`: `recheck` when the sweep will finish
/// the work (a `202`).
pub(super) fn acknowledged(status: Option<&'static str>, recheck: bool) -> HttpResponse {
    let mut json = reply::Json::object();
    json.bool("received", true).opt_str("status", status);
    if recheck {
        json.bool("recheck", true);
    }
    json.answer(if recheck { 202 } else { 200 })
}

pub(super) fn received(status: Option<&'static str>) -> HttpResponse {
    acknowledged(status, false)
}

/// `POST /webhooks/:provider`, `/webhooks/cinetpay/transfers` (and CinetPay's `GET`
/// pings). `transfers` is true on CinetPay's transfer path.
pub async fn receive(
    edge: &Edge<'_, impl Effects>,
    request: &Incoming,
    provider: Provider,
    transfers: bool,
) -> Reply {
    let Some(notice) = read(edge, request, provider, transfers)? else {
        return Ok(received(None));
    };
    if let Some(answer) = nothing_to_do(edge, &notice).await {
        return Ok(answer);
    }
    let now = edge.runtime.now();
    // The durable record, before anything that can fail.
    edge.ledger.note_recheck(&notice.recheck(now)).await?;
    let status = match confirm(edge, &notice, EventSource::Webhook).await {
        Confirmed::Status(status) => Some(status.as_str()),
        Confirmed::NotOurs => None,
        Confirmed::Unanswered | Confirmed::Ledger(_) => {
            return Ok(acknowledged(Some(PaymentStatus::Pending.as_str()), true))
        }
    };
    // Settled, or not ours: the mark goes. One left behind is cleared by the sweep, which
    // finds the record final.
    let _ = edge.ledger.clear_recheck(&notice.recheck(now)).await;
    Ok(received(status))
}

/// Authenticates and reads a notification. `Ok(None)` for a ping or an event we do not
/// act on; `Err` is the refusal to send.
fn read(
    edge: &Edge<'_, impl Effects>,
    request: &Incoming,
    provider: Provider,
    transfers: bool,
) -> Result<Option<Notice>, HttpResponse> {
    let notice = |subject, provider_ref: &str, our_id: Option<String>, claimed| Notice {
        subject,
        provider,
        provider_ref: provider_ref.trim().to_owned(),
        our_id: our_id.filter(|id| !id.trim().is_empty()),
        claimed,
    };
    match provider {
        Provider::Moneroo => {
            let Some(keys) = edge.config.moneroo.as_ref() else {
                return Err(not_configured(edge, Provider::Moneroo));
            };
            let signature = request.header(moneroo::SIGNATURE_HEADER);
            let event = moneroo::read_webhook(keys, &request.body, signature)
                .map_err(|error| refusal(error.http_status(), error.code(), &error))?;
            if event.event.is_payout() {
                let ours = event
                    .data
                    .metadata
                    .as_ref()
                    .and_then(|m| m.get(moneroo::PAYOUT_ID_KEY))
                    .map(str::to_owned);
                return Ok(Some(notice(Subject::Payout, event.id(), ours, None)));
            }
            // `payment.initiated` claims nothing a status call could settle.
            let claimed = match event.event {
                moneroo::MonerooEvent::PaymentInitiated => Some(PaymentStatus::Pending),
                _ => None,
            };
            Ok(event
                .event
                .is_payment()
                .then(|| notice(Subject::Payment, event.id(), None, claimed)))
        }
        Provider::CinetPay if transfers => {
            if edge.config.cinetpay.is_none() {
                return Err(not_configured(edge, Provider::CinetPay));
            }
            match read_transfer_notification(&request.as_http_request()) {
                Ok(Inbound::Ping) => Ok(None),
                Ok(Inbound::Received(n)) => Ok(Some(notice(
                    Subject::Payout,
                    &n.transaction_id,
                    Some(n.client_transaction_id.trim().to_owned()),
                    None,
                ))),
                Err(error) => Err(refusal(400, "bad_notification", &error)),
            }
        }
        Provider::CinetPay => {
            let Some(adapter) = edge.config.cinetpay.as_ref() else {
                return Err(not_configured(edge, Provider::CinetPay));
            };
            use crate::providers::cinetpay::NotificationError;
            match adapter.verify_notification(&request.as_http_request()) {
                Ok(Inbound::Ping) => Ok(None),
                Ok(Inbound::Received(n)) => {
                    let id = n.get("cpm_trans_id").unwrap_or_default();
                    Ok(Some(notice(Subject::Payment, id, None, None)))
                }
                Err(error) => {
                    let status = match error {
                        NotificationError::MissingSignature | NotificationError::BadSignature => {
                            403
                        }
                        NotificationError::BadParse(_) => 400,
                    };
                    Err(refusal(status, "bad_notification", &error))
                }
            }
        }
        Provider::MoneyFusion => {
            let parsed = moneyfusion::webhook::parse(&request.body)
                .map_err(|error| refusal(400, "bad_notification", &error))?;
            match parsed {
                Notification::Payin(event) => Ok(Some(notice(
                    Subject::Payment,
                    event.token().as_str(),
                    None,
                    Some(event.event().claimed_status()),
                ))),
                Notification::Payout(event) => {
                    let Some(token) = event.token() else {
                        return Ok(None);
                    };
                    let claimed = event.outcome_for(token);
                    Ok(Some(notice(Subject::Payout, token, None, claimed)))
                }
                Notification::Unknown { .. } => Ok(None),
            }
        }
    }
}

/// A refusal in the error's own words: one `to_string` (through `dyn Display`) for the
/// four providers' error types.
fn refusal(status: u16, code: &str, error: &dyn core::fmt::Display) -> HttpResponse {
    reply::error(status, code, &error.to_string())
}

/// A MoneyFusion claim that cannot move the record (a repeated `pending`,
/// anything about a final payment) needs no status call and no record.
async fn nothing_to_do(edge: &Edge<'_, impl Effects>, notice: &Notice) -> Option<HttpResponse> {
    if notice.provider != Provider::MoneyFusion || notice.subject != Subject::Payment {
        return None;
    }
    let claimed = notice.claimed?;
    let session = edge
        .ledger
        .session_by_provider_ref(Provider::MoneyFusion, &notice.provider_ref)
        .await
        .ok()??;
    let forward = !session.status.is_final()
        && claimed != PaymentStatus::Pending
        && session.status == PaymentStatus::Pending;
    (!forward).then(|| received(Some(session.status.as_str())))
}

/// The one confirm path, for a notification now or for the sweep later: find our record,
/// ask the provider, apply once.
pub async fn confirm(
    edge: &Edge<'_, impl Effects>,
    notice: &Notice,
    source: EventSource,
) -> Confirmed {
    match notice.subject {
        Subject::Payment => confirm_payment(edge, notice, source).await,
        Subject::Payout => confirm_payout(edge, notice).await,
    }
}

async fn confirm_payment(
    edge: &Edge<'_, impl Effects>,
    notice: &Notice,
    source: EventSource,
) -> Confirmed {
    let found = edge
        .ledger
        .session_by_provider_ref(notice.provider, &notice.provider_ref)
        .await;
    let session = match found {
        Ok(Some(session)) => session,
        // A pending claim about a payment we do not know moves nothing: `POST /sessions`
        // is still recording it, or it is not ours.
        Ok(None) if notice.claimed == Some(PaymentStatus::Pending) => return Confirmed::NotOurs,
        Ok(None) => match orphan(edge, notice).await {
            Ok(Some(session)) => session,
            Ok(None) => return Confirmed::NotOurs,
            Err(settled) => return settled,
        },
        Err(error) => return Confirmed::Ledger(error),
    };
    if session.status.is_final() {
        return Confirmed::Status(session.status);
    }
    let Some(change) = sessions::check_status(edge, &session, source).await else {
        return Confirmed::Unanswered;
    };
    match events::apply_session(edge, &session, &change).await {
        Ok(Applied::Refused(current)) => Confirmed::Status(current),
        Ok(_) => Confirmed::Status(change.status),
        Err(error) => Confirmed::Ledger(error),
    }
}

/// A provider payment the ledger never recorded (the ledger failed after the provider
/// answered the initialization): the status call names our reference, and the payment is
/// attached to that session, which is then settled as any other.
async fn orphan(
    edge: &Edge<'_, impl Effects>,
    notice: &Notice,
) -> Result<Option<SessionRecord>, Confirmed> {
    let Some(connector) = Connector::of(edge.config, notice.provider) else {
        return Ok(None);
    };
    let Some(request) = connector.check_payment(&notice.provider_ref) else {
        return Ok(None);
    };
    let checked = ask(
        edge,
        notice.provider,
        &request,
        Retry::NOTIFIED,
        |response| connector.read_payment_check(&notice.provider_ref, response),
    )
    .await
    .map_err(|_| Confirmed::Unanswered)?;
    let Some(reference) = checked
        .reference
        .filter(|_| checked.provider_ref == notice.provider_ref)
    else {
        return Ok(None);
    };
    let session = match edge.ledger.session(&reference).await {
        Ok(Some(session))
            if session.provider == notice.provider && session.provider_ref.is_none() =>
        {
            session
        }
        Ok(_) => return Ok(None),
        Err(error) => return Err(Confirmed::Ledger(error)),
    };
    let now = edge.runtime.now();
    if now < session.created_at + ORPHAN_AFTER {
        // `POST /sessions` may still be recording this payment (Moneroo notifies
        // `payment.initiated` before its answer arrives): the sweep looks again later.
        return Err(Confirmed::Unanswered);
    }
    if let Err(error) = edge
        .ledger
        .attach_payment(&session.id, &notice.provider_ref, "", now)
        .await
    {
        return Err(Confirmed::Ledger(error));
    }
    match edge.ledger.session(&session.id).await {
        Ok(found) => Ok(found.filter(|s| s.provider_ref.as_deref() == Some(&notice.provider_ref))),
        Err(error) => Err(Confirmed::Ledger(error)),
    }
}

async fn confirm_payout(edge: &Edge<'_, impl Effects>, notice: &Notice) -> Confirmed {
    let payout = match find_payout(edge, notice).await {
        Ok(Some(payout)) => payout,
        Ok(None) => return Confirmed::NotOurs,
        Err(error) => return Confirmed::Ledger(error),
    };
    if payout.status.is_final() {
        return Confirmed::Status(payout.status);
    }
    let change = match notice.provider {
        // No payout status call: the event counts for the tokenPay we were given, and
        // only as a step forward.
        Provider::MoneyFusion => match notice.claimed {
            Some(status) if status.is_final() => moneyfusion_payout_change(edge, notice, status),
            _ => return Confirmed::Status(payout.status),
        },
        Provider::Moneroo | Provider::CinetPay => {
            match payouts::check_status(edge, &payout).await {
                Some(change) => change,
                None => return Confirmed::Unanswered,
            }
        }
    };
    match events::apply_payout(edge, &payout, &change).await {
        Ok(Applied::Refused(current)) => Confirmed::Status(current),
        Ok(_) => Confirmed::Status(change.status),
        Err(error) => Confirmed::Ledger(error),
    }
}

fn moneyfusion_payout_change(
    edge: &Edge<'_, impl Effects>,
    notice: &Notice,
    status: PaymentStatus,
) -> PayoutChange {
    let word = if status == PaymentStatus::Succeeded {
        "payout.session.completed"
    } else {
        "payout.session.cancelled"
    };
    PayoutChange {
        event_key: format!("{}:{}:{word}", Provider::MoneyFusion, notice.provider_ref),
        status,
        provider_ref: None,
        provider_status: word.to_owned(),
        failure: (status == PaymentStatus::Failed)
            .then(|| "MoneyFusion reported the withdrawal cancelled".to_owned()),
        at: edge.runtime.now(),
    }
}

/// Our payout for a notice: by the provider's id, else by our id when the payout has no
/// provider id yet (its send answer was lost) or is the same.
async fn find_payout(
    edge: &Edge<'_, impl Effects>,
    notice: &Notice,
) -> Result<Option<PayoutRecord>, LedgerError> {
    if let Some(ours) = notice.our_id.as_deref() {
        if let Some(payout) = edge.ledger.payout(ours).await? {
            let same = payout
                .provider_ref
                .as_deref()
                .is_none_or(|r| notice.provider_ref.is_empty() || r == notice.provider_ref);
            if payout.provider == notice.provider && same {
                let provider_ref = payout
                    .provider_ref
                    .clone()
                    .or_else(|| Some(notice.provider_ref.clone()).filter(|r| !r.is_empty()));
                return Ok(Some(PayoutRecord {
                    provider_ref,
                    ..payout
                }));
            }
        }
    }
    if notice.provider_ref.is_empty() {
        return Ok(None);
    }
    edge.ledger
        .payout_by_provider_ref(notice.provider, &notice.provider_ref)
        .await
}

/// `404 provider_not_configured` naming the settings that would turn the provider on.
pub(crate) fn not_configured(edge: &Edge<'_, impl Effects>, provider: Provider) -> HttpResponse {
    let why = edge.config.unavailable(provider);
    reply::error(
        404,
        "provider_not_configured",
        &format!("{provider} is not configured ({})", why.en),
    )
}
