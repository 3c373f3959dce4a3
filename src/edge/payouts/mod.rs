//! Payouts: `POST /payouts` sends money through a provider's payout API at most once per
//! `Idempotency-Key`, `GET /payouts/:id` tells where it stands, and the providers' payout
//! notifications move it on.
//!
//! Sending money cannot be undone, so the rules are strict:
//!
//! - the key is claimed in the ledger *before* the provider is called, so a second request
//!   with the same key (even while the first is still in flight) never sends again;
//! - the send is [`Retry::CREATE`](super::gateway::Retry::CREATE): tried again only after a 429, never after a timeout or
//!   a 5xx, which leave the payout `pending` and "unconfirmed" until the provider tells;
//! - `failed` means no money left (a refusal, or a failure before the send); only then may
//!   the merchant send again, with a new key;
//! - notifications are never believed alone: Moneroo's are signed, then confirmed by a status
//!   call, CinetPay's are checked by `client_transaction_id`; MoneyFusion has no payout
//!   status call, so its (unsigned) webhook counts only for the `tokenPay` it gave us.
//!
//! No full phone number, secret or token goes into an answer: the stored recipient has
//! its phone masked (`+225 07 •• •• •• 04`), and provider messages lose long digit runs.

mod masking;
mod request;
mod send;
mod status;

pub(crate) use status::check_status;

use serde_json::Value;

use crate::domain::{Lang, PaymentStatus, Provider};

use super::context::{Edge, Effects, Incoming};
use super::events;
use super::ledger::{Ledger, PayoutChange, PayoutClaim, PayoutRecord};
use super::reply::{self, Json, Reply};
use super::runtime::{new_id, rfc3339, Runtime};
use request::{digest, is_idempotency_key, parse};
use send::{prepare, send_once};

/// MoneyFusion cannot be asked: the answer says so while its webhook has not come.
const MONEYFUSION_NO_STATUS: &str =
    "no status call: MoneyFusion has no payout status endpoint, its payout.session webhook settles this payout";

/// A payout as `GET /payouts/:id` shows it.
pub(in crate::edge) fn view(payout: &PayoutRecord) -> Json {
    write(payout, false)
}

/// A payout as its events carry it (`data`): the fields of [`view`] in key order, and
/// `"object": "payout"`.
pub(in crate::edge) fn event_data(payout: &PayoutRecord) -> Vec<u8> {
    write(payout, true).done()
}

fn write(payout: &PayoutRecord, sorted: bool) -> Json {
    let provider_status = if payout.provider == Provider::MoneyFusion && !payout.status.is_final() {
        Some(MONEYFUSION_NO_STATUS)
    } else {
        payout.provider_status.as_deref()
    };
    let recipient =
        crate::http::parse_json(payout.recipient_json.as_bytes()).unwrap_or(Value::Null);
    let (created_at, updated_at) = (rfc3339(payout.created_at), rfc3339(payout.updated_at));
    let mut json = Json::object();
    if sorted {
        json.num("amount", payout.amount)
            .str("created_at", &created_at)
            .str("currency", payout.currency.code())
            .opt_str("failure", payout.failure.as_deref())
            .str("id", &payout.id)
            .str("idempotency_key", &payout.idempotency_key)
            .str("object", "payout")
            .str("provider", payout.provider.as_str())
            .opt_str("provider_ref", payout.provider_ref.as_deref())
            .opt_str("provider_status", provider_status)
            .value("recipient", &recipient)
            .str("status", payout.status.as_str())
            .str("updated_at", &updated_at);
    } else {
        json.str("id", &payout.id)
            .str("idempotency_key", &payout.idempotency_key)
            .str("provider", payout.provider.as_str())
            .num("amount", payout.amount)
            .str("currency", payout.currency.code())
            .str("status", payout.status.as_str())
            .value("recipient", &recipient)
            .opt_str("provider_ref", payout.provider_ref.as_deref())
            .opt_str("provider_status", provider_status)
            .opt_str("failure", payout.failure.as_deref())
            .str("created_at", &created_at)
            .str("updated_at", &updated_at);
    }
    json
}

/// `POST /payouts` (the router checked the admin key).
pub async fn create(edge: &Edge<'_, impl Effects>, request: &Incoming) -> Reply {
    let Some(key) = request.header("idempotency-key").map(str::trim) else {
        return Err(reply::error(
            400,
            "missing_idempotency_key",
            "a payout needs an Idempotency-Key header",
        )
        .into());
    };
    if !is_idempotency_key(key) {
        return Err(reply::error(
            400,
            "invalid_idempotency_key",
            "the Idempotency-Key must be 1 to 255 visible ASCII characters",
        )
        .into());
    }
    let Ok(body) = crate::http::parse_json(&request.body) else {
        return Err(reply::error(400, "invalid_json", "the body is not JSON").into());
    };
    let Some(fields) = body.as_object() else {
        return Err(reply::error(400, "invalid_json", "the body is not a JSON object").into());
    };
    let lang = fields
        .get("lang")
        .and_then(Value::as_str)
        .map_or(Lang::En, Lang::from_tag);
    let parsed = match parse(fields) {
        Ok(parsed) => parsed,
        Err(violations) => return Err(reply::invalid(&violations, lang).into()),
    };
    let id = new_id("po");
    let (send, recipient_json) = prepare(edge, &parsed, &id, lang)?;
    let now = edge.runtime.now();
    let payout = PayoutRecord {
        id: id.clone(),
        idempotency_key: key.to_owned(),
        request_digest: digest(fields),
        provider: parsed.provider,
        amount: parsed.amount.minor(),
        currency: parsed.amount.currency(),
        recipient_json,
        status: PaymentStatus::Pending,
        provider_ref: None,
        provider_status: None,
        failure: None,
        created_at: now,
        updated_at: now,
    };
    match edge.ledger.claim_payout(&payout).await? {
        PayoutClaim::Claimed => {}
        PayoutClaim::Existing(existing) if existing.request_digest == payout.request_digest => {
            // A retry: the stored payout, whatever became of its send. Never a second one.
            return Ok(view(&existing).answer(200));
        }
        PayoutClaim::Existing(_) => {
            return Err(reply::error(
                409,
                "idempotency_conflict",
                "this Idempotency-Key was used for another payout",
            )
            .into())
        }
    }
    let change = send_once(edge, &send, &payout).await;
    let sent = match events::apply_payout(edge, &payout, &change).await {
        Ok(_) => match edge.ledger.payout(&payout.id).await {
            Ok(Some(stored)) => stored,
            Ok(None) | Err(_) => with_change(payout, &change),
        },
        // The send happened (or not) whatever the ledger says: tell the merchant what we
        // know; a retry with the same key gives the stored (pending) payout.
        Err(_) => with_change(payout, &change),
    };
    Ok(view(&sent).answer(201))
}

/// `GET /payouts/:id` (the router checked the admin key): asks the provider while the
/// payout is not final, and records the answer.
pub async fn show(edge: &Edge<'_, impl Effects>, id: &str) -> Reply {
    let Some(payout) = edge.ledger.payout(id).await? else {
        return Err(reply::error(404, "not_found", "no such payout").into());
    };
    if payout.status.is_final() {
        return Ok(view(&payout).answer(200));
    }
    if let Some(change) = check_status(edge, &payout).await {
        events::apply_payout(edge, &payout, &change).await?;
    }
    let current = edge.ledger.payout(id).await?;
    Ok(view(current.as_ref().unwrap_or(&payout)).answer(200))
}

fn with_change(payout: PayoutRecord, change: &PayoutChange) -> PayoutRecord {
    PayoutRecord {
        status: change.status,
        provider_ref: change.provider_ref.clone().or(payout.provider_ref.clone()),
        provider_status: Some(change.provider_status.clone()),
        failure: change.failure.clone().or(payout.failure.clone()),
        updated_at: change.at,
        ..payout
    }
}
