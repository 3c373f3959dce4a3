//! MoneyFusion payments: the checkout request (`POST <merchant API URL>`), its answer, the
//! status call (`GET /paiementNotif/<token>`) and the token of the return URL.

use core::fmt;

use serde_json::{Map, Value};

use super::wire::{
    MoneyFusionPaymentRequest, MoneyFusionPaymentResponse, MoneyFusionPaymentStatus,
    MoneyFusionStatusResponse,
};
use super::{invalid_url, is_http_url, is_success, json_post, MoneyFusion};
use crate::domain::validation::{decimal, indexed, join, text};
use crate::domain::{Message, Money, MoneyError, Order, PaymentStatus, Violation, Violations};
use crate::http::json_text::{push_str, push_u64};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::providers::{CheckedPayment, CreatedPayment, PaymentRequest, ProviderError};

/// Longest article name we send. MoneyFusion publishes no limit; its hosted page lists
/// articles on one line each, so we keep them short.
pub const ARTICLE_NAME_MAX: usize = 100;

/// The key of the `personal_Info` object that carries our reference. It is the first
/// object we send, so it is found first when MoneyFusion echoes the array back.
pub const REFERENCE_KEY: &str = "reference";

impl From<MoneyFusionPaymentStatus> for PaymentStatus {
    /// Every MoneyFusion word, one decision each:
    ///
    /// - `pending` is `Pending`; so is a word we do not know (`Unknown`): the session
    ///   stays open and a later status call decides, rather than finalizing on a guess.
    /// - `paid` is `Succeeded`, before the amount check of [`CheckedPayment::settle`].
    /// - `failure` (the docs) and `failed` (the `fusionpay` client) are both `Failed`.
    /// - `no paid` is `Cancelled`: MoneyFusion's docs say "Paiement non effectué", the
    ///   session ended without any payment, which is the shopper leaving or cancelling on
    ///   the hosted page (the `payin.session.cancelled` event), not a declined payment.
    fn from(status: MoneyFusionPaymentStatus) -> Self {
        match status {
            MoneyFusionPaymentStatus::Pending => PaymentStatus::Pending,
            MoneyFusionPaymentStatus::Paid => PaymentStatus::Succeeded,
            MoneyFusionPaymentStatus::Failure => PaymentStatus::Failed,
            MoneyFusionPaymentStatus::Failed => PaymentStatus::Failed,
            MoneyFusionPaymentStatus::NoPaid => PaymentStatus::Cancelled,
            MoneyFusionPaymentStatus::Unknown(_) => PaymentStatus::Pending,
        }
    }
}

/// A MoneyFusion payment token (`tokenPay`). Checked to be 1 to 128 of `A-Z a-z 0-9 _ -`,
/// so a token from a return URL or a notification can be put in a URL path safely.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PaymentToken(String);

impl PaymentToken {
    /// Checks a token.
    pub fn parse(token: &str) -> Option<PaymentToken> {
        let token = token.trim();
        let ok = (1..=128).contains(&token.len())
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'));
        ok.then(|| PaymentToken(token.to_owned()))
    }

    /// The token.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PaymentToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl MoneyFusion {
    /// Checks a payment against MoneyFusion's rules and builds the request body, reporting
    /// every problem at once with the field paths of `POST /sessions`:
    ///
    /// - `customer.phone` (`numeroSend`) and a name (`nomclient`, from
    ///   `customer.first_name` / `customer.last_name`) are required;
    /// - the amount is a whole number of major units in the account's currency, above zero;
    /// - each article has a name (`items[i].name`) and the articles add up to the amount
    ///   (`amount`); an order without items needs a `description`, its one article;
    /// - `reference`, `return_url` and `notify_url` are present.
    pub fn payment_body(
        &self,
        request: &PaymentRequest,
    ) -> Result<MoneyFusionPaymentRequest, Violations> {
        let checked = self.checked_payment(request)?;
        let mut ours = Map::new();
        ours.insert(REFERENCE_KEY.to_owned(), Value::String(checked.reference));
        let mut personal_info = vec![ours];
        if !request.metadata.is_empty() {
            let mut theirs = Map::new();
            for (k, v) in request.metadata.iter() {
                theirs.insert(k.to_owned(), Value::String(v.to_owned()));
            }
            personal_info.push(theirs);
        }
        let mut article = Vec::with_capacity(checked.lines.len());
        for (name, price) in checked.lines {
            let mut line = Map::new();
            line.insert(name, Value::from(price));
            article.push(line);
        }
        Ok(MoneyFusionPaymentRequest {
            total_price: checked.total.into(),
            article,
            numero_send: checked.numero_send,
            nomclient: checked.nomclient,
            personal_info,
            return_url: Some(request.return_url.clone()),
            webhook_url: Some(request.notify_url.clone()),
        })
    }

    /// [`MoneyFusion::payment_body`]'s checks, every problem at once; the body's parts.
    fn checked_payment(&self, request: &PaymentRequest) -> Result<CheckedBody, Violations> {
        let mut found = Violations::new();
        let order = &request.order;

        let numero_send = match &request.customer.phone {
            Some(phone) => Some(numero_send(phone)),
            None => {
                found.push(Violation::required("customer.phone"));
                None
            }
        };
        let nomclient = request.customer.full_name();
        if nomclient.is_none() {
            found.push(Violation::required("customer.first_name"));
            found.push(Violation::required("customer.last_name"));
        }
        let reference = text(Some(&order.reference), "reference", true, 200, &mut found);
        let total = major_units(order.amount, self.config.currency, "amount", &mut found);
        let lines = articles(order, total, self.config.currency, &mut found);
        check_url(&request.return_url, "return_url", &mut found);
        check_url(&request.notify_url, "notify_url", &mut found);

        let (Some(numero_send), Some(nomclient), Some(reference), Some(total), Some(lines)) =
            (numero_send, nomclient, reference, total, lines)
        else {
            return Err(found);
        };
        if !found.is_empty() {
            return Err(found);
        }
        Ok(CheckedBody {
            total,
            lines,
            numero_send,
            nomclient,
            reference,
        })
    }

    /// The checked payment as `POST <API URL>` with a JSON body. No auth header: the URL
    /// is the credential, and MoneyFusion also filters by the server's IP.
    pub fn initialize_payment(&self, request: &PaymentRequest) -> Result<HttpRequest, Violations> {
        let checked = self.checked_payment(request)?;
        Ok(json_post(
            self.config.api_url.expose(),
            checked.to_json(request),
        ))
    }

    /// Reads the answer to [`MoneyFusion::initialize_payment`]: the token becomes
    /// `provider_ref`, `url` the checkout page. `statut: false` is an error: code
    /// `unauthorized_ip` when MoneyFusion refuses the server's IP or the application (not
    /// retryable: the dashboard must change), `rejected` otherwise; 429 and 5xx are
    /// retryable.
    pub fn read_created_payment(
        &self,
        response: &HttpResponse,
    ) -> Result<CreatedPayment, ProviderError> {
        let body: MoneyFusionPaymentResponse = self.read(response)?;
        if !(body.statut && is_success(response.status)) {
            return Err(self.refusal(response.status, body.message.as_deref()));
        }
        let token = body.token.as_deref().and_then(PaymentToken::parse);
        let url = body.url.filter(|u| is_http_url(u));
        match (token, url) {
            (Some(token), Some(url)) => Ok(CreatedPayment {
                provider_ref: token.0,
                checkout_url: url,
            }),
            _ => Err(self.bad_response(
                response.status,
                "the answer has no usable token or payment page",
            )),
        }
    }

    /// `GET <status base>/paiementNotif/<token>`, no auth.
    pub fn check_payment(&self, token: &PaymentToken) -> HttpRequest {
        HttpRequest::new(
            Method::Get,
            format!("{}/paiementNotif/{}", self.config.status_base_url, token),
        )
        .header("Accept", "application/json")
    }

    /// Reads the answer to [`MoneyFusion::check_payment`] for `token`. The amount is
    /// `data.Montant` in the account's currency (number or string); the reference is the
    /// one we put in `personal_Info`. An answer about another token, or a `paid` answer
    /// without a readable amount, is `bad_response`: better to ask again than to settle on
    /// it.
    pub fn read_payment_check(
        &self,
        token: &PaymentToken,
        response: &HttpResponse,
    ) -> Result<CheckedPayment, ProviderError> {
        let body: MoneyFusionStatusResponse = self.read(response)?;
        let data = match body.data {
            Some(data) if body.statut && is_success(response.status) => data,
            _ => {
                return Err(if response.status == 404 {
                    self.error("not_found", body.message.as_deref(), Some(404), false)
                } else {
                    self.refusal(response.status, body.message.as_deref())
                })
            }
        };
        if data.token_pay.trim() != token.as_str() {
            return Err(self.bad_response(response.status, "the answer is about another token"));
        }
        let provider_status = data.statut.as_str().to_owned();
        let status = PaymentStatus::from(data.statut);
        let amount = data
            .montant
            .as_ref()
            .and_then(|m| m.to_money(self.config.currency).ok());
        if status == PaymentStatus::Succeeded && amount.is_none() {
            return Err(self.bad_response(response.status, "a paid answer without its amount"));
        }
        Ok(CheckedPayment {
            provider_ref: token.as_str().to_owned(),
            status,
            provider_status,
            amount,
            reference: reference_in(&data.personal_info),
        })
    }
}

/// A payment that passed [`MoneyFusion::payment_body`]'s checks: the parts of its body.
struct CheckedBody {
    total: u64,
    /// One `(name, price)` per article.
    lines: Vec<(String, u64)>,
    numero_send: String,
    nomclient: String,
    reference: String,
}

impl CheckedBody {
    /// The body, byte for byte as serde_json writes [`MoneyFusionPaymentRequest`] (the
    /// fields in their order, the objects' keys sorted as in serde_json's `Map`), written
    /// straight into one buffer: building that `Map` and `Value`s to serialize them once
    /// cost ~14,000 instructions per payment (issue #18 round 10).
    fn to_json(&self, request: &PaymentRequest) -> Vec<u8> {
        // The texts and the fixed parts: one allocation unless some text needs escapes.
        let texts: usize = self
            .lines
            .iter()
            .map(|(name, _)| name.len() + 24)
            .sum::<usize>()
            + request
                .metadata
                .iter()
                .map(|(k, v)| k.len() + v.len() + 6)
                .sum::<usize>()
            + self.numero_send.len()
            + self.nomclient.len()
            + self.reference.len()
            + request.return_url.len()
            + request.notify_url.len();
        let mut out = Vec::with_capacity(texts + 160);
        out.extend_from_slice(b"{\"totalPrice\":");
        push_u64(&mut out, self.total);
        out.extend_from_slice(b",\"article\":[");
        for (i, (name, price)) in self.lines.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.push(b'{');
            push_str(&mut out, name);
            out.push(b':');
            push_u64(&mut out, *price);
            out.push(b'}');
        }
        out.extend_from_slice(b"],\"numeroSend\":");
        push_str(&mut out, &self.numero_send);
        out.extend_from_slice(b",\"nomclient\":");
        push_str(&mut out, &self.nomclient);
        // `{"reference":...}`: [`REFERENCE_KEY`] needs no escape.
        out.extend_from_slice(b",\"personal_Info\":[{\"reference\":");
        push_str(&mut out, &self.reference);
        out.push(b'}');
        if !request.metadata.is_empty() {
            // `Metadata` iterates its keys sorted and once each, as `Map` writes them.
            out.extend_from_slice(b",{");
            for (i, (key, value)) in request.metadata.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                push_str(&mut out, key);
                out.push(b':');
                push_str(&mut out, value);
            }
            out.push(b'}');
        }
        out.extend_from_slice(b"],\"return_url\":");
        push_str(&mut out, &request.return_url);
        out.extend_from_slice(b",\"webhook_url\":");
        push_str(&mut out, &request.notify_url);
        out.push(b'}');
        out
    }
}

/// `numeroSend`: the national number as shoppers type it in their own country
/// (`0701020304` in Côte d'Ivoire, `771234567` in Sénégal), without `+` or country code.
/// MoneyFusion's docs and dashboards show that form (`01010101`), and the shopper picks
/// the country and operator on the hosted page, which would not expect a second country
/// code. A number outside the plans we know goes as its E.164 text (`+33612345678`),
/// the only form we can be sure of.
pub fn numero_send(phone: &crate::domain::Phone) -> String {
    match phone.dial_code() {
        Some(_) => phone.national_number().to_owned(),
        None => phone.as_str().to_owned(),
    }
}

/// The articles: one `{name: price}` object per line, so two lines with the same name
/// never collide (the `fusionpay` client does the same); `name × quantity` when more than
/// one unit. An order without lines is one article named after its description. `None`
/// (with violations) when a name is unusable or the lines do not add up to `total`.
fn articles(
    order: &Order,
    total: Option<u64>,
    currency: crate::domain::Currency,
    found: &mut Violations,
) -> Option<Vec<(String, u64)>> {
    let before = found.len();
    let mut lines: Vec<(String, u64)> = Vec::with_capacity(order.items.len().max(1));
    if order.items.is_empty() {
        let name = text(
            Some(&order.description),
            "description",
            true,
            ARTICLE_NAME_MAX,
            found,
        );
        if let (Some(name), Some(total)) = (name, total) {
            lines.push((name, total));
        }
    }
    for (i, item) in order.items.iter().enumerate() {
        // The line's path is built only for a violation: a payment that passes builds none.
        let at = || indexed("items", i);
        let mut seen = Violations::new();
        let name = text(Some(&item.name), "name", true, ARTICLE_NAME_MAX, &mut seen);
        for mut violation in seen {
            violation.field = join(&at(), "name");
            found.push(violation);
        }
        let price = match item.total().and_then(Money::major_exact) {
            Ok(_) if item.unit_price.currency() != currency => {
                found.push(
                    MoneyError::CurrencyMismatch {
                        left: currency,
                        right: item.unit_price.currency(),
                    }
                    .violation(join(&at(), "unit_price")),
                );
                None
            }
            Ok(price) => Some(price),
            Err(error) => {
                found.push(error.violation(at()));
                None
            }
        };
        if let (Some(name), Some(price)) = (name, price) {
            let key = if item.quantity > 1 {
                let mut key = name;
                key.push_str(" × ");
                key.push_str(&decimal(u64::from(item.quantity)));
                key
            } else {
                name
            };
            lines.push((key, price));
        }
    }
    if found.len() > before {
        return None;
    }
    let total = total?;
    let sum = lines
        .iter()
        .try_fold(0u64, |sum, (_, price)| sum.checked_add(*price));
    if sum != Some(total) {
        found.push(crate::providers::rule(
            "total_mismatch",
            "amount",
            "Le total de la commande ne correspond pas à la somme des articles.",
            "The order total does not match the sum of its items.",
        ));
        return None;
    }
    Some(lines)
}

/// The amount as MoneyFusion takes it: whole major units of `currency` (the account's, or
/// XOF for withdrawals; the API has no currency field), above zero.
pub(crate) fn major_units(
    amount: Money,
    currency: crate::domain::Currency,
    field: &str,
    found: &mut Violations,
) -> Option<u64> {
    if amount.currency() != currency {
        found.push(Violation::new(
            "unsupported_currency",
            field,
            Message::new(
                format!("MoneyFusion n'accepte que des montants en {currency}."),
                format!("MoneyFusion only takes amounts in {currency}."),
            ),
        ));
        return None;
    }
    let before = found.len();
    Order::check_amount(amount, field, found);
    if found.len() > before {
        return None;
    }
    match amount.major_exact() {
        Ok(major) => Some(major),
        Err(error) => {
            found.push(error.violation(field));
            None
        }
    }
}

fn check_url(url: &str, field: &str, found: &mut Violations) {
    if url.trim().is_empty() {
        found.push(Violation::required(field));
    } else if !is_http_url(url) {
        found.push(invalid_url(field));
    }
}

/// Our reference, from the first `personal_Info` object that carries [`REFERENCE_KEY`].
fn reference_in(personal_info: &[Value]) -> Option<String> {
    personal_info.iter().find_map(|info| {
        info.get(REFERENCE_KEY)
            .and_then(Value::as_str)
            .map(str::to_owned)
    })
}

/// The token MoneyFusion appends to the return URL (`return_url?token=<token>`). It is a
/// hint of which payment to ask about, never proof of payment. Also read when
/// MoneyFusion appends `?token=` to a URL that already had a query
/// (`/return?session=s1?token=t`). `None` when absent, malformed or given twice with two
/// values.
pub fn token_from_return_url(url: &str) -> Option<PaymentToken> {
    let without_fragment = url.split('#').next().unwrap_or(url);
    let (_, query) = without_fragment.split_once('?')?;
    let mut token: Option<PaymentToken> = None;
    for pair in query.split(['&', '?']) {
        let Some(("token", value)) = pair.split_once('=') else {
            continue;
        };
        let value = PaymentToken::parse(&percent_decode(value)?)?;
        match &token {
            Some(seen) if *seen != value => return None,
            _ => token = Some(value),
        }
    }
    token
}

/// Decodes `%XX` escapes and `+`; `None` for a broken escape or non-UTF-8 bytes.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = core::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
#[path = "payment_tests.rs"]
mod tests;
