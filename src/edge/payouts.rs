//! Payouts: `POST /payouts` sends money through a provider's payout API at most once per
//! `Idempotency-Key`, `GET /payouts/:id` tells where it stands, and the providers' payout
//! notifications move it on.
//!
//! Sending money cannot be undone, so the rules are strict:
//!
//! - the key is claimed in the ledger *before* the provider is called, so a second request
//!   with the same key (even while the first is still in flight) never sends again;
//! - the send is [`Retry::CREATE`]: tried again only after a 429, never after a timeout or
//!   a 5xx, which leave the payout `pending` and "unconfirmed" until the provider tells;
//! - `failed` means no money left (a refusal, or a failure before the send); only then may
//!   the merchant send again, with a new key;
//! - notifications are never believed alone: Moneroo's are signed and verified by a status
//!   call, CinetPay's are checked by `client_transaction_id`; MoneyFusion has no payout
//!   status call, so its (unsigned) webhook counts only for the `tokenPay` it gave us.
//!
//! No full phone number, secret or token goes into an answer: the stored recipient has
//! its phone masked (`+225 07 •• •• •• 04`), and provider messages lose long digit runs.

use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::domain::{
    Currency, Customer, CustomerInput, CustomerRules, Lang, Message, Metadata, Money,
    PaymentStatus, Phone, Provider, Violation, Violations,
};
use crate::http::{HttpRequest, HttpResponse};
use crate::providers::cinetpay::{
    Cinetpay, TransferContact, TransferOrder, TransferRecord, TransferToken,
};
use crate::providers::moneroo;
use crate::providers::moneyfusion::{MoneyFusion, Withdrawal, WithdrawalInput};
use crate::providers::ProviderError;

use super::context::{Edge, Effects, Incoming};
use super::events;
use super::gateway::{self, Retry};
use super::ledger::{Ledger, PayoutChange, PayoutClaim, PayoutRecord};
use super::reply::{self, Reply};
use super::runtime::{new_id, rfc3339, Runtime};

/// The metadata key that carries our payout id to Moneroo, so that a signed notification
/// can be tied to a payout whose send answer was lost.
pub const MONEROO_PAYOUT_KEY: &str = "guichet_payout";

/// The description Moneroo requires when the merchant gives none.
const DEFAULT_DESCRIPTION: &str = "Payout";

const DESCRIPTION_MAX: usize = 255;
const IDEMPOTENCY_KEY_MAX: usize = 255;

/// What the merchant reads about a payout.
#[derive(Serialize)]
struct PayoutView<'a> {
    id: &'a str,
    idempotency_key: &'a str,
    provider: Provider,
    amount: u64,
    currency: &'static str,
    status: PaymentStatus,
    recipient: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider_ref: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider_status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<&'a str>,
    created_at: String,
    updated_at: String,
}

/// MoneyFusion cannot be asked: the answer says so while its webhook has not come.
const MONEYFUSION_NO_STATUS: &str =
    "no status call: MoneyFusion has no payout status endpoint, its payout.session webhook settles this payout";

/// A payout as `GET /payouts/:id` shows it, as JSON (for events).
pub(super) fn view_json(payout: &PayoutRecord) -> Value {
    serde_json::to_value(view(payout)).unwrap_or(Value::Null)
}

fn view(payout: &PayoutRecord) -> PayoutView<'_> {
    let provider_status = if payout.provider == Provider::MoneyFusion && !payout.status.is_final() {
        Some(MONEYFUSION_NO_STATUS)
    } else {
        payout.provider_status.as_deref()
    };
    PayoutView {
        id: &payout.id,
        idempotency_key: &payout.idempotency_key,
        provider: payout.provider,
        amount: payout.amount,
        currency: payout.currency.code(),
        status: payout.status,
        recipient: serde_json::from_str(&payout.recipient_json).unwrap_or(Value::Null),
        provider_ref: payout.provider_ref.as_deref(),
        provider_status,
        failure: payout.failure.as_deref(),
        created_at: rfc3339(payout.created_at),
        updated_at: rfc3339(payout.updated_at),
    }
}

/// The recipient fields any provider may need; which are required depends on it.
#[derive(serde::Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RecipientInput {
    /// Moneroo's payout method (`mtn_bj`, `moneroo_payout_demo`) or MoneyFusion's
    /// `withdraw_mode` (`mtn-ci`).
    method: Option<String>,
    /// The mobile-money number; Moneroo's `msisdn`.
    #[serde(alias = "msisdn")]
    phone: Option<String>,
    /// Moneroo's `account_number` (`moneroo_payout_demo`).
    account_number: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    /// ISO alpha-2, to read a national number.
    country: Option<String>,
}

/// A payout request, read and checked field by field.
struct Parsed {
    provider: Provider,
    amount: Money,
    description: Option<String>,
    recipient: RecipientInput,
}

/// The provider call, prepared and checked before the key is claimed.
enum Send<'a> {
    Moneroo(HttpRequest),
    CinetPay(&'a Cinetpay, TransferContact, TransferOrder),
    MoneyFusion(&'a MoneyFusion, HttpRequest),
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
    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
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
    let (send, recipient_json) = match prepare(edge, &parsed, &id) {
        Ok(prepared) => prepared,
        Err(Refusal::Invalid(violations)) => return Err(reply::invalid(&violations, lang).into()),
        Err(Refusal::Answer(answer)) => return Err(answer.into()),
    };
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
            return Ok(reply::json(200, &view(&existing)));
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
    let sent = match events::apply_payout(edge, &payout, &change, view_json).await {
        Ok(_) => match edge.ledger.payout(&payout.id).await {
            Ok(Some(stored)) => stored,
            Ok(None) | Err(_) => with_change(payout, &change),
        },
        // The send happened (or not) whatever the ledger says: tell the merchant what we
        // know; a retry with the same key gives the stored (pending) payout.
        Err(_) => with_change(payout, &change),
    };
    Ok(reply::json(201, &view(&sent)))
}

/// `GET /payouts/:id` (the router checked the admin key): asks the provider while the
/// payout is not final, and records the answer.
pub async fn show(edge: &Edge<'_, impl Effects>, id: &str) -> Reply {
    let Some(payout) = edge.ledger.payout(id).await? else {
        return Err(reply::error(404, "not_found", "no such payout").into());
    };
    if payout.status.is_final() {
        return Ok(reply::json(200, &view(&payout)));
    }
    if let Some(change) = verify(edge, &payout).await {
        events::apply_payout(edge, &payout, &change, view_json).await?;
    }
    let current = edge.ledger.payout(id).await?;
    Ok(reply::json(200, &view(current.as_ref().unwrap_or(&payout))))
}

/// The provider's status call about a payout, as a change to apply. `None` when the
/// provider cannot be asked (MoneyFusion; a Moneroo payout whose id we never learnt) or
/// could not say, or spoke of another payout.
pub(super) async fn verify(
    edge: &Edge<'_, impl Effects>,
    payout: &PayoutRecord,
) -> Option<PayoutChange> {
    let at = edge.runtime.now();
    match payout.provider {
        Provider::Moneroo => {
            let keys = edge.config.moneroo.as_ref()?;
            let provider_ref = payout.provider_ref.as_deref()?;
            let verification = gateway::call(
                edge.transport,
                edge.runtime,
                Provider::Moneroo,
                &moneroo::verify_payout(keys, provider_ref),
                Retry::READ,
                moneroo::read_payout,
            )
            .await
            .ok()?;
            let ours = verification.provider_ref == provider_ref
                && same_amount(payout, verification.amount);
            ours.then(|| PayoutChange {
                event_key: format!(
                    "{}:{provider_ref}:{}",
                    Provider::Moneroo,
                    verification.provider_status
                ),
                status: verification.status,
                provider_ref: Some(provider_ref.to_owned()),
                failure: (verification.status == PaymentStatus::Failed).then(|| {
                    format!(
                        "Moneroo reports the payout {}",
                        verification.provider_status
                    )
                }),
                provider_status: verification.provider_status,
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
                &adapter.check_transfer(&token, &payout.id),
                Retry::READ,
                |response| adapter.read_transfer_check(response),
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

fn cinetpay_change(
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

async fn cinetpay_login(
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

/// Sends the payout, once, and says what became of it.
async fn send_once(
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
            |response| adapter.parse_withdraw_response(response),
        )
        .await
        .map_or_else(
            |error| send_failed(payout, &error, at),
            |submitted| sent(submitted.provider_ref, "submitted"),
        ),
        Send::CinetPay(adapter, contact, order) => {
            send_cinetpay(edge, adapter, contact, order, payout).await
        }
    }
}

/// CinetPay: log in, make the receiver a contact, then send. A failure before the send
/// sent nothing: the payout fails.
async fn send_cinetpay(
    edge: &Edge<'_, impl Effects>,
    adapter: &Cinetpay,
    contact: &TransferContact,
    order: &TransferOrder,
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
    let Ok(add) = adapter.add_contacts(&token, core::slice::from_ref(contact)) else {
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
    let Ok(request) = adapter.send_transfer(&token, core::slice::from_ref(order)) else {
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

/// A provider error in words safe to store and show: code and message, long digit runs
/// (phone numbers, account numbers) masked.
fn described(error: &ProviderError) -> String {
    scrub_digits(&format!(
        "{} {}: {}",
        error.provider, error.code, error.message
    ))
}

/// Replaces every run of six or more digits with `••••`.
fn scrub_digits(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 6 {
            out.push_str("••••");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
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

/// Printable ASCII without spaces, at most 255 characters: what clients send (UUIDs,
/// ULIDs, order numbers).
fn is_idempotency_key(key: &str) -> bool {
    (1..=IDEMPOTENCY_KEY_MAX).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// SHA-256 of the body's fields in a canonical form (keys sorted at every depth, `lang`
/// left out), so the same payout written differently is still the same request.
fn digest(fields: &Map<String, Value>) -> String {
    let mut canonical = String::new();
    let body: Map<String, Value> = fields
        .iter()
        .filter(|(k, _)| k.as_str() != "lang")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    write_canonical(&Value::Object(body), &mut canonical);
    let hash = Sha256::digest(canonical.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(inner) = map.get(key) {
                    write_canonical(inner, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            out.push_str(&value.to_string());
        }
    }
}

/// Reads the common fields, reporting every problem at once.
fn parse(fields: &Map<String, Value>) -> Result<Parsed, Violations> {
    let mut found = Violations::new();
    let provider = match fields.get("provider").and_then(Value::as_str) {
        Some(name) => Provider::parse(name).or_else(|| {
            found.push(Violation::new(
                "invalid_provider",
                "provider",
                Message::new(
                    "Le fournisseur doit être moneroo, cinetpay ou moneyfusion.",
                    "The provider must be moneroo, cinetpay or moneyfusion.",
                ),
            ));
            None
        }),
        None => {
            found.push(Violation::required("provider"));
            None
        }
    };
    let minor = match fields.get("amount") {
        None | Some(Value::Null) => {
            found.push(Violation::required("amount"));
            None
        }
        Some(value) => value.as_u64().filter(|a| *a > 0).or_else(|| {
            found.push(Violation::new(
                "invalid_amount",
                "amount",
                Message::new(
                    "Le montant doit être un entier positif, en unités mineures de la devise.",
                    "The amount must be a positive integer, in the currency's minor units.",
                ),
            ));
            None
        }),
    };
    let currency = match fields.get("currency").and_then(Value::as_str) {
        Some(code) => Currency::from_code(code.trim()).or_else(|| {
            found.push(Violation::new(
                "invalid_currency",
                "currency",
                Message::new("Devise inconnue.", "Unknown currency."),
            ));
            None
        }),
        None => {
            found.push(Violation::required("currency"));
            None
        }
    };
    let amount = match (minor, currency) {
        (Some(minor), Some(currency)) => match Money::from_minor(minor, currency) {
            Ok(amount) => Some(amount),
            Err(error) => {
                found.push(error.violation("amount"));
                None
            }
        },
        _ => None,
    };
    let description = match fields.get("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => crate::domain::validation::text(
            Some(text),
            "description",
            false,
            DESCRIPTION_MAX,
            &mut found,
        ),
        Some(_) => {
            found.push(not_text("description"));
            None
        }
    };
    let recipient = match fields.get("recipient") {
        Some(value @ Value::Object(_)) => {
            match serde_json::from_value::<RecipientInput>(value.clone()) {
                Ok(recipient) => Some(recipient),
                Err(_) => {
                    found.push(Violation::new(
                        "invalid_recipient",
                        "recipient",
                        Message::new(
                            "Le bénéficiaire ne prend que method, phone, account_number, first_name, last_name, email et country, en texte.",
                            "The recipient takes only method, phone, account_number, first_name, last_name, email and country, as text.",
                        ),
                    ));
                    None
                }
            }
        }
        None | Some(Value::Null) => {
            found.push(Violation::required("recipient"));
            None
        }
        Some(_) => {
            found.push(Violation::new(
                "invalid_recipient",
                "recipient",
                Message::new(
                    "Le bénéficiaire doit être un objet.",
                    "The recipient must be an object.",
                ),
            ));
            None
        }
    };
    match (provider, amount, recipient) {
        (Some(provider), Some(amount), Some(recipient)) if found.is_empty() => Ok(Parsed {
            provider,
            amount,
            description,
            recipient,
        }),
        _ => Err(found),
    }
}

fn not_text(field: &str) -> Violation {
    Violation::new(
        "invalid_text",
        field,
        Message::new("Ce champ doit être un texte.", "This field must be text."),
    )
}

/// Why a payout is refused before anything is claimed or sent.
enum Refusal {
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

/// Checks the payout against the provider's own rules (every violation, with paths in
/// the request's terms) and prepares the call, before any key is claimed.
fn prepare<'a>(
    edge: &Edge<'a, impl Effects>,
    parsed: &Parsed,
    id: &str,
) -> Result<(Send<'a>, String), Refusal> {
    let config = edge.config;
    let recipient = &parsed.recipient;
    match parsed.provider {
        Provider::Moneroo => {
            let Some(keys) = config.moneroo.as_ref() else {
                return Err(missing_setting(Provider::Moneroo, "MONEROO_SECRET_KEY"));
            };
            let mut found = Violations::new();
            let customer = found.collect(Customer::parse(
                &customer_input(recipient, false),
                CustomerRules {
                    email: true,
                    names: true,
                    ..CustomerRules::default()
                },
                "recipient",
            ));
            let metadata = found.collect(Metadata::parse(
                [(MONEROO_PAYOUT_KEY.to_owned(), id.to_owned())],
                "metadata",
            ));
            let request = moneroo::PayoutRequest {
                amount: parsed.amount,
                description: parsed
                    .description
                    .clone()
                    .unwrap_or_else(|| DEFAULT_DESCRIPTION.to_owned()),
                method: recipient.method.clone().unwrap_or_default(),
                customer: customer.unwrap_or_else(|| empty_customer(recipient)),
                recipient: moneroo::PayoutRecipientInput {
                    msisdn: recipient.phone.clone(),
                    account_number: recipient.account_number.clone(),
                },
                metadata: metadata.unwrap_or_default(),
            };
            let built = moneroo::initialize_payout(keys, &request, None);
            let built = match built {
                Ok(built) => Some(built),
                Err(violations) => {
                    found.extend(renamed(violations, |field| match field {
                        "method" => "recipient.method".to_owned(),
                        "recipient.msisdn" => "recipient.phone".to_owned(),
                        other => match other.strip_prefix("customer.") {
                            Some(rest) => format!("recipient.{rest}"),
                            None => other.to_owned(),
                        },
                    }));
                    None
                }
            };
            let found = deduplicated(found);
            match built {
                Some(built) if found.is_empty() => {
                    let country = request.customer.country;
                    let phone = recipient
                        .phone
                        .as_deref()
                        .and_then(|raw| Phone::parse(raw, country).ok());
                    Ok((
                        Send::Moneroo(built),
                        masked_recipient(recipient, phone.as_ref()),
                    ))
                }
                _ => Err(found.into()),
            }
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
            let Some(public_url) = config.public_url.as_deref() else {
                return Err(Refusal::Answer(reply::not_configured("GUICHET_PUBLIC_URL")));
            };
            let mut found = Violations::new();
            let customer = found.collect(Customer::parse(
                &customer_input(recipient, true),
                CustomerRules {
                    email: true,
                    names: true,
                    phone: true,
                    ..CustomerRules::default()
                },
                "recipient",
            ));
            let Some(customer) = customer else {
                return Err(found.into());
            };
            let (Some(phone), Some(email), Some(first_name), Some(last_name)) = (
                customer.phone.clone(),
                customer.email.clone(),
                customer.first_name.clone(),
                customer.last_name.clone(),
            ) else {
                return Err(found.into());
            };
            let contact = TransferContact {
                phone: phone.clone(),
                name: last_name,
                surname: first_name,
                email,
            };
            let order = TransferOrder {
                phone: phone.clone(),
                amount: parsed.amount,
                client_transaction_id: id.to_owned(),
                notify_url: format!(
                    "{public_url}{}/webhooks/cinetpay/transfers",
                    config.base_path
                ),
            };
            // The adapter checks a batch against a token; this one is never sent, it only
            // lets every rule run before the key is claimed.
            let unsent = TransferToken::new("", 0);
            let to_request = |field: &str| {
                let (_, rest) = field.split_once("].").unwrap_or(("", field));
                match rest {
                    "phone" => "recipient.phone".to_owned(),
                    "name" => "recipient.last_name".to_owned(),
                    "surname" => "recipient.first_name".to_owned(),
                    "email" => "recipient.email".to_owned(),
                    "amount" => "amount".to_owned(),
                    other => other.to_owned(),
                }
            };
            if let Err(violations) = adapter.add_contacts(&unsent, core::slice::from_ref(&contact))
            {
                found.extend(renamed(violations, to_request));
            }
            if let Err(violations) = adapter.send_transfer(&unsent, core::slice::from_ref(&order)) {
                found.extend(renamed(violations, to_request));
            }
            let found = deduplicated(found);
            if !found.is_empty() {
                return Err(found.into());
            }
            let masked = masked_recipient(recipient, Some(&phone));
            Ok((Send::CinetPay(adapter, contact, order), masked))
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
            let Some(public_url) = config.public_url.as_deref() else {
                return Err(Refusal::Answer(reply::not_configured("GUICHET_PUBLIC_URL")));
            };
            let input = WithdrawalInput {
                country: recipient.country.clone(),
                method: recipient.method.clone(),
                phone: recipient.phone.clone(),
                amount: parsed.amount,
                webhook_url: Some(format!(
                    "{public_url}{}/webhooks/moneyfusion",
                    config.base_path
                )),
            };
            let withdrawal = Withdrawal::parse(&input).map_err(|violations| {
                Refusal::Invalid(renamed(violations, |field| match field {
                    "method" | "phone" | "country" => format!("recipient.{field}"),
                    other => other.to_owned(),
                }))
            })?;
            let request = match adapter.withdraw_request(&withdrawal) {
                Ok(request) => request,
                Err(_) => {
                    return Err(missing_setting(
                        Provider::MoneyFusion,
                        "MONEYFUSION_PRIVATE_KEY",
                    ))
                }
            };
            let masked = masked_recipient(recipient, Some(withdrawal.phone()));
            Ok((Send::MoneyFusion(adapter, request), masked))
        }
    }
}

fn customer_input(recipient: &RecipientInput, with_phone: bool) -> CustomerInput {
    CustomerInput {
        email: recipient.email.clone(),
        first_name: recipient.first_name.clone(),
        last_name: recipient.last_name.clone(),
        phone: if with_phone {
            recipient.phone.clone()
        } else {
            None
        },
        country: recipient.country.clone(),
        ..CustomerInput::default()
    }
}

/// A customer that fails Moneroo's rules the same way the input did, so the adapter
/// reports its own violations too (deduplicated afterwards).
fn empty_customer(recipient: &RecipientInput) -> Customer {
    let clean = |v: &Option<String>| v.as_deref().map(str::trim).map(str::to_owned);
    Customer {
        email: clean(&recipient.email),
        first_name: clean(&recipient.first_name),
        last_name: clean(&recipient.last_name),
        phone: None,
        country: recipient
            .country
            .as_deref()
            .and_then(crate::domain::Country::parse),
        address: None,
        city: None,
        state: None,
        zip: None,
    }
}

fn renamed(violations: Violations, rename: impl Fn(&str) -> String) -> Violations {
    let mut out = Violations::new();
    for mut violation in violations {
        violation.field = rename(&violation.field);
        out.push(violation);
    }
    out
}

/// One violation per field and code: two checks of the same rule report once.
fn deduplicated(violations: Violations) -> Violations {
    let mut out = Violations::new();
    for violation in violations {
        let seen = out
            .as_slice()
            .iter()
            .any(|v| v.field == violation.field && v.code == violation.code);
        if !seen {
            out.push(violation);
        }
    }
    out
}

/// The recipient as stored and shown: the phone masked, an account number down to its
/// last two characters.
fn masked_recipient(recipient: &RecipientInput, phone: Option<&Phone>) -> String {
    let mut out = Map::new();
    let mut put = |key: &str, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
            out.insert(key.to_owned(), Value::String(value.trim().to_owned()));
        }
    };
    put("method", recipient.method.clone());
    put(
        "phone",
        match (phone, recipient.phone.as_deref()) {
            (Some(phone), _) => Some(mask_phone(phone)),
            (None, Some(raw)) => Some(mask_tail(raw)),
            (None, None) => None,
        },
    );
    put(
        "account_number",
        recipient.account_number.as_deref().map(mask_tail),
    );
    put("first_name", recipient.first_name.clone());
    put("last_name", recipient.last_name.clone());
    put("email", recipient.email.clone());
    put("country", recipient.country.clone());
    json!(out).to_string()
}

/// `+225 07 •• •• •• 04`: the dialing code, the national number in pairs, only the first
/// and last pair shown.
pub fn mask_phone(phone: &Phone) -> String {
    let Some(dial) = phone.dial_code() else {
        return phone.masked();
    };
    let national = phone.national_number();
    let pairs: Vec<&str> = national
        .as_bytes()
        .chunks(2)
        .filter_map(|c| core::str::from_utf8(c).ok())
        .collect();
    let last = pairs.len().saturating_sub(1);
    let shown: Vec<String> = pairs
        .iter()
        .enumerate()
        .map(|(i, pair)| {
            if (i == 0 && last >= 2) || i == last {
                (*pair).to_owned()
            } else {
                "•".repeat(pair.len())
            }
        })
        .collect();
    format!("+{dial} {}", shown.join(" "))
}

/// All but the last two characters hidden.
fn mask_tail(text: &str) -> String {
    let chars: Vec<char> = text.trim().chars().collect();
    let keep = chars.len().min(2);
    let hidden = chars.len() - keep;
    "•".repeat(hidden) + &chars[hidden..].iter().collect::<String>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Country;

    #[test]
    fn phones_are_masked_to_their_first_and_last_pairs() {
        let phone = Phone::parse("+2250701020304", None).unwrap();
        assert_eq!(mask_phone(&phone), "+225 07 •• •• •• 04");
        let phone = Phone::parse("0701020304", Some(Country::CI)).unwrap();
        assert!(!mask_phone(&phone).contains("0102"));
        assert_eq!(mask_tail("4149518161"), "••••••••61");
        assert_eq!(mask_tail("7"), "7");
    }

    #[test]
    fn long_digit_runs_are_scrubbed_from_provider_messages() {
        assert_eq!(
            scrub_digits("phone 2250701020304 refused (code 802)"),
            "phone •••• refused (code 802)"
        );
    }

    #[test]
    fn the_digest_ignores_key_order_and_lang_but_not_values() {
        let a: Value = serde_json::from_str(
            r#"{"provider":"moneroo","amount":5000,"recipient":{"phone":"1","method":"m"}}"#,
        )
        .unwrap();
        let b: Value = serde_json::from_str(
            r#"{"recipient":{"method":"m","phone":"1"},"amount":5000,"lang":"fr","provider":"moneroo"}"#,
        )
        .unwrap();
        let c: Value = serde_json::from_str(
            r#"{"provider":"moneroo","amount":5005,"recipient":{"phone":"1","method":"m"}}"#,
        )
        .unwrap();
        let d = |v: &Value| digest(v.as_object().unwrap());
        assert_eq!(d(&a), d(&b));
        assert_ne!(d(&a), d(&c));
        assert_eq!(d(&a).len(), 64);
    }

    #[test]
    fn idempotency_keys_are_visible_ascii() {
        assert!(is_idempotency_key("2f1c-4e7a"));
        assert!(!is_idempotency_key(""));
        assert!(!is_idempotency_key("a b"));
        assert!(!is_idempotency_key(&"k".repeat(256)));
    }
}
