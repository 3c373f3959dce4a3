//! Checkout sessions: `POST /sessions` opens one (priced here, initialized with the
//! provider, recorded, signed), `GET /sessions/:id` tells where it stands, asking the
//! provider while it is not final, and `/return/:provider` brings the shopper back to the
//! shop.

use crate::domain::{
    Basket, Checkout, CheckoutInput, Lang, Message, Money, PaymentStatus, Provider, Violation,
    Violations,
};
use crate::http::HttpResponse;
use crate::providers::PaymentRequest;

use super::budget::{self, StatusTurn};
use super::connector::{ask, settle, Connector};
use super::context::{param, Edge, Effects, Incoming};
use super::events;
use super::gateway::Retry;
use super::ledger::{EventSource, Ledger, SessionRecord, StatusChange};
use super::reply::{self, Failure, Json, Reply};
use super::runtime::{new_id, Runtime};
use super::token::Claims;
use super::urls::{is_clean_url, origin_of};

/// What the browser reads about a session.
pub(super) fn view(session: &SessionRecord, token: Option<&str>) -> Json {
    let mut json = Json::object();
    json.str("id", &session.id)
        .opt_str("token", token)
        .str("provider", session.provider.as_str())
        .str("reference", &session.id)
        .num("amount", session.amount)
        .str("currency", session.currency.code())
        .str("status", session.status.as_str())
        .opt_str("checkout_url", session.checkout_url.as_deref())
        .time("expires_at", session.expires_at)
        .time("updated_at", session.updated_at);
    if let Some(paid) = session.paid_amount {
        json.num("paid_amount", paid);
    }
    json.opt_str("provider_status", session.provider_status.as_deref());
    json
}

/// The body of `POST /sessions`, parsed once: the checkout, and the one field that is
/// ours rather than the checkout's (`return_url`; `lang` is the checkout's own). `None`
/// when the body is not JSON, not an object, or a field has the wrong type.
fn read_body(body: &[u8]) -> Option<(CheckoutInput, Option<String>)> {
    let mut value = crate::http::parse_json(body).ok()?;
    let return_url = match value.as_object_mut()?.remove("return_url") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(url)) => Some(url),
        Some(_) => return None,
    };
    let input = crate::http::from_value::<CheckoutInput>(value).ok()?;
    Some((input, return_url))
}

/// `POST /sessions`.
pub async fn create(edge: &Edge<'_, impl Effects>, request: &Incoming) -> Reply {
    let config = edge.config;
    let Some((input, return_url)) = read_body(&request.body) else {
        return Err(reply::error(400, "invalid_json", "the body is not a JSON checkout").into());
    };
    let lang = Lang::from_tag(input.lang.as_deref().unwrap_or("fr"));
    let checkout = match Checkout::parse(&input) {
        Ok(checkout) => checkout,
        Err(violations) => return Err(refused(violations, lang)),
    };
    let Some(connector) = Connector::of(config, checkout.provider) else {
        let why = config.unavailable(checkout.provider);
        return Err(refused(
            Violation::new(
                "provider_not_available",
                "provider",
                Message::new(
                    format!(
                        "Ce moyen de paiement n'est pas proposé par la boutique ({}).",
                        why.fr
                    ),
                    format!(
                        "The shop does not offer this payment provider ({}).",
                        why.en
                    ),
                ),
            )
            .into(),
            lang,
        ));
    };
    if config.session_keys.is_empty() {
        return Err(unset("GUICHET_SESSION_SECRET"));
    }
    let Some(public_url) = config.public_url.as_deref() else {
        return Err(unset("GUICHET_PUBLIC_URL"));
    };
    let return_url = match shopper_return_url(edge, return_url.as_deref()) {
        Ok(url) => url,
        Err(violation) => return Err(refused(violation.into(), lang)),
    };

    let id = new_id("gs");
    let (order, order_id) = price(edge, &checkout, &id, lang).await?;
    let now = edge.runtime.now();
    let (base, provider) = (&config.base_path, checkout.provider);
    let payment = PaymentRequest {
        customer: checkout.customer.clone(),
        lang: checkout.lang,
        return_url: [
            public_url,
            base,
            "/return/",
            provider.as_str(),
            "?session=",
            &id,
        ]
        .concat(),
        notify_url: [public_url, base, "/webhooks/", provider.as_str()].concat(),
        channels: checkout.channels.clone(),
        methods: checkout.methods.clone(),
        metadata: checkout.metadata.clone(),
        order,
    };
    let provider_request = match connector.initialize_payment(&payment) {
        Ok(request) => request,
        Err(violations) => return Err(refused(violations, lang)),
    };
    let session = SessionRecord {
        id: id.clone(),
        provider: checkout.provider,
        order_id,
        amount: payment.order.amount.minor(),
        currency: payment.order.amount.currency(),
        description: payment.order.description.clone(),
        status: PaymentStatus::Pending,
        provider_ref: None,
        provider_status: None,
        checkout_url: None,
        paid_amount: None,
        return_url,
        lang: checkout.lang,
        created_at: now,
        updated_at: now,
        expires_at: now + config.session_ttl,
        metadata: (!checkout.metadata.is_empty())
            .then(|| serde_json::to_string(&checkout.metadata).ok())
            .flatten(),
    };
    edge.ledger.create_session(&session).await?;
    let created = ask(
        edge,
        checkout.provider,
        &provider_request,
        Retry::CREATE,
        |response| connector.read_created_payment(response, &id),
    )
    .await;
    let created = match created.and_then(|created| accept_checkout_url(checkout.provider, created))
    {
        Ok(created) => created,
        Err(error) => {
            let failed = StatusChange {
                event_key: format!("{}:{id}:initialize", checkout.provider),
                source: EventSource::Poll,
                status: PaymentStatus::Failed,
                provider_status: format!("initialize: {}", error.code),
                paid_amount: None,
                at: edge.runtime.now(),
            };
            // The session is dead either way; failing to note it changes nothing (the
            // sweep expires it).
            let _ = events::apply_session(edge, &session, &failed).await;
            return Err(reply::provider_error(&error, lang).into());
        }
    };
    if let Some(anomaly) =
        reference_taken(edge, checkout.provider, &created.provider_ref, &id).await
    {
        return Err(anomaly.into());
    }
    match edge
        .ledger
        .attach_payment(&id, &created.provider_ref, &created.checkout_url, now)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            return Err(
                reply::error(409, "session_conflict", "the session already has a payment").into(),
            )
        }
        Err(error) => {
            // A ledger that keeps references unique refuses the second one itself; the
            // same answer as above, whichever got there first.
            if let Some(anomaly) =
                reference_taken(edge, checkout.provider, &created.provider_ref, &id).await
            {
                return Err(anomaly.into());
            }
            return Err(error.into());
        }
    }
    let claims = Claims {
        session_id: id,
        provider: session.provider,
        amount: session.amount,
        currency: session.currency,
        expires_at: session.expires_at,
    };
    let Some(token) = config.session_keys.sign(&claims) else {
        return Err(unset("GUICHET_SESSION_SECRET"));
    };
    let session = SessionRecord {
        provider_ref: Some(created.provider_ref),
        checkout_url: Some(created.checkout_url),
        ..session
    };
    Ok(view(&session, Some(&token)).answer(201))
}

/// The 422 for what the shopper sent, as a route's failure: one out-of-line copy for the
/// checkout's rules, the provider's, the return address's and the order's.
#[inline(never)]
fn refused(violations: Violations, lang: Lang) -> Failure {
    reply::invalid(&violations, lang).into()
}

/// A setting the route needs is not set, as a route's failure (four sites).
#[inline(never)]
fn unset(setting: &str) -> Failure {
    reply::not_configured(setting).into()
}

/// `GET /sessions/:id` without a token for this session (two sites).
#[inline(never)]
fn invalid_token() -> Failure {
    reply::error(401, "invalid_token", "a valid session token is required").into()
}

/// The provider's hosted page, refused (as a provider anomaly) unless it is an http(s)
/// URL without control characters: it is sent to the browser and followed.
fn accept_checkout_url(
    provider: Provider,
    created: crate::providers::CreatedPayment,
) -> Result<crate::providers::CreatedPayment, crate::providers::ProviderError> {
    if is_clean_url(&created.checkout_url) {
        return Ok(created);
    }
    Err(super::gateway::failure(
        provider,
        "invalid_checkout_url",
        "the provider's checkout URL is not an http(s) URL",
        false,
    ))
}

/// A `502 provider_anomaly` when the provider gave `provider_ref` to another of our
/// sessions already: two sessions must never share one payment.
async fn reference_taken(
    edge: &Edge<'_, impl Effects>,
    provider: Provider,
    provider_ref: &str,
    id: &str,
) -> Option<HttpResponse> {
    match edge
        .ledger
        .session_by_provider_ref(provider, provider_ref)
        .await
    {
        Ok(Some(other)) if other.id != id => Some(reply::provider_anomaly(
            provider,
            &format!(
                "payment reference {provider_ref} was given for session {id} and session {} before",
                other.id
            ),
        )),
        _ => None,
    }
}

/// The order to pay, priced here: from the catalog, or from an order the merchant's
/// servers registered. The browser never names a price.
async fn price(
    edge: &Edge<'_, impl Effects>,
    checkout: &Checkout,
    id: &str,
    lang: Lang,
) -> Result<(crate::domain::Order, Option<String>), Failure> {
    match &checkout.basket {
        Basket::Items(lines) => {
            let catalog = match &edge.config.catalog {
                Some(Ok(catalog)) => catalog,
                Some(Err(why)) => return Err(reply::error(500, "not_configured", why).into()),
                None => return Err(reply::not_configured("GUICHET_CATALOG").into()),
            };
            match catalog.price(id, lines, lang) {
                Ok(order) => Ok((order, None)),
                Err(violations) => Err(refused(violations, lang)),
            }
        }
        Basket::Order(order_id) => {
            let Some(order) = edge.ledger.order(order_id).await? else {
                return Err(refused(
                    Violation::fixed(
                        "unknown_order",
                        "order_id",
                        "Cette commande est introuvable.",
                        "This order does not exist.",
                    )
                    .into(),
                    lang,
                ));
            };
            if edge.ledger.order_is_paid(&order.id).await? {
                return Err(reply::error(
                    409,
                    "order_already_paid",
                    "this order has been paid already",
                )
                .into());
            }
            let amount = Money::from_minor(order.amount, order.currency)
                .map_err(|e| refused(e.violation("amount").into(), lang))?;
            let order_record = crate::domain::Order {
                reference: id.to_owned(),
                description: order.description.clone(),
                items: Vec::new(),
                amount,
            };
            Ok((order_record, Some(order.id)))
        }
    }
}

/// The page the shopper returns to: given by the shop when its origin is one we serve
/// (never an open redirect), else the merchant's default.
fn shopper_return_url(
    edge: &Edge<'_, impl Effects>,
    asked: Option<&str>,
) -> Result<String, Violation> {
    let config = edge.config;
    // Only spaces are trimmed: a control character anywhere (`\r`, `\n`, `\0`) refuses
    // the address, it is never quietly cut off.
    let Some(asked) = asked.map(|u| u.trim_matches(' ')).filter(|u| !u.is_empty()) else {
        return Ok(config
            .return_url
            .clone()
            .or_else(|| {
                config
                    .public_url
                    .as_ref()
                    .map(|u| origin_of(u).to_owned() + "/")
            })
            .unwrap_or_else(|| "/".to_owned()));
    };
    let origin = origin_of(asked);
    let ours = config.public_url.as_deref().map(origin_of);
    let allowed = is_clean_url(asked) && (config.allows_origin(origin) || ours == Some(origin));
    if allowed {
        Ok(asked.to_owned())
    } else {
        Err(Violation::fixed(
            "return_url_not_allowed",
            "return_url",
            "Cette adresse de retour n'appartient pas à la boutique.",
            "This return address does not belong to the shop.",
        ))
    }
}

/// `GET /sessions/:id`, with the session's token, or the admin key (which also reads
/// the order's reference, the metadata and the provider's reference).
pub async fn show(edge: &Edge<'_, impl Effects>, request: &Incoming, id: &str) -> Reply {
    let now = edge.runtime.now();
    let admin = match (edge.config.admin_key.as_ref(), request.bearer()) {
        (Some(key), Some(token)) => key.matches(token),
        _ => false,
    };
    let claims = request
        .bearer()
        .filter(|_| !admin)
        .and_then(|token| edge.config.session_keys.verify(token, now));
    let claims = claims.filter(|c| c.session_id == id);
    if claims.is_none() && !admin {
        return Err(invalid_token());
    }
    let Some(session) = edge.ledger.session(id).await? else {
        return Err(reply::error(404, "not_found", "no such session").into());
    };
    if let Some(claims) = &claims {
        if session.amount != claims.amount || session.currency != claims.currency {
            return Err(invalid_token());
        }
    }
    let session = refresh(edge, session).await?;
    let history = edge.ledger.events(&session.id).await?;
    if admin {
        let reference = match session.order_id.as_deref() {
            Some(order_id) => edge.ledger.order(order_id).await?.map(|o| o.reference),
            None => None,
        };
        let mut json = Json::object();
        events::session_data(
            &mut json,
            &session,
            reference.as_deref(),
            Some(&history),
            None,
        );
        return Ok(json.answer(200));
    }
    let mut json = view(&session, None);
    events::history(&mut json, &history, false);
    Ok(json.answer(200))
}

/// Asks the provider about a session that is not final and records the answer; expires
/// it once its time has run out and the provider, asked just now, still says pending. A
/// provider that cannot be reached leaves the session as recorded, expiry included.
pub async fn refresh(
    edge: &Edge<'_, impl Effects>,
    session: SessionRecord,
) -> Result<SessionRecord, super::ledger::LedgerError> {
    if session.status.is_final() {
        return Ok(session);
    }
    // One status call per session every few seconds, shared by the reads that arrive
    // meanwhile; the others answer from the ledger (budget.rs) and leave expiry to the
    // read (or sweep) that asked.
    let answered = match budget::status_turn(&session.id, edge.runtime.now_ms()) {
        StatusTurn::Call(ticket) => {
            let answered = match check_status(edge, &session, EventSource::Poll).await {
                Some(change) => {
                    events::apply_session(edge, &session, &change).await?;
                    true
                }
                // No provider payment was ever recorded: there is nobody to ask.
                None => session.provider_ref.is_none(),
            };
            drop(ticket);
            answered
        }
        StatusTurn::Wait(done) => {
            done.await;
            false
        }
        StatusTurn::Recent => false,
    };
    let current = edge.ledger.session(&session.id).await?.unwrap_or(session);
    if answered {
        expire_if_due(edge, current).await
    } else {
        Ok(current)
    }
}

/// Expires a session still pending past `expires_at`; call it only right after the
/// provider said pending (or when there is no provider payment to ask about).
pub async fn expire_if_due(
    edge: &Edge<'_, impl Effects>,
    current: SessionRecord,
) -> Result<SessionRecord, super::ledger::LedgerError> {
    let now = edge.runtime.now();
    if current.status != PaymentStatus::Pending || now < current.expires_at {
        return Ok(current);
    }
    let expiry = StatusChange {
        event_key: format!("{}:{}:expired", current.provider, current.id),
        source: EventSource::Expiry,
        status: PaymentStatus::Expired,
        provider_status: current.provider_status.clone().unwrap_or_default(),
        paid_amount: None,
        at: now,
    };
    events::apply_session(edge, &current, &expiry).await?;
    Ok(edge.ledger.session(&current.id).await?.unwrap_or(current))
}

/// The provider's status call for a session, settled by `connector::settle`, as a change to apply.
/// `None` when the session has no payment yet or the provider could not say.
pub async fn check_status(
    edge: &Edge<'_, impl Effects>,
    session: &SessionRecord,
    source: EventSource,
) -> Option<StatusChange> {
    let connector = Connector::of(edge.config, session.provider)?;
    let provider_ref = session.provider_ref.as_deref()?;
    let request = connector.check_payment(provider_ref)?;
    let checked = ask(
        edge,
        session.provider,
        &request,
        match source {
            EventSource::Webhook => Retry::NOTIFIED,
            EventSource::Poll | EventSource::Expiry => Retry::READ,
        },
        |response| connector.read_payment_check(provider_ref, response),
    )
    .await
    .ok()?;
    let due = Money::from_minor(session.amount, session.currency).ok()?;
    let status = settle(&checked, provider_ref, &session.id, due);
    // What was paid, once the provider says the payment went through (a success, or an
    // underpayment settled as failed): a pending or refused payment paid nothing.
    let paid = checked.status == PaymentStatus::Succeeded && status.is_final();
    let paid_amount = checked
        .amount
        .filter(|amount| paid && amount.currency() == session.currency)
        .map(Money::minor);
    Some(StatusChange {
        event_key: format!("{}:{provider_ref}:{}", session.provider, status.as_str()),
        source,
        status,
        provider_status: checked.provider_status,
        paid_amount,
        at: edge.runtime.now(),
    })
}

/// `GET|POST /return/:provider?session=<id>`: the provider sends the shopper's browser
/// here (CinetPay with a form POST a static page could not read); we send it on to the
/// shop's return page with the provider's parameters and `guichet_session`. Nothing is
/// settled here: the page asks `GET /sessions/:id`.
pub async fn back_to_shop(
    edge: &Edge<'_, impl Effects>,
    request: &Incoming,
    provider: Provider,
) -> Reply {
    use crate::form;
    let query = form::decode(request.query.as_bytes()).unwrap_or_default();
    let Some(id) = param(&query, "session").map(str::to_owned) else {
        return Err(reply::error(400, "missing_session", "the return URL names no session").into());
    };
    let Some(session) = edge
        .ledger
        .session(&id)
        .await?
        .filter(|session| session.provider == provider)
    else {
        return Err(reply::error(404, "not_found", "no such session").into());
    };
    let posted = match request.method.as_str() {
        "POST" => form::decode(&request.body).unwrap_or_default(),
        _ => Vec::new(),
    };
    let location = return_address(&session.return_url, &query, &posted, &session.id);
    let mut response = HttpResponse::new(303, Vec::new());
    response.headers.push(("location".into(), location));
    response
        .headers
        .push(("cache-control".into(), "no-store".into()));
    Ok(response)
}

/// The shop's page, its fragment dropped, then the provider's parameters (not ours),
/// CinetPay's posted `transaction_id` and `token` (only those), and `guichet_session`,
/// form-encoded straight into the address.
#[inline]
fn return_address(
    return_url: &str,
    query: &[(String, String)],
    posted: &[(String, String)],
    id: &str,
) -> String {
    let base = return_url.split('#').next().unwrap_or_default();
    let mut location = String::from(base);
    location.push(if base.as_bytes().contains(&b'?') {
        '&'
    } else {
        '?'
    });
    let mut first = true;
    let mut add = |name: &str, value: &str| {
        if !first {
            location.push('&');
        }
        first = false;
        crate::form::encode_component(name, &mut location);
        location.push('=');
        crate::form::encode_component(value, &mut location);
    };
    for (name, value) in query {
        if name != "session" {
            add(name, value);
        }
    }
    for (name, value) in posted {
        if matches!(name.as_str(), "transaction_id" | "token") {
            add(name, value);
        }
    }
    add("guichet_session", id);
    location
}

#[cfg(test)]
mod tests {
    use super::{read_body, return_address};

    #[test]
    fn the_body_is_read_once_for_the_checkout_and_the_return_page() {
        let body = br#"{"provider":"moneroo","lang":"en","return_url":"https://shop.ci/r"}"#;
        let (input, return_url) = read_body(body).expect("a checkout");
        assert_eq!(input.provider.as_deref(), Some("moneroo"));
        assert_eq!(input.lang.as_deref(), Some("en"));
        assert_eq!(return_url.as_deref(), Some("https://shop.ci/r"));
        for body in [&br#"{"return_url":null}"#[..], b"{}"] {
            assert_eq!(read_body(body).expect("a checkout").1, None);
        }
        // What the two readers refused before, refused the same.
        for body in [
            &b"not json"[..],
            b"[]",
            b"\"text\"",
            br#"{"return_url":1}"#,
            br#"{"lang":["en"]}"#,
            br#"{"provider":7}"#,
            br#"{"a":1}{"b":2}"#,
        ] {
            assert!(
                read_body(body).is_none(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn the_return_address_reads_as_before() {
        // What back_to_shop wrote before: the pairs gathered, encoded, then appended.
        fn before(
            return_url: &str,
            query: &[(String, String)],
            posted: &[(String, String)],
            id: &str,
        ) -> String {
            let mut params: Vec<(String, String)> = Vec::new();
            for (name, value) in query {
                if name != "session" {
                    params.push((name.clone(), value.clone()));
                }
            }
            for (name, value) in posted {
                if matches!(name.as_str(), "transaction_id" | "token") {
                    params.push((name.clone(), value.clone()));
                }
            }
            params.push(("guichet_session".to_owned(), id.to_owned()));
            let encoded = crate::form::encode(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let base = return_url.split('#').next().unwrap_or_default();
            let separator = if base.contains('?') { '&' } else { '?' };
            format!("{base}{separator}{encoded}")
        }
        let urls = [
            "https://shop.ci/r",
            "https://shop.ci/r?x=1",
            "https://shop.ci/r#top",
            "https://shop.ci/r?x=1#a?b",
            "/",
            "",
        ];
        let names = [
            "session",
            "token",
            "transaction_id",
            "a b",
            "é&=",
            "",
            "status",
        ];
        let values = ["", "1", "a b+c", "%20", "é/?#&=", "gs-1"];
        let mut state = 0x2545_f491_u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let pairs = |n: usize, next: &mut dyn FnMut(usize) -> usize| -> Vec<(String, String)> {
            (0..n)
                .map(|_| {
                    (
                        names[next(names.len())].to_owned(),
                        values[next(values.len())].to_owned(),
                    )
                })
                .collect()
        };
        for _ in 0..500 {
            let url = urls[next(urls.len())];
            let (q, p) = (next(4), next(4));
            let query = pairs(q, &mut next);
            let posted = pairs(p, &mut next);
            let id = values[next(values.len())];
            assert_eq!(
                return_address(url, &query, &posted, id),
                before(url, &query, &posted, id)
            );
        }
    }
}
