//! MoneyFusion (FusionPay), as docs/PROVIDERS.md describes it: the merchant's
//! API URL is the credential (`/<app>/<16 hex>/pay/`), callers are filtered by IP,
//! answers carry `statut`, the status is read at `/paiementNotif/<token>`, webhooks are
//! unsigned JSON (`payin.session.pending` repeated, then `completed` or `cancelled`),
//! and withdrawals take a `moneyfusion-private-key` header.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::domain::Provider;
use crate::http::Method;

use super::checkout::{MethodChoice, ReturnTo};
use super::lifecycle::run_payout;
use super::notify::{send, Notification};
use super::state::SharedState;
use super::store::{
    Customer, MoneyFusionPaymentExtra, PaymentExtra, PaymentRecord, PayoutRecord, Stage,
};
use super::support::{is_http_url, json_text, lock, with_query, UtcTime};

/// How long after a `pending` webhook MoneyFusion repeats it while still pending.
const PENDING_REPEAT: Duration = Duration::from_secs(30);

/// Withdrawal modes and the country each serves.
const WITHDRAW_MODES: &[(&str, &str)] = &[
    ("orange-ci", "ci"),
    ("mtn-ci", "ci"),
    ("moov-ci", "ci"),
    ("wave-ci", "ci"),
    ("orange-sn", "sn"),
    ("free-sn", "sn"),
    ("wave-sn", "sn"),
    ("expresso-sn", "sn"),
    ("orange-bf", "bf"),
    ("moov-bf", "bf"),
    ("orange-ml", "ml"),
    ("moov-ml", "ml"),
    ("mtn-bj", "bj"),
    ("moov-bj", "bj"),
    ("t-money-tg", "tg"),
    ("moov-tg", "tg"),
    ("mtn-cm", "cm"),
    ("orange-cm", "cm"),
];

/// MoneyFusion's routes, under `/moneyfusion`.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/moneyfusion/{app}/{key}/pay/", post(create))
        .route("/moneyfusion/{app}/{key}/pay", post(create))
        .route("/moneyfusion/paiementNotif/{token}", get(status))
        .route("/moneyfusion/api/v1/withdraw", post(withdraw))
}

fn refusal(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"statut": false, "message": message}))).into_response()
}

/// The answer MoneyFusion gives a caller whose IP or application it does not know.
fn unauthorized(peer: &SocketAddr) -> Response {
    refusal(
        StatusCode::FORBIDDEN,
        &format!("Unauthorized IP or unapproved application ({})", peer.ip()),
    )
}

fn ip_allowed(shared: &SharedState, peer: &SocketAddr) -> bool {
    shared
        .settings()
        .moneyfusion_allowed_ips
        .is_none_or(|allowed| allowed.contains(&peer.ip()))
}

/// A whole amount, from a number or a numeric string (some clients send strings).
fn whole_amount(value: Option<&Value>) -> Option<u64> {
    let number = match value? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        Value::Null | Value::Bool(_) | Value::Array(_) | Value::Object(_) => return None,
    };
    (number.is_finite() && number > 0.0 && number.fract() == 0.0 && number <= 9e15)
        .then_some(number as u64)
}

async fn create(
    State(shared): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((app, key)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let creds = &shared.credentials;
    if app != creds.moneyfusion_app || key != creds.moneyfusion_key || !ip_allowed(&shared, &peer) {
        return unauthorized(&peer);
    }
    let input = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => map,
        _ => return refusal(StatusCode::BAD_REQUEST, "Données de paiement invalides"),
    };
    let Some(amount) = whole_amount(input.get("totalPrice")) else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "totalPrice est requis et doit être un nombre positif",
        );
    };
    let article = match input.get("article") {
        Some(Value::Array(items)) if !items.is_empty() && items.iter().all(Value::is_object) => {
            Value::Array(items.clone())
        }
        _ => {
            return refusal(
                StatusCode::BAD_REQUEST,
                "article est requis (liste d'objets {nom: prix})",
            )
        }
    };
    let Some(numero_send) = json_text(&input, "numeroSend") else {
        return refusal(StatusCode::BAD_REQUEST, "numeroSend est requis");
    };
    let Some(nomclient) = json_text(&input, "nomclient") else {
        return refusal(StatusCode::BAD_REQUEST, "nomclient est requis");
    };
    let personal_info = match input.get("personal_Info") {
        None | Some(Value::Null) => Value::Array(Vec::new()),
        Some(Value::Array(items)) => Value::Array(items.clone()),
        Some(_) => {
            return refusal(
                StatusCode::BAD_REQUEST,
                "personal_Info doit être une liste d'objets",
            )
        }
    };
    let return_url = json_text(&input, "return_url");
    let webhook_url = json_text(&input, "webhook_url");
    for url in [&return_url, &webhook_url].into_iter().flatten() {
        if !is_http_url(url) {
            return refusal(
                StatusCode::BAD_REQUEST,
                "return_url et webhook_url doivent être des URL",
            );
        }
    }

    let token = shared.draw(|rng| rng.mixed_alnum(20));
    let object_id = shared.draw(|rng| rng.hex(24));
    let url = format!("{}/moneyfusion/pay/{object_id}", shared.base_url);
    let now = shared.now();
    let (first_name, last_name) = match nomclient.split_once(' ') {
        Some((first, last)) => (first.to_owned(), last.trim().to_owned()),
        None => (nomclient.clone(), String::new()),
    };
    let record = PaymentRecord {
        provider: Provider::MoneyFusion,
        id: token.clone(),
        page_id: object_id.clone(),
        stage: Stage::Initiated,
        amount,
        currency: "XOF".to_owned(),
        description: format!("Paiement {nomclient}"),
        checkout_url: url.clone(),
        return_url,
        notify_url: webhook_url,
        customer: Customer {
            first_name,
            last_name,
            email: None,
            phone: Some(numero_send.clone()),
        },
        method: None,
        payer_phone: None,
        lang: "fr".to_owned(),
        created_at: now,
        updated_at: now,
        extra: PaymentExtra::MoneyFusion(MoneyFusionPaymentExtra {
            object_id,
            article,
            personal_info,
            numero_send,
            nomclient,
            // 2.5 %, rounded up, as in MoneyFusion's example (200 -> 5).
            frais: (amount * 25).div_ceil(1000),
        }),
    };
    lock(&shared.store).insert_payment(record);
    Json(json!({
        "statut": true,
        "token": token,
        "message": "paiement en cours",
        "url": url,
    }))
    .into_response()
}

fn extra(record: &PaymentRecord) -> Option<&MoneyFusionPaymentExtra> {
    match &record.extra {
        PaymentExtra::MoneyFusion(extra) => Some(extra),
        PaymentExtra::Moneroo(_) | PaymentExtra::CinetPay(_) => None,
    }
}

/// MoneyFusion's word for a payment stage.
pub fn payment_status(stage: Stage) -> &'static str {
    match stage {
        Stage::Initiated | Stage::Pending => "pending",
        Stage::Succeeded => "paid",
        Stage::Failed => "failure",
        Stage::Cancelled => "no paid",
    }
}

fn iso(time: std::time::SystemTime) -> String {
    UtcTime::from_system(time).iso_millis()
}

async fn status(State(shared): State<SharedState>, Path(token): Path<String>) -> Response {
    let record = lock(&shared.store)
        .payment(Provider::MoneyFusion, &token)
        .cloned();
    let Some(record) = record else {
        return refusal(StatusCode::NOT_FOUND, "Paiement non trouvé");
    };
    let extra = extra(&record);
    Json(json!({
        "statut": true,
        "data": {
            "_id": extra.map(|e| e.object_id.clone()),
            "tokenPay": record.id,
            "numeroSend": extra.map(|e| e.numero_send.clone()),
            "nomclient": extra.map(|e| e.nomclient.clone()),
            "personal_Info": extra.map(|e| e.personal_info.clone()),
            "numeroTransaction": record.payer_phone.clone().unwrap_or_default(),
            "Montant": record.amount,
            "frais": extra.map_or(0, |e| e.frais),
            "statut": payment_status(record.stage),
            "moyen": record.method.clone().unwrap_or_default(),
            "return_url": record.return_url,
            "createdAt": iso(record.created_at),
        },
        "message": "details paiement",
    }))
    .into_response()
}

fn webhook(shared: &SharedState, record: &PaymentRecord, event: &str) {
    let Some(url) = record.notify_url.clone() else {
        return;
    };
    let extra = extra(record);
    let body = json!({
        "event": event,
        "personal_Info": extra.map(|e| e.personal_info.clone()),
        "tokenPay": record.id,
        "numeroSend": extra.map(|e| e.numero_send.clone()),
        "nomclient": extra.map(|e| e.nomclient.clone()),
        "numeroTransaction": record.payer_phone.clone().unwrap_or_default(),
        "Montant": record.amount,
        "frais": extra.map_or(0, |e| e.frais),
        "return_url": record.return_url,
        "webhook_url": record.notify_url,
        "createdAt": iso(record.created_at),
    });
    let notification = Notification::once(
        shared,
        Provider::MoneyFusion,
        &record.id,
        event,
        Method::Post,
        url,
    )
    .header("Content-Type", "application/json")
    .body(body.to_string());
    send(shared, notification);
}

/// `payin.session.pending` while the shopper pays (repeated), then `completed` or
/// `cancelled`.
pub fn payment_changed(shared: &SharedState, record: &PaymentRecord, before: Stage) {
    if before == record.stage {
        return;
    }
    match record.stage {
        Stage::Initiated => {}
        Stage::Pending => {
            webhook(shared, record, "payin.session.pending");
            let repeat_shared = shared.clone();
            let id = record.id.clone();
            shared.after(shared.scaled(PENDING_REPEAT), async move {
                let still = lock(&repeat_shared.store)
                    .payment(Provider::MoneyFusion, &id)
                    .filter(|p| p.stage == Stage::Pending)
                    .cloned();
                if let Some(record) = still {
                    webhook(&repeat_shared, &record, "payin.session.pending");
                }
            });
        }
        Stage::Succeeded => {
            // MoneyFusion repeats `pending` while it confirms the payment.
            webhook(shared, record, "payin.session.pending");
            webhook(shared, record, "payin.session.completed");
        }
        Stage::Failed | Stage::Cancelled => webhook(shared, record, "payin.session.cancelled"),
    }
}

// ---- hosted page -------------------------------------------------------------------

/// The wallets MoneyFusion offers.
pub fn page_methods() -> Vec<MethodChoice> {
    [
        ("orange", "Orange Money"),
        ("mtn", "MTN MoMo"),
        ("moov", "Moov Money"),
        ("wave", "Wave"),
    ]
    .into_iter()
    .map(|(code, label)| MethodChoice {
        code: code.to_owned(),
        label: label.to_owned(),
        card: false,
    })
    .collect()
}

/// `return_url?token=<token>`.
pub fn page_return(record: &PaymentRecord) -> ReturnTo {
    match &record.return_url {
        Some(url) => ReturnTo::Link(with_query(url, &[("token", record.id.as_str())])),
        None => ReturnTo::Nowhere,
    }
}

// ---- withdrawals -------------------------------------------------------------------

async fn withdraw(
    State(shared): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let key = headers
        .get("moneyfusion-private-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    if key != Some(shared.credentials.moneyfusion_private_key.as_str()) {
        return refusal(StatusCode::UNAUTHORIZED, "Clé privée invalide ou manquante");
    }
    if !ip_allowed(&shared, &peer) {
        return unauthorized(&peer);
    }
    let input = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => map,
        _ => return refusal(StatusCode::BAD_REQUEST, "Données de retrait invalides"),
    };
    let country = json_text(&input, "countryCode").map(|c| c.to_ascii_lowercase());
    let phone = json_text(&input, "phone");
    let mode = json_text(&input, "withdraw_mode").map(|m| m.to_ascii_lowercase());
    let amount = whole_amount(input.get("amount"));
    let (Some(country), Some(phone), Some(mode), Some(amount)) = (country, phone, mode, amount)
    else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "countryCode, phone, amount et withdraw_mode sont requis",
        );
    };
    match WITHDRAW_MODES.iter().find(|(m, _)| *m == mode) {
        Some((_, served)) if *served == country => {}
        Some(_) => {
            return refusal(
                StatusCode::BAD_REQUEST,
                "withdraw_mode ne correspond pas à countryCode",
            )
        }
        None => return refusal(StatusCode::BAD_REQUEST, "withdraw_mode inconnu"),
    }
    if !phone.chars().all(|c| c.is_ascii_digit() || c == '+') {
        return refusal(StatusCode::BAD_REQUEST, "Numéro de téléphone invalide");
    }
    let webhook_url = json_text(&input, "webhook_url");
    if webhook_url.as_deref().is_some_and(|u| !is_http_url(u)) {
        return refusal(StatusCode::BAD_REQUEST, "webhook_url doit être une URL");
    }
    let token = shared.draw(|rng| rng.mixed_alnum(20));
    let now = shared.now();
    let record = PayoutRecord {
        provider: Provider::MoneyFusion,
        id: token.clone(),
        reference: None,
        stage: Stage::Initiated,
        amount,
        currency: if country == "cm" { "XAF" } else { "XOF" }.to_owned(),
        recipient: phone,
        method: mode,
        notify_url: webhook_url,
        created_at: now,
        updated_at: now,
        request: Value::Object(input),
    };
    lock(&shared.store).insert_payout(record);
    run_payout(
        &shared,
        Provider::MoneyFusion,
        token.clone(),
        shared.settings().payout_outcome,
    );
    Json(json!({
        "tokenPay": token,
        "statut": true,
        "message": "Retrait en cours de traitement",
    }))
    .into_response()
}

/// MoneyFusion's word for a payout stage (there is no status endpoint: this is what the
/// webhooks say).
pub fn payout_status(stage: Stage) -> &'static str {
    match stage {
        Stage::Initiated | Stage::Pending => "pending",
        Stage::Succeeded => "completed",
        Stage::Failed | Stage::Cancelled => "cancelled",
    }
}

/// `payout.session.completed` or `payout.session.cancelled` once final.
pub fn payout_changed(shared: &SharedState, record: &PayoutRecord, before: Stage) {
    if before.is_final() || !record.stage.is_final() {
        return;
    }
    let Some(url) = record.notify_url.clone() else {
        return;
    };
    let event = match record.stage {
        Stage::Succeeded => "payout.session.completed",
        Stage::Initiated | Stage::Pending | Stage::Failed | Stage::Cancelled => {
            "payout.session.cancelled"
        }
    };
    let body = json!({
        "event": event,
        "tokenPay": record.id,
        "montant": record.amount,
        "numeroRetrait": record.recipient,
        "moyen": record.method,
        "webhook_url": record.notify_url,
        "createdAt": iso(record.created_at),
    });
    let notification = Notification::once(
        shared,
        Provider::MoneyFusion,
        &record.id,
        event,
        Method::Post,
        url,
    )
    .header("Content-Type", "application/json")
    .body(body.to_string());
    send(shared, notification);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_may_be_numbers_or_numeric_strings_but_whole() {
        assert_eq!(whole_amount(Some(&json!(200))), Some(200));
        assert_eq!(whole_amount(Some(&json!("200"))), Some(200));
        assert_eq!(whole_amount(Some(&json!(200.0))), Some(200));
        assert_eq!(whole_amount(Some(&json!(200.5))), None);
        assert_eq!(whole_amount(Some(&json!(-5))), None);
        assert_eq!(whole_amount(None), None);
    }

    #[test]
    fn statuses_use_moneyfusion_words() {
        assert_eq!(payment_status(Stage::Succeeded), "paid");
        assert_eq!(payment_status(Stage::Cancelled), "no paid");
        assert_eq!(payment_status(Stage::Failed), "failure");
    }
}
