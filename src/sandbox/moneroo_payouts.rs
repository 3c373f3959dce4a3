//! Moneroo's payouts: `POST /v1/payouts/initialize`, the payout verify and retrieve
//! calls, the payout methods and the `payout.*` webhooks.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Map, Value};

use crate::domain::Provider;

use super::lifecycle::run_payout;
use super::moneroo_methods::{catalog, currency_object, payout_method};
use super::state::SharedState;
use super::store::{Outcome, PayoutRecord, Stage};
use super::support::lock;

use super::moneroo::*;
use super::moneroo_validation::Validation;

/// Moneroo's payout routes, under `/moneroo`.
pub(super) fn router(shared: SharedState) -> Router<SharedState> {
    Router::new()
        .route("/moneroo/v1/payouts/initialize", post(initialize_payout))
        .route("/moneroo/v1/payouts/{id}/verify", get(verify_payout))
        .route("/moneroo/v1/payouts/{id}", get(retrieve_payout))
        .route_layer(from_fn_with_state(shared, authenticate))
        .route("/moneroo/utils/payout/methods", get(payout_methods))
}

/// Moneroo's word for a payout stage (a cancelled payout is a failed one).
pub fn payout_status(stage: Stage) -> &'static str {
    match stage {
        Stage::Initiated => "initiated",
        Stage::Pending => "pending",
        Stage::Succeeded => "success",
        Stage::Failed | Stage::Cancelled => "failed",
    }
}

async fn payout_methods() -> Response {
    envelope(
        StatusCode::OK,
        "Payout methods fetched successfully",
        catalog(true),
    )
}

async fn initialize_payout(State(shared): State<SharedState>, body: Bytes) -> Response {
    let input = body_object(&body);
    let mut v = Validation::default();
    let amount = v.integer(&input, "amount", "amount");
    let currency = v.currency(&input);
    let description = v.string(&input, "description", "description");
    let method_code = v.string(&input, "method", "method");
    let method = method_code.as_deref().and_then(|code| {
        let found = payout_method(code);
        if found.is_none() {
            v.add("method", "The selected method is invalid.".to_owned());
        }
        found
    });
    if let (Some(method), Some(currency)) = (method, &currency) {
        if method.currency != currency {
            v.add(
                "method",
                format!("The selected method does not support {currency}."),
            );
        }
    }
    v.customer(&input);
    v.metadata(&input);
    let empty = Map::new();
    let recipient = match input.get("recipient") {
        Some(Value::Object(map)) => map,
        _ => {
            if method.is_some() {
                v.add("recipient", "The recipient field is required.".to_owned());
            }
            &empty
        }
    };
    let mut recipient_id = None;
    if let Some(method) = method {
        for (field, kind) in method.payout_fields() {
            let path = format!("recipient.{field}");
            let value = if *kind == "integer" {
                v.integer(recipient, field, &path).map(|n| n.to_string())
            } else {
                v.optional_string(recipient, field, &path).or_else(|| {
                    v.add(
                        &path,
                        format!("The {} field is required.", Validation::label(&path)),
                    );
                    None
                })
            };
            if recipient_id.is_none() {
                recipient_id = value;
            }
        }
    }
    if let Err(response) = v.into_result() {
        return response;
    }
    let (Some(amount), Some(currency), Some(_), Some(method), Some(recipient_id)) =
        (amount, currency, description, method, recipient_id)
    else {
        return envelope(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The given data was invalid.",
            Value::Null,
        );
    };

    let planned = match test_number(&recipient_id) {
        Some(TEST_SUCCESS) => Outcome::Success,
        Some(TEST_SECOND) => Outcome::Failed,
        Some(_) => Outcome::Pending,
        None => shared.settings().payout_outcome,
    };
    let id = shared.draw(|rng| rng.lower_alnum(12));
    let now = shared.now();
    let request = Value::Object(input);
    let record = PayoutRecord {
        provider: Provider::Moneroo,
        id: id.clone(),
        reference: None,
        stage: Stage::Initiated,
        amount,
        currency,
        recipient: recipient_id,
        method: method.code.to_owned(),
        notify_url: None,
        created_at: now,
        updated_at: now,
        request,
    };
    lock(&shared.store).insert_payout(record.clone());
    webhook(
        &shared,
        "payout.initiated",
        &id,
        payout_webhook_data(&record),
    );
    run_payout(&shared, Provider::Moneroo, id.clone(), planned);
    envelope(
        StatusCode::CREATED,
        "Payout transaction initialized successfully.",
        json!({"id": id}),
    )
}

fn payout_data(record: &PayoutRecord, currency_object_form: bool) -> Value {
    let request = &record.request;
    let processed = record.stage.is_final();
    let method_name = payout_method(&record.method).map_or(record.method.as_str(), |m| m.name);
    json!({
        "id": record.id,
        "status": payout_status(record.stage),
        "is_processed": processed,
        "processed_at": processed.then(|| iso(record.updated_at)),
        "amount": record.amount,
        "amount_formatted": amount_formatted(record.amount, &record.currency),
        "currency": if currency_object_form { currency_object(&record.currency) } else { json!(record.currency) },
        "description": request.get("description"),
        "environment": "sandbox",
        "metadata": request.get("metadata"),
        "customer": request.get("customer"),
        "recipient": request.get("recipient"),
        "method": {"name": method_name, "short_code": record.method},
        "initiated_at": iso(record.created_at),
        "created_at": iso(record.created_at),
    })
}

fn payout_webhook_data(record: &PayoutRecord) -> Value {
    json!({
        "id": record.id,
        "amount": record.amount,
        "currency": record.currency,
        "status": payout_status(record.stage),
        "customer": record.request.get("customer"),
        "metadata": record.request.get("metadata"),
    })
}

async fn verify_payout(State(shared): State<SharedState>, Path(id): Path<String>) -> Response {
    show_payout(&shared, &id, true)
}

async fn retrieve_payout(State(shared): State<SharedState>, Path(id): Path<String>) -> Response {
    show_payout(&shared, &id, false)
}

fn show_payout(shared: &SharedState, id: &str, currency_object_form: bool) -> Response {
    let record = lock(&shared.store).payout(Provider::Moneroo, id).cloned();
    match record {
        Some(record) => envelope(
            StatusCode::OK,
            "Payout transaction fetched successfully",
            payout_data(&record, currency_object_form),
        ),
        None => not_found("Payout"),
    }
}

/// Sends the webhook a payout's new stage calls for.
pub fn payout_changed(shared: &SharedState, record: &PayoutRecord, before: Stage) {
    if payout_status(before) == payout_status(record.stage) {
        return;
    }
    let event = match record.stage {
        Stage::Initiated | Stage::Pending => return,
        Stage::Succeeded => "payout.success",
        Stage::Failed | Stage::Cancelled => "payout.failed",
    };
    webhook(shared, event, &record.id, payout_webhook_data(record));
}
