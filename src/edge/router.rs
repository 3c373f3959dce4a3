//! Routes of the edge HTTP contract (docs/EDGE.md). [`route`] takes the request as a
//! value and everything with effects (ledger, network, clock) through [`Edge`], so every
//! route runs the same in workerd, Deno, Node and native tests.

use std::future::Future;
use std::pin::Pin;

use super::context::{Edge, Effects, Incoming};
use super::ledger::Ledger;
use super::reply::{self, Reply};
use super::{events, orders, payouts, sessions, webhooks, Config};
use crate::domain::Provider;
use crate::http::HttpResponse;

/// Answers one request.
pub async fn route(edge: &Edge<'_, impl Effects>, request: &Incoming) -> HttpResponse {
    let config = edge.config;
    let origin = request.header("origin").map(str::to_owned);
    let mut response = match super::limits::refuse_read(config, &request.path, &request.body) {
        Some(refusal) => refusal,
        None => dispatch(edge, request)
            .await
            .unwrap_or_else(HttpResponse::from),
    };
    if let Some(origin) = origin.filter(|o| config.allows_origin(o)) {
        response
            .headers
            .push(("access-control-allow-origin".into(), origin));
        response.headers.push(("vary".into(), "Origin".into()));
    }
    response
}

/// A route's answer to come. Each route's future is boxed: its state machine stays its
/// own function instead of being inlined into one that holds every route (the router
/// was a quarter of the edge wasm), and the router's future only holds a pointer.
type Answer<'a> = Pin<Box<dyn Future<Output = Reply> + 'a>>;

fn now<'a>(response: HttpResponse) -> Answer<'a> {
    Box::pin(std::future::ready(Ok(response)))
}

fn dispatch<'a, E: Effects>(edge: &'a Edge<'a, E>, request: &'a Incoming) -> Answer<'a> {
    let config = edge.config;
    let Some(path) = request
        .path
        .strip_prefix(&config.base_path)
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
    else {
        return now(reply::error(404, "not_found", "no such route"));
    };
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let method = request.method.as_str();
    if method == "OPTIONS" {
        return now(preflight(config, request));
    }
    // Every route may call a provider (or is asked whether this backend works): a refused
    // deadline setting is named at once rather than as a provider that never answers.
    if let Err(why) = config.provider_timeout_ms {
        return now(reply::error(500, "not_configured", why));
    }
    match (method, segments.as_slice()) {
        ("GET", ["health"]) => {
            // Which ledger keeps the records (`memory`, `d1`, `sqlite`, `postgres`, `none`).
            let mut json = reply::Json::object();
            json.bool("ok", true)
                .str("version", crate::VERSION)
                .str("ledger", edge.ledger.kind());
            now(json.answer(200))
        }
        ("POST", ["sessions"]) => Box::pin(sessions::create(edge, request)),
        ("GET", ["sessions", id]) => {
            let id = *id;
            Box::pin(sessions::show(edge, request, id))
        }
        ("GET" | "POST", ["return", provider]) => match Provider::parse(provider) {
            Some(provider) => Box::pin(sessions::back_to_shop(edge, request, provider)),
            None => now(reply::error(404, "not_found", "no such provider")),
        },
        ("GET" | "POST", ["webhooks", "cinetpay", "transfers"]) => {
            Box::pin(webhooks::receive(edge, request, Provider::CinetPay, true))
        }
        ("GET" | "POST", ["webhooks", provider]) => match Provider::parse(provider) {
            Some(provider) if method == "POST" || provider == Provider::CinetPay => {
                Box::pin(webhooks::receive(edge, request, provider, false))
            }
            Some(_) => now(not_allowed("POST")),
            None => now(reply::error(404, "not_found", "no such provider")),
        },
        ("POST", ["orders"]) => match admin(config, request) {
            Ok(()) => Box::pin(orders::create(edge, request)),
            Err(refusal) => now(refusal),
        },
        ("GET", ["orders"]) => match admin(config, request) {
            Ok(()) => Box::pin(orders::find(edge, request)),
            Err(refusal) => now(refusal),
        },
        ("GET", ["orders", id]) => match admin(config, request) {
            Ok(()) => {
                let id = *id;
                Box::pin(orders::show(edge, id))
            }
            Err(refusal) => now(refusal),
        },
        ("GET", ["events"]) => match admin(config, request) {
            Ok(()) => Box::pin(events::list(edge, request)),
            Err(refusal) => now(refusal),
        },
        ("POST", ["payouts"]) => match admin(config, request) {
            Ok(()) => Box::pin(payouts::create(edge, request)),
            Err(refusal) => now(refusal),
        },
        ("GET", ["payouts", id]) => match admin(config, request) {
            Ok(()) => {
                let id = *id;
                Box::pin(payouts::show(edge, id))
            }
            Err(refusal) => now(refusal),
        },
        (_, ["health"]) => now(not_allowed("GET")),
        (_, ["sessions"] | ["payouts"]) => now(not_allowed("POST")),
        (_, ["orders"]) => now(not_allowed("GET, POST")),
        (_, ["sessions", _] | ["payouts", _] | ["orders", _] | ["events"]) => {
            now(not_allowed("GET"))
        }
        _ => now(reply::error(404, "not_found", "no such route")),
    }
}

/// Checks the merchant's admin key, in constant time.
fn admin(config: &Config, request: &Incoming) -> Result<(), HttpResponse> {
    let Some(key) = config.admin_key.as_ref() else {
        return Err(reply::not_configured("GUICHET_ADMIN_KEY"));
    };
    match request.bearer() {
        Some(token) if key.matches(token) => Ok(()),
        _ => Err(reply::error(
            401,
            "unauthorized",
            "this route needs the admin key",
        )),
    }
}

fn not_allowed(allow: &str) -> HttpResponse {
    let mut response = reply::error(405, "method_not_allowed", &format!("use {allow}"));
    response.headers.push(("allow".into(), allow.into()));
    response
}

/// A CORS preflight: allowed only for the configured origins.
fn preflight(config: &Config, request: &Incoming) -> HttpResponse {
    let allowed = request
        .header("origin")
        .is_some_and(|origin| config.allows_origin(origin));
    if !allowed {
        return reply::error(
            403,
            "origin_not_allowed",
            "this origin may not call the API",
        );
    }
    let mut response = HttpResponse::new(204, Vec::new());
    response.headers.extend([
        (
            "access-control-allow-methods".into(),
            "GET, POST, OPTIONS".into(),
        ),
        (
            "access-control-allow-headers".into(),
            "authorization, content-type, idempotency-key".into(),
        ),
        ("access-control-max-age".into(), "600".into()),
    ]);
    response
}
