//! The control API under `/_sandbox`: what the sandbox is (`info`), the ground truth
//! (`payments`, `payouts`, `notifications`), driving outcomes without a browser
//! (`.../complete`), faults, settings and reset. JSON in and out; errors as
//! `{"error": {"code", "message"}}`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::domain::Provider;

use super::faults::FaultSpec;
use super::lifecycle::{
    payment_status_word, payout_status_word, settle_payout, shopper_settles, Attempt,
};
use super::state::{Settings, SharedState};
use super::store::{truth, Outcome, TransitionError};
use super::support::lock;
use super::{cinetpay, moneroo, Endpoints};

/// The control routes.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/_sandbox", get(info))
        .route("/_sandbox/info", get(info))
        .route("/_sandbox/payments", get(payments))
        .route("/_sandbox/payments/{provider}/{id}", get(payment))
        .route(
            "/_sandbox/payments/{provider}/{id}/complete",
            post(complete_payment),
        )
        .route("/_sandbox/payouts", get(payouts))
        .route("/_sandbox/payouts/{provider}/{id}", get(payout))
        .route(
            "/_sandbox/payouts/{provider}/{id}/complete",
            post(complete_payout),
        )
        .route("/_sandbox/notifications", get(notifications))
        .route(
            "/_sandbox/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_sandbox/faults/{id}", delete(remove_fault))
        .route("/_sandbox/settings", get(settings).patch(change_settings))
        .route("/_sandbox/reset", post(reset))
}

/// A handler's answer: `Err` is the control API's error, sent as it is, so `?` ends a
/// handler at the first refusal.
type Answer = Result<Response, Response>;

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

fn bad_request(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "bad_request", message)
}

/// A JSON body, or the 400 that says why not.
fn read_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|why| bad_request(&why.to_string()))
}

fn provider_of(name: &str) -> Result<Provider, Response> {
    Provider::parse(name).ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            "unknown_provider",
            "provider is moneroo, cinetpay or moneyfusion",
        )
    })
}

fn provider_filter(query: &HashMap<String, String>) -> Result<Option<Provider>, Response> {
    query
        .get("provider")
        .map(|name| provider_of(name))
        .transpose()
}

async fn info(State(shared): State<SharedState>) -> Response {
    let endpoints = Endpoints::new(&shared.base_url, &shared.credentials);
    let creds: serde_json::Map<String, Value> = shared
        .credentials
        .describe()
        .into_iter()
        .map(|(name, value)| (name.replace(' ', "_"), json!(value)))
        .collect();
    Json(json!({
        "base_url": shared.base_url,
        "seed": shared.seed,
        "moneroo": {"base_url": endpoints.moneroo},
        "cinetpay": {"base_url": endpoints.cinetpay, "transfer_base_url": endpoints.cinetpay_transfer},
        "moneyfusion": {"base_url": endpoints.moneyfusion, "api_url": endpoints.moneyfusion_api_url_shown(&shared.credentials)},
        "credentials": creds,
        "settings": shared.settings(),
    }))
    .into_response()
}

async fn payments(
    State(shared): State<SharedState>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let provider = provider_filter(&query)?;
    let store = lock(&shared.store);
    let list: Vec<Value> = store
        .payments(provider)
        .into_iter()
        .map(|record| truth(record, payment_status_word(record)))
        .collect();
    Ok(Json(json!({"payments": list})).into_response())
}

async fn payment(
    State(shared): State<SharedState>,
    Path((provider, id)): Path<(String, String)>,
) -> Answer {
    let provider = provider_of(&provider)?;
    let store = lock(&shared.store);
    let record = store
        .payment_by_any(provider, &id)
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "not_found", "no such payment"))?;
    Ok(Json(truth(record, payment_status_word(record))).into_response())
}

/// `{outcome, method?, phone?}`.
#[derive(Debug, Deserialize)]
struct CompleteBody {
    outcome: Outcome,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

fn refused(why: TransitionError) -> Response {
    match why {
        TransitionError::NotFound => error(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such payment or payout",
        ),
        TransitionError::Final(_) => error(
            StatusCode::CONFLICT,
            "final",
            "it is final already: a final status never changes",
        ),
    }
}

async fn complete_payment(
    State(shared): State<SharedState>,
    Path((provider, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Answer {
    let provider = provider_of(&provider)?;
    let body: CompleteBody = read_body(&body)?;
    let record = lock(&shared.store).payment_by_any(provider, &id).cloned();
    let record = record.ok_or_else(|| refused(TransitionError::NotFound))?;
    let attempt = if body.outcome == Outcome::Cancelled {
        Attempt::default()
    } else {
        // As if the shopper had picked the first method and typed their phone.
        let method = body.method.or(record.method.clone()).or_else(|| {
            let choices = match provider {
                Provider::Moneroo => moneroo::page_methods(&record),
                Provider::CinetPay => cinetpay::page_methods(&record),
                Provider::MoneyFusion => super::moneyfusion::page_methods(),
            };
            choices.first().map(|m| m.code.clone())
        });
        let phone = body
            .phone
            .or(record.payer_phone.clone())
            .or(record.customer.phone.clone());
        Attempt { method, phone }
    };
    let record =
        shopper_settles(&shared, provider, &record.id, body.outcome, attempt).map_err(refused)?;
    Ok(Json(truth(&record, payment_status_word(&record))).into_response())
}

async fn payouts(
    State(shared): State<SharedState>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let provider = provider_filter(&query)?;
    let store = lock(&shared.store);
    let list: Vec<Value> = store
        .payouts(provider)
        .into_iter()
        .map(|record| truth(record, payout_status_word(record)))
        .collect();
    Ok(Json(json!({"payouts": list})).into_response())
}

/// A payout by its id or, for CinetPay, by `client_transaction_id`.
fn find_payout(
    shared: &SharedState,
    provider: Provider,
    id: &str,
) -> Option<super::store::PayoutRecord> {
    let store = lock(&shared.store);
    store
        .payout(provider, id)
        .or_else(|| store.payout_by_reference(provider, id))
        .cloned()
}

async fn payout(
    State(shared): State<SharedState>,
    Path((provider, id)): Path<(String, String)>,
) -> Answer {
    let provider = provider_of(&provider)?;
    let record = find_payout(&shared, provider, &id)
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "not_found", "no such payout"))?;
    Ok(Json(truth(&record, payout_status_word(&record))).into_response())
}

async fn complete_payout(
    State(shared): State<SharedState>,
    Path((provider, id)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Answer {
    let provider = provider_of(&provider)?;
    let body: CompleteBody = read_body(&body)?;
    let record =
        find_payout(&shared, provider, &id).ok_or_else(|| refused(TransitionError::NotFound))?;
    let record = settle_payout(&shared, provider, &record.id, body.outcome).map_err(refused)?;
    Ok(Json(truth(&record, payout_status_word(&record))).into_response())
}

async fn notifications(
    State(shared): State<SharedState>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let provider = provider_filter(&query)?;
    let subject = query.get("subject");
    let list: Vec<_> = shared
        .notifier
        .log()
        .into_iter()
        .filter(|d| provider.is_none_or(|p| d.provider == p))
        .filter(|d| subject.is_none_or(|s| &d.subject == s))
        .collect();
    Ok(Json(json!({"notifications": list})).into_response())
}

async fn list_faults(State(shared): State<SharedState>) -> Response {
    Json(json!({"faults": lock(&shared.faults).list()})).into_response()
}

async fn add_fault(State(shared): State<SharedState>, body: axum::body::Bytes) -> Answer {
    let spec: FaultSpec = read_body(&body)?;
    spec.check().map_err(|why| bad_request(&why))?;
    let id = lock(&shared.faults).add(spec);
    Ok((StatusCode::CREATED, Json(json!({"id": id}))).into_response())
}

async fn clear_faults(State(shared): State<SharedState>) -> Response {
    lock(&shared.faults).clear();
    StatusCode::NO_CONTENT.into_response()
}

async fn remove_fault(State(shared): State<SharedState>, Path(id): Path<u64>) -> Response {
    if lock(&shared.faults).remove(id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        error(StatusCode::NOT_FOUND, "not_found", "no such fault")
    }
}

async fn settings(State(shared): State<SharedState>) -> Response {
    Json(shared.settings()).into_response()
}

/// Replaces the settings named in the body; the others stay.
async fn change_settings(State(shared): State<SharedState>, body: axum::body::Bytes) -> Answer {
    let Ok(Value::Object(changes)) = serde_json::from_slice::<Value>(&body) else {
        return Err(bad_request("a JSON object of settings"));
    };
    let mut current = serde_json::to_value(shared.settings()).map_err(|why| {
        error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            &why.to_string(),
        )
    })?;
    if let Some(target) = current.as_object_mut() {
        for (key, value) in changes {
            if !target.contains_key(&key) {
                return Err(bad_request(&format!("unknown setting {key:?}")));
            }
            target.insert(key, value);
        }
    }
    let next: Settings =
        serde_json::from_value(current).map_err(|why| bad_request(&why.to_string()))?;
    if !(next.time_scale.is_finite() && next.time_scale > 0.0) {
        return Err(bad_request("time_scale must be positive"));
    }
    *lock(&shared.settings) = next.clone();
    Ok(Json(next).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct ResetBody {
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    cinetpay_transfer_balance: Option<u64>,
}

async fn reset(State(shared): State<SharedState>, body: axum::body::Bytes) -> Answer {
    let body: ResetBody = if body.is_empty() {
        ResetBody::default()
    } else {
        read_body(&body)?
    };
    shared.reset(body.seed, body.cinetpay_transfer_balance);
    Ok(StatusCode::NO_CONTENT.into_response())
}
