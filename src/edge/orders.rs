//! `POST /orders`: the merchant's own servers register an order they priced (shipping,
//! discounts, taxes), and the browser then pays it by `order_id`, never by amount.

use serde::{Deserialize, Deserializer};

use crate::domain::validation::text;
use crate::domain::{Currency, Money, Order, Violation, Violations};
use crate::http::{Fields, HttpResponse};

use super::context::{param, Edge, Effects, Incoming};
use super::events;
use super::ledger::{Ledger, OrderInsert, OrderRecord, SessionRecord};
use super::reply::{self, Json, Reply};
use super::runtime::{new_id, Runtime};

struct OrderInput {
    reference: Option<String>,
    amount: Option<serde_json::Value>,
    currency: Option<String>,
    description: Option<String>,
    customer: Option<serde_json::Value>,
}

impl<'de> Deserialize<'de> for OrderInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct OrderInput", |f| {
            Ok(OrderInput {
                reference: f.text_opt("reference"),
                amount: f.take("amount"),
                currency: f.text_opt("currency"),
                description: f.text_opt("description"),
                customer: f.take("customer"),
            })
        })
    }
}

/// An order's fields as its answers show them.
fn view<'a>(json: &'a mut Json, order: &OrderRecord) -> &'a mut Json {
    json.str("order_id", &order.id)
        .str("reference", &order.reference)
        .num("amount", order.amount)
        .str("currency", order.currency.code())
        .str("description", &order.description)
}

pub(super) fn answer(status: u16, order: &OrderRecord) -> HttpResponse {
    let mut json = Json::object();
    view(&mut json, order);
    json.answer(status)
}

/// The `currency` of a merchant's request (`POST /orders`, `POST /payouts`): a code the
/// domain knows, spaces around it ignored. Missing is `required`; any other text is
/// `unknown_currency` (docs/EDGE.md).
pub(crate) fn currency(code: Option<&str>, found: &mut Violations) -> Option<Currency> {
    let Some(code) = code else {
        found.push(Violation::required("currency"));
        return None;
    };
    Currency::from_code(code.trim()).or_else(|| {
        found.add(
            "unknown_currency",
            "currency",
            "Devise inconnue.",
            "Unknown currency.",
        );
        None
    })
}

/// `POST /orders`, admin only.
pub async fn create(edge: &Edge<'_, impl Effects>, request: &Incoming) -> Reply {
    let Ok(input) = crate::http::from_json::<OrderInput>(&request.body) else {
        return Err(reply::error(400, "invalid_json", "the body is not a JSON order").into());
    };
    let mut found = Violations::new();
    let reference = text(
        input.reference.as_deref(),
        "reference",
        true,
        64,
        &mut found,
    );
    let description = text(
        input.description.as_deref(),
        "description",
        true,
        200,
        &mut found,
    );
    let currency = currency(input.currency.as_deref(), &mut found);
    let amount = match (
        input.amount.as_ref().and_then(serde_json::Value::as_u64),
        currency,
    ) {
        (Some(minor), Some(currency)) => match Money::from_minor(minor, currency) {
            Ok(amount) => {
                Order::check_amount(amount, "amount", &mut found);
                Some(amount)
            }
            Err(error) => {
                found.push(error.violation("amount"));
                None
            }
        },
        (None, _) => {
            found.add(
                "invalid_amount",
                "amount",
                "Le montant est un entier positif, en unités mineures de la devise.",
                "The amount is a positive integer, in the currency's minor units.",
            );
            None
        }
        (Some(_), None) => None,
    };
    let (Some(reference), Some(description), Some(amount), true) =
        (reference, description, amount, found.is_empty())
    else {
        return Err(reply::invalid(&found, crate::domain::Lang::En).into());
    };
    let order = OrderRecord {
        id: new_id("ord"),
        reference,
        amount: amount.minor(),
        currency: amount.currency(),
        description,
        customer_json: input.customer.map(|c| crate::http::json_text(&c)),
        created_at: edge.runtime.now(),
    };
    match edge.ledger.create_order(&order).await? {
        OrderInsert::Created => Ok(answer(201, &order)),
        OrderInsert::Existing(existing) => {
            let same = existing.amount == order.amount
                && existing.currency == order.currency
                && existing.description == order.description;
            if same {
                Ok(answer(200, &existing))
            } else {
                Err(reply::error(
                    409,
                    "order_conflict",
                    "an order with this reference exists with another amount or description",
                )
                .into())
            }
        }
    }
}

/// `GET /orders/:id`, admin only: the order, its sessions and whether it is paid.
pub async fn show(edge: &Edge<'_, impl Effects>, id: &str) -> Reply {
    match edge.ledger.order(id).await? {
        Some(order) => with_sessions(edge, &order).await,
        None => Err(reply::error(404, "not_found", "no such order").into()),
    }
}

/// `GET /orders?reference=`, admin only: the same, found by the merchant's reference.
pub async fn find(edge: &Edge<'_, impl Effects>, request: &Incoming) -> Reply {
    let query = crate::form::decode(request.query.as_bytes()).unwrap_or_default();
    let Some(reference) = param(&query, "reference")
        .map(str::trim)
        .filter(|v| !v.is_empty())
    else {
        return Err(reply::error(
            400,
            "missing_reference",
            "name the order: GET /orders?reference=<your reference>",
        )
        .into());
    };
    match edge.ledger.order_by_reference(reference).await? {
        Some(order) => with_sessions(edge, &order).await,
        None => Err(reply::error(404, "not_found", "no order has this reference").into()),
    }
}

async fn with_sessions(edge: &Edge<'_, impl Effects>, order: &OrderRecord) -> Reply {
    let sessions = edge.ledger.sessions_of_order(&order.id).await?;
    Ok(detail(order, &sessions))
}

/// An order with its sessions and whether one of them paid it.
#[inline]
pub(super) fn detail(order: &OrderRecord, sessions: &[SessionRecord]) -> HttpResponse {
    let mut json = Json::object();
    view(&mut json, order);
    let mut paid = false;
    for session in sessions {
        paid |= session.status == crate::domain::PaymentStatus::Succeeded;
    }
    json.bool("paid", paid).open(Some("sessions"), b'[');
    for session in sessions {
        json.open(None, b'{');
        events::session_data(&mut json, session, Some(&order.reference), None, None);
        json.close(b'}');
    }
    json.close(b']').time("created_at", order.created_at);
    json.answer(200)
}
