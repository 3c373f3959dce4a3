//! CinetPay's transfer API under `/cinetpay/client`: 5-minute login tokens, contacts,
//! sends and checks, `treatment_status` NEW, REC, VAL, REJ, and the transfer
//! notifications.

use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::domain::Provider;
use crate::http::Method;

use super::lifecycle::run_payout;
use super::notify::{send, Notification};
use super::state::{SharedState, TransferToken};
use super::store::{PayoutRecord, Stage};
use super::support::{digits_only, form_encode, is_http_url, json_text, lock, UtcTime};

use super::cinetpay::{ping, FORM, NOTIFY_AGENT};

/// Transfer login tokens live this long (scaled).
const TOKEN_LIFETIME: Duration = Duration::from_secs(5 * 60);
/// Transfer amount bounds (XOF), codes 719 and 720.
const TRANSFER_MIN: u64 = 200;
const TRANSFER_MAX: u64 = 1_500_000;

/// CinetPay's transfer routes.
pub(super) fn router() -> Router<SharedState> {
    Router::new()
        .route(
            "/cinetpay/client/v1/auth/login",
            post(login).get(login_query),
        )
        .route("/cinetpay/client/v1/transfer/check/balance", get(balance))
        .route("/cinetpay/client/v1/transfer/contact", post(add_contacts))
        .route(
            "/cinetpay/client/v1/transfer/money/send/contact",
            post(send_money),
        )
        .route("/cinetpay/client/v1/transfer/check/money", get(check_money))
}

/// The transfer API's envelope: numeric `0` on success, a string code on error.
fn transfer_ok(data: Value) -> Response {
    (
        StatusCode::OK,
        Json(json!({"code": 0, "message": "OPERATION_SUCCES", "data": data})),
    )
        .into_response()
}

fn transfer_error(status: StatusCode, code: &str, message: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"code": code, "message": message, "description": description, "data": []})),
    )
        .into_response()
}

#[derive(Debug, Default, Deserialize)]
struct LoginForm {
    #[serde(default)]
    apikey: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

async fn login(State(shared): State<SharedState>, Form(form): Form<LoginForm>) -> Response {
    issue_token(&shared, form)
}

async fn login_query(State(shared): State<SharedState>, Query(form): Query<LoginForm>) -> Response {
    issue_token(&shared, form)
}

fn issue_token(shared: &SharedState, form: LoginForm) -> Response {
    let creds = &shared.credentials;
    let valid = form.apikey.as_deref() == Some(creds.cinetpay_apikey.as_str())
        && form.password.as_deref() == Some(creds.cinetpay_transfer_password.as_str());
    if !valid {
        return transfer_error(
            StatusCode::UNAUTHORIZED,
            "701",
            "INVALID_CREDENTIALS",
            "Identifiant de connexion incorrect",
        );
    }
    let token = shared.draw(|rng| {
        format!(
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.{}.{}",
            rng.mixed_alnum(86),
            rng.mixed_alnum(43)
        )
    });
    let expires = Instant::now() + shared.scaled(TOKEN_LIFETIME);
    lock(&shared.transfers)
        .tokens
        .insert(token.clone(), TransferToken { expires });
    transfer_ok(json!({"token": token}))
}

#[derive(Debug, Default, Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    transaction_id: Option<String>,
    #[serde(default)]
    client_transaction_id: Option<String>,
}

/// 706 for a token CinetPay never issued, 705 for one past its 5 minutes.
fn require_token(shared: &SharedState, token: Option<&str>) -> Result<(), Response> {
    let known = token.and_then(|t| lock(&shared.transfers).tokens.get(t).cloned());
    match known {
        None => Err(transfer_error(
            StatusCode::UNAUTHORIZED,
            "706",
            "INVALID_TOKEN",
            "Votre token est invalide",
        )),
        Some(t) if Instant::now() >= t.expires => Err(transfer_error(
            StatusCode::UNAUTHORIZED,
            "705",
            "EXPIRED_TOKEN",
            "Votre token a expiré",
        )),
        Some(_) => Ok(()),
    }
}

async fn balance(State(shared): State<SharedState>, Query(query): Query<TokenQuery>) -> Response {
    if let Err(response) = require_token(&shared, query.token.as_deref()) {
        return response;
    }
    let account = lock(&shared.transfers);
    transfer_ok(json!({
        "amount": account.available + account.in_use,
        "inUsing": account.in_use,
        "available": account.available,
    }))
}

#[derive(Debug, Default, Deserialize)]
struct DataForm {
    #[serde(default)]
    data: Option<String>,
}

fn data_items(form: &DataForm) -> Result<Vec<Map<String, Value>>, Response> {
    let parsed = form
        .data
        .as_deref()
        .and_then(|raw| serde_json::from_str::<Value>(raw).ok());
    let items = match parsed {
        Some(Value::Array(items)) => items,
        Some(Value::Object(one)) => vec![Value::Object(one)],
        _ => {
            return Err(transfer_error(
                StatusCode::BAD_REQUEST,
                "718",
                "JSON_PARSE_ERROR",
                "Le JSON émis contient des erreurs",
            ))
        }
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::Object(map) => Ok(map),
            _ => Err(transfer_error(
                StatusCode::BAD_REQUEST,
                "704",
                "INVALID_PARAM",
                "Les paramètres envoyés ne sont pas corrects",
            )),
        })
        .collect()
}

fn valid_phone(prefix: &str, phone: &str) -> bool {
    !prefix.is_empty()
        && prefix.chars().all(|c| c.is_ascii_digit())
        && phone.chars().all(|c| c.is_ascii_digit())
        && (6..=12).contains(&phone.len())
}

async fn add_contacts(
    State(shared): State<SharedState>,
    Query(query): Query<TokenQuery>,
    Form(form): Form<DataForm>,
) -> Response {
    let items =
        match require_token(&shared, query.token.as_deref()).and_then(|()| data_items(&form)) {
            Ok(items) => items,
            Err(response) => return response,
        };
    let mut results = Vec::new();
    for mut item in items {
        let prefix = json_text(&item, "prefix").unwrap_or_default();
        let phone = json_text(&item, "phone").unwrap_or_default();
        let lot = shared.draw(|rng| rng.digits(22));
        let (code, status) = if !valid_phone(&prefix, &phone) {
            (802, "INVALID_PHONE")
        } else {
            let mut account = lock(&shared.transfers);
            let key = (prefix.clone(), phone.clone());
            if account.contacts.contains(&key) {
                (726, "ERROR_PHONE_ALREADY_MY_CONTACT")
            } else {
                account.contacts.push(key);
                (0, "success")
            }
        };
        item.insert("code".to_owned(), json!(code));
        item.insert("status".to_owned(), json!(status));
        item.insert("lot".to_owned(), json!(lot));
        results.push(Value::Object(item));
    }
    transfer_ok(json!([results]))
}

/// The operator a prefix sends to, and the currency paid out there.
fn operator(prefix: &str) -> Option<(&'static str, &'static str)> {
    match prefix {
        "225" => Some(("OM", "XOF")),
        "221" => Some(("OMSN", "XOF")),
        "226" => Some(("OMBF", "XOF")),
        "223" => Some(("OMML", "XOF")),
        "228" => Some(("FLOOZTG", "XOF")),
        "229" => Some(("MOMOBJ", "XOF")),
        "237" => Some(("MOMOCM", "XAF")),
        "224" => Some(("OMGN", "GNF")),
        "243" => Some(("MPESACD", "CDF")),
        _ => None,
    }
}

async fn send_money(
    State(shared): State<SharedState>,
    Query(query): Query<TokenQuery>,
    Form(form): Form<DataForm>,
) -> Response {
    let items =
        match require_token(&shared, query.token.as_deref()).and_then(|()| data_items(&form)) {
            Ok(items) => items,
            Err(response) => return response,
        };
    let err = |code: &str, message: &str, description: &str| {
        transfer_error(StatusCode::BAD_REQUEST, code, message, description)
    };
    struct Planned {
        item: Map<String, Value>,
        prefix: String,
        phone: String,
        amount: u64,
        reference: String,
        notify_url: String,
        operator: &'static str,
        currency: &'static str,
    }
    let mut planned = Vec::new();
    for item in items {
        let prefix = json_text(&item, "prefix").unwrap_or_default();
        let phone = json_text(&item, "phone").unwrap_or_default();
        let reference = json_text(&item, "client_transaction_id").unwrap_or_default();
        if reference.is_empty() || prefix.is_empty() || phone.is_empty() {
            return err(
                "704",
                "INVALID_PARAM",
                "prefix, phone, amount et client_transaction_id sont requis",
            );
        }
        if !valid_phone(&prefix, &phone) {
            return err(
                "802",
                "INVALID_PHONE",
                "Le numéro de téléphone saisi n'est pas valide",
            );
        }
        let Some((operator, currency)) = operator(&prefix) else {
            return err(
                "721",
                "OPERATOR_NOT_AVAILABLE",
                "L'opérateur n'est pas pris en charge par CinetPay",
            );
        };
        let amount = match item.get("amount") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        let Some(amount) = amount.filter(|a| a % 5 == 0 && *a > 0) else {
            return err("801", "INVALID_AMOUNT", "Le montant saisi n'est pas valide");
        };
        if amount < TRANSFER_MIN {
            return err(
                "719",
                "AMOUNT_TOO_SMALL",
                "Le montant doit être au-dessus du seuil",
            );
        }
        if amount > TRANSFER_MAX {
            return err(
                "720",
                "AMOUNT_TOO_LARGE",
                "Le montant doit être en dessous du seuil",
            );
        }
        let notify_url = json_text(&item, "notify_url").unwrap_or_default();
        if !is_http_url(&notify_url) {
            return err(
                "725",
                "MISSING_NOTIFY_URL",
                "Vous devez mentionner une url de notification valide",
            );
        }
        if !lock(&shared.transfers)
            .contacts
            .contains(&(prefix.clone(), phone.clone()))
        {
            return err(
                "724",
                "ERROR_PHONE_NOT_MY_CONTACT",
                "Le numéro de téléphone n'existe pas dans la liste de vos contacts CinetPay",
            );
        }
        let taken = lock(&shared.store)
            .payout_by_reference(Provider::CinetPay, &reference)
            .is_some()
            || planned.iter().any(|p: &Planned| p.reference == reference);
        if taken {
            return err(
                "805",
                "CLIENT_TRANSACTION_ID_EXIST",
                "Votre identifiant de transaction existe déjà sur CinetPay",
            );
        }
        planned.push(Planned {
            item,
            prefix,
            phone,
            amount,
            reference,
            notify_url,
            operator,
            currency,
        });
    }
    let total: u64 = planned.iter().map(|p| p.amount).sum();
    {
        let mut account = lock(&shared.transfers);
        if total > account.available {
            return err(
                "602",
                "INSUFFICIENT_BALANCE",
                "Votre solde de transfert CinetPay est insuffisant",
            );
        }
        account.available -= total;
        account.in_use += total;
    }
    let lot = shared.draw(|rng| rng.digits(22));
    let outcome = shared.settings().payout_outcome;
    let mut results = Vec::new();
    for p in planned {
        let id = shared.draw(|rng| format!("TR{}", rng.upper_alnum(14)));
        let now = shared.now();
        let mut item = p.item;
        item.insert("code".to_owned(), json!(0));
        item.insert("status".to_owned(), json!("success"));
        item.insert("treatment_status".to_owned(), json!("NEW"));
        item.insert("transaction_id".to_owned(), json!(id));
        item.insert("lot".to_owned(), json!(lot));
        let record = PayoutRecord {
            provider: Provider::CinetPay,
            id: id.clone(),
            reference: Some(p.reference),
            stage: Stage::Initiated,
            amount: p.amount,
            currency: p.currency.to_owned(),
            recipient: format!("{}{}", p.prefix, p.phone),
            method: p.operator.to_owned(),
            notify_url: Some(p.notify_url.clone()),
            created_at: now,
            updated_at: now,
            request: Value::Object(item.clone()),
        };
        lock(&shared.store).insert_payout(record);
        ping(&shared, &id, &p.notify_url);
        run_payout(&shared, Provider::CinetPay, id, outcome);
        results.push(Value::Object(item));
    }
    transfer_ok(json!([results]))
}

/// CinetPay's `treatment_status` for a payout stage.
pub fn transfer_status(stage: Stage) -> &'static str {
    match stage {
        Stage::Initiated => "NEW",
        Stage::Pending => "REC",
        Stage::Succeeded => "VAL",
        Stage::Failed | Stage::Cancelled => "REJ",
    }
}

fn sending_status(stage: Stage) -> &'static str {
    match stage {
        Stage::Initiated | Stage::Pending => "PENDING",
        Stage::Succeeded => "CONFIRM",
        Stage::Failed | Stage::Cancelled => "REJECT",
    }
}

fn transfer_fields(record: &PayoutRecord) -> Vec<(&'static str, String)> {
    let lot = record
        .request
        .get("lot")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let validated = record.stage.is_final();
    vec![
        ("transaction_id", record.id.clone()),
        (
            "client_transaction_id",
            record.reference.clone().unwrap_or_default(),
        ),
        ("lot", lot),
        ("amount", record.amount.to_string()),
        ("receiver", record.recipient.clone()),
        ("sending_status", sending_status(record.stage).to_owned()),
        (
            "comment",
            match record.stage {
                Stage::Initiated | Stage::Pending => "Transfert en cours de traitement",
                Stage::Succeeded => "Transfert effectué avec succès",
                Stage::Failed | Stage::Cancelled => "Transfert rejeté par l'opérateur",
            }
            .to_owned(),
        ),
        ("treatment_status", transfer_status(record.stage).to_owned()),
        (
            "operator_transaction_id",
            if record.stage == Stage::Succeeded {
                format!(
                    "OP{}",
                    digits_only(&record.id).chars().rev().collect::<String>()
                )
            } else {
                String::new()
            },
        ),
        (
            "validated_at",
            if validated {
                UtcTime::from_system(record.updated_at).plain()
            } else {
                String::new()
            },
        ),
    ]
}

async fn check_money(
    State(shared): State<SharedState>,
    Query(query): Query<TokenQuery>,
) -> Response {
    if let Err(response) = require_token(&shared, query.token.as_deref()) {
        return response;
    }
    let store = lock(&shared.store);
    let record = match (&query.transaction_id, &query.client_transaction_id) {
        (Some(id), _) => store.payout(Provider::CinetPay, id),
        (None, Some(reference)) => store.payout_by_reference(Provider::CinetPay, reference),
        (None, None) => None,
    };
    let Some(record) = record else {
        return transfer_error(
            StatusCode::NOT_FOUND,
            "723",
            "NOT_FOUND",
            "Aucun résultat pour cette recherche",
        );
    };
    let mut object = Map::new();
    for (name, value) in transfer_fields(record) {
        object.insert(name.to_owned(), json!(value));
    }
    object.insert("operator".to_owned(), json!(record.method));
    transfer_ok(json!([object]))
}

/// Moves the account's money and posts the transfer notification at each step.
pub fn payout_changed(shared: &SharedState, record: &PayoutRecord, before: Stage) {
    if before == record.stage {
        return;
    }
    if record.stage.is_final() {
        let mut account = lock(&shared.transfers);
        account.in_use = account.in_use.saturating_sub(record.amount);
        if record.stage != Stage::Succeeded {
            account.available += record.amount;
        }
    }
    let Some(url) = record.notify_url.clone() else {
        return;
    };
    let event = format!("transfer.{}", transfer_status(record.stage));
    let notification = Notification::once(
        shared,
        Provider::CinetPay,
        &record.id,
        event,
        Method::Post,
        url,
    )
    .header("Content-Type", FORM)
    .header("User-Agent", NOTIFY_AGENT)
    .body(form_encode(&transfer_fields(record)));
    send(shared, notification);
}
