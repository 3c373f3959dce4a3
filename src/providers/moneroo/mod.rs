//! Moneroo: payments, payouts, webhooks and method catalogs.
//!
//! Every function here is pure: builders return the [`HttpRequest`] to send, readers take
//! the [`HttpResponse`] that came back. The edge sends through its
//! [`crate::http::Transport`]. What each call sends and accepts follows the Moneroo section
//! of docs/PROVIDERS.md; the provider's own JSON lives in [`wire`].
//!
//! A payment, end to end:
//! 1. [`initialize_payment`] checks the request against Moneroo's rules (every problem at
//!    once, as [`Violations`]) and builds
//!    `POST /v1/payments/initialize`; [`read_created_payment`] reads the hosted page.
//! 2. The shopper comes back with `paymentId` in the return URL: [`read_return`] finds the
//!    session, and never decides the outcome.
//! 3. [`check_payment`] + [`read_payment_check`] give the status to trust; notifications
//!    ([`read_webhook`]) only say when to ask again.
//!
//! Payouts ([`initialize_payout`], [`check_payout`], [`read_payout_check`]) and method
//! catalogs ([`payment_methods`], [`payout_methods`], [`read_methods`]) work the same way.

mod catalog;
mod error;
mod payment;
mod payout;
mod webhook;
pub mod wire;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::domain::order::Entries;
use crate::domain::{Currency, Message, Money, Provider, Violation, Violations};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::providers::ProviderError;
use crate::secret::SecretKey;

pub use catalog::{find_method, payment_methods, payout_methods, read_methods};
pub use error::{read_error, read_field_errors, retry_after, RATE_LIMIT_WAIT_SECONDS};
pub use payment::{
    check_methods, check_payment, initialize_payment, payment_status, read_created_payment,
    read_payment, read_payment_check, read_return, retrieve_payment, validate_payment,
    MonerooPaymentOptions, MonerooReturn, RestrictedPhoneInput, REFERENCE_KEY,
};
pub use payout::{
    check_payout, initialize_payout, payout_status, prepare_payout, read_created_payout,
    read_payout_check, retrieve_payout, validate_payout, CreatedPayout, PayoutRecipientInput,
    PayoutRequest, DEMO_METHOD, PAYOUT_ID_KEY,
};
pub use webhook::{
    read_webhook, sign_webhook, verify_webhook, MonerooEvent, MonerooWebhook, WebhookError,
    SIGNATURE_HEADER,
};

/// Moneroo's API, used unless the configuration points elsewhere (the sandbox, tests).
pub const DEFAULT_BASE_URL: &str = "https://api.moneroo.io";

/// What the edge needs to talk to Moneroo: `MONEROO_SECRET_KEY`,
/// `MONEROO_WEBHOOK_SECRET` and `MONEROO_BASE_URL`.
#[derive(Debug, Clone)]
pub struct MonerooKeys {
    /// The API secret key, sent as `Authorization: Bearer`; `None` when it was blank, and
    /// then requests go without it and Moneroo answers 401.
    pub secret_key: Option<SecretKey>,
    /// The key notifications are signed with; `None` when webhooks are not set up, and
    /// then every notification is refused.
    pub webhook_secret: Option<SecretKey>,
    /// The API root without a trailing slash.
    pub base_url: String,
}

impl MonerooKeys {
    /// Keys for Moneroo's own API, without a webhook secret.
    pub fn new(secret_key: impl Into<String>) -> Self {
        MonerooKeys {
            secret_key: SecretKey::new(secret_key),
            webhook_secret: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
        }
    }

    /// Sets the webhook secret; an empty one counts as none.
    pub fn with_webhook_secret(mut self, secret: impl Into<String>) -> Self {
        self.webhook_secret = SecretKey::new(secret);
        self
    }

    /// Points at another API root (the sandbox); an empty one keeps the default.
    pub fn with_base_url(mut self, base_url: &str) -> Self {
        let trimmed = base_url.trim().trim_end_matches('/');
        if !trimmed.is_empty() {
            trimmed.clone_into(&mut self.base_url);
        }
        self
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url.trim_end_matches('/'))
    }

    /// `Authorization: Bearer <secret key>`, when there is one.
    fn authorized(&self, request: HttpRequest) -> HttpRequest {
        match &self.secret_key {
            Some(key) => request.header("Authorization", format!("Bearer {}", key.expose())),
            None => request,
        }
    }

    /// An authenticated JSON request with no body.
    fn get(&self, path: &str) -> HttpRequest {
        self.authorized(HttpRequest::new(Method::Get, self.url(path)))
            .header("Accept", "application/json")
    }

    /// An authenticated JSON request with a body.
    /// (One copy: the callers write their body with [`json_bytes`].)
    fn post(&self, path: &str, body: Vec<u8>) -> HttpRequest {
        self.authorized(HttpRequest::new(Method::Post, self.url(path)))
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .body(body)
    }
}

/// Serializes a wire request. The wire types hold only strings, integers and string
/// maps, which always serialize; should that ever change, an empty body makes Moneroo
/// answer 422 rather than act on half a request.
fn json_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// The metadata as Moneroo's wire types carry it: one copy for the payment and the payout
/// (a `collect` through a `map` closure was one instance each).
fn metadata_entries(metadata: &crate::domain::Metadata) -> Entries {
    let mut entries = Entries::default();
    for (key, value) in metadata.iter() {
        entries.insert(key.to_owned(), value.to_owned());
    }
    entries
}

/// One path segment, percent-encoded so an id cannot reach another route.
fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            // `%XX` uppercase, as `format!("%{byte:02X}")` wrote it (no `UpperHex` for one use).
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

/// Reads `data` from a 2xx envelope, or the error any other answer carries. Only the
/// reading of `data` as `T` is per type: the envelope is read once for all of them.
fn read_data<T: DeserializeOwned>(response: &HttpResponse) -> Result<T, ProviderError> {
    let (success, data) = read_envelope(response)?;
    let data = match data {
        Some(data) => {
            Some(crate::http::from_value::<T>(data).map_err(|e| unreadable(response.status, &e))?)
        }
        None => None,
    };
    if success == Some(false) {
        return Err(read_error(response));
    }
    data.ok_or_else(|| bad_response(response.status, "the answer has no data"))
}

/// A 2xx answer's envelope: its `success` and its `data` not yet read (as the envelope's
/// reader met them: its other fields' errors first, a `null` `data` as none).
fn read_envelope(response: &HttpResponse) -> Result<(Option<bool>, Option<Value>), ProviderError> {
    if !(200..300).contains(&response.status) {
        return Err(read_error(response));
    }
    let envelope: wire::MonerooEnvelope<Value> =
        crate::http::from_json(&response.body).map_err(|e| unreadable(response.status, &e))?;
    Ok((envelope.success, envelope.data))
}

fn unreadable(status: u16, error: &crate::http::JsonError) -> ProviderError {
    bad_response(status, &format!("unreadable answer: {error}"))
}

/// An answer we could not read. Not retryable: the same call would read the same way.
fn bad_response(status: u16, why: &str) -> ProviderError {
    ProviderError {
        provider: Provider::Moneroo,
        code: "bad_response".to_owned(),
        message: error::clean_message(why),
        http_status: Some(status),
        retryable: false,
    }
}

/// Whether Moneroo takes a currency. Listed one by one so a new domain currency forces a
/// decision here. Moneroo's catalog covers XOF, XAF, NGN, GHS, KES, TZS, UGX, RWF, ZMW,
/// MWK, CDF, GNF, ZAR, USD and EUR.
pub fn supports_currency(currency: Currency) -> bool {
    match currency {
        Currency::XOF
        | Currency::XAF
        | Currency::NGN
        | Currency::GHS
        | Currency::KES
        | Currency::TZS
        | Currency::UGX
        | Currency::RWF
        | Currency::ZMW
        | Currency::MWK
        | Currency::CDF
        | Currency::GNF
        | Currency::ZAR
        | Currency::USD
        | Currency::EUR => true,
    }
}

/// Checks an amount Moneroo is to receive: a supported currency, whole major units,
/// above zero. Gives the integer to send.
fn check_amount(amount: Money, found: &mut Violations) -> Option<u64> {
    if !supports_currency(amount.currency()) {
        found.push(Violation::new(
            "unsupported_currency",
            "currency",
            Message::new(
                format!("Moneroo n'accepte pas la devise {}.", amount.currency()),
                format!("Moneroo does not take the currency {}.", amount.currency()),
            ),
        ));
    }
    match amount.major_exact() {
        Ok(0) => {
            crate::domain::Order::check_amount(amount, "amount", found);
            None
        }
        Ok(major) => Some(major),
        Err(error) => {
            found.push(error.violation("amount"));
            None
        }
    }
}

/// The amount of an answer as [`Money`], when both amount and a currency we know are
/// there.
fn answer_money(
    amount: Option<&wire::MonerooInteger>,
    currency: Option<&wire::MonerooCurrency>,
) -> Option<Money> {
    let currency = Currency::from_code(currency?.code())?;
    Money::from_major(amount?.value()?, currency).ok()
}

/// Checks the three customer fields Moneroo requires (payments and payouts alike).
fn required_customer(
    customer: &crate::domain::Customer,
    found: &mut Violations,
) -> Option<(String, String, String)> {
    let mut take = |value: &Option<String>, field: &str| {
        let value = value.as_deref().map(str::trim).filter(|v| !v.is_empty());
        if value.is_none() {
            found.push(Violation::required(field));
        }
        value.map(str::to_owned)
    };
    let email = take(&customer.email, "customer.email");
    let first_name = take(&customer.first_name, "customer.first_name");
    let last_name = take(&customer.last_name, "customer.last_name");
    Some((email?, first_name?, last_name?))
}

/// Checks a free text Moneroo requires (description): present, no control characters.
fn required_text(value: &str, field: &str, max: usize, found: &mut Violations) -> Option<String> {
    crate::domain::validation::text(Some(value), field, true, max, found)
}

/// Checks a method short code: 1 to 40 of `a-z 0-9 _`, as Moneroo writes them.
fn is_method_code(code: &str) -> bool {
    (1..=40).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn invalid_method(field: String) -> Violation {
    crate::providers::rule(
        "invalid_method",
        field,
        "Code de moyen de paiement invalide (par exemple mtn_bj).",
        "Invalid payment method code (for example mtn_bj).",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use wire::{
        MonerooInitializedPayment, MonerooInitializedPayout, MonerooPayment, MonerooPayout,
    };

    /// `read_data` as it was: the envelope read with `data` as `T`, once per type.
    fn read_data_before<T: DeserializeOwned>(response: &HttpResponse) -> Result<T, ProviderError> {
        if !(200..300).contains(&response.status) {
            return Err(read_error(response));
        }
        let envelope: wire::MonerooEnvelope<T> = crate::http::from_json(&response.body)
            .map_err(|e| bad_response(response.status, &format!("unreadable answer: {e}")))?;
        if envelope.success == Some(false) {
            return Err(read_error(response));
        }
        envelope
            .data
            .ok_or_else(|| bad_response(response.status, "the answer has no data"))
    }

    fn same<T: DeserializeOwned + PartialEq + core::fmt::Debug>(response: &HttpResponse) -> bool {
        let new = read_data::<T>(response);
        assert_eq!(
            new,
            read_data_before::<T>(response),
            "{}",
            String::from_utf8_lossy(&response.body)
        );
        new.is_ok()
    }

    #[test]
    fn read_data_answers_as_the_envelope_read_per_type() {
        let successes = [
            "",
            r#""success":true,"#,
            r#""success":false,"#,
            r#""success":"yes","#,
        ];
        let messages = ["", r#""message":"ok","#, r#""message":7,"#];
        let data = [
            "",
            r#""data":null,"#,
            r#""data":3,"#,
            r#""data":"x","#,
            r#""data":[],"#,
            r#""data":{},"#,
            r#""data":{"id":"k4"},"#,
            r#""data":{"id":5},"#,
            r#""data":{"id":"k4","checkout_url":"https://pay.example/k4"},"#,
            r#""data":{"id":"k4","status":"success","amount":1e3,"currency":{"code":"XOF"},"app":{"n":18446744073709551615,"f":-0.5,"i":-7},"payment_phone_number":22997000000},"#,
            r#""data":{"id":"k4","status":"pending","amount":"5000","currency":"XOF","metadata":{"a":"b"},"customer":{"email":"a@b.c"}},"#,
            r#""data":{"id":"k4","status":"failed","amount":-1,"metadata":[1],"capture":7},"#,
        ];
        let mut responses = vec![
            HttpResponse::new(200, "not json"),
            HttpResponse::new(200, "[]"),
            HttpResponse::new(200, ""),
            HttpResponse::new(201, "null"),
        ];
        for status in [200, 201, 422, 500] {
            for success in successes {
                for message in messages {
                    for data in data {
                        let body = format!(r#"{{{success}{message}{data}"errors":null}}"#);
                        responses.push(HttpResponse::new(status, body));
                    }
                }
            }
        }
        let mut read = [0usize; 4];
        for response in &responses {
            read[0] += usize::from(same::<MonerooInitializedPayment>(response));
            read[1] += usize::from(same::<MonerooPayment>(response));
            read[2] += usize::from(same::<MonerooInitializedPayout>(response));
            read[3] += usize::from(same::<MonerooPayout>(response));
        }
        assert_eq!(responses.len(), 580);
        assert!(read.iter().all(|&n| n > 0), "{read:?}");
    }

    #[test]
    fn path_segments_escape_every_byte_as_format_did() {
        for byte in 0..=255u8 {
            let text = String::from_utf8_lossy(&[b'a', byte, b'~']).into_owned();
            let mut before = String::new();
            for b in text.bytes() {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                    before.push(char::from(b));
                } else {
                    before.push_str(&format!("%{b:02X}"));
                }
            }
            assert_eq!(path_segment(&text), before, "{byte}");
        }
        assert_eq!(path_segment("é/€"), "%C3%A9%2F%E2%82%AC");
    }

    #[test]
    fn path_segments_cannot_escape_the_route() {
        assert_eq!(path_segment("k4su1ii7abdz"), "k4su1ii7abdz");
        assert_eq!(path_segment("../v1/payouts"), "..%2Fv1%2Fpayouts");
        assert_eq!(path_segment("a b?c"), "a%20b%3Fc");
    }

    #[test]
    fn base_url_loses_its_trailing_slash_and_keeps_the_default_when_empty() {
        let keys = MonerooKeys::new("sk").with_base_url("http://127.0.0.1:8080/");
        assert_eq!(keys.url("/v1/x"), "http://127.0.0.1:8080/v1/x");
        let keys = MonerooKeys::new("sk").with_base_url("  ");
        assert_eq!(keys.base_url, DEFAULT_BASE_URL);
    }

    #[test]
    fn a_blank_secret_key_sends_no_authorization_and_a_set_one_is_trimmed() {
        let blank = MonerooKeys::new("  ");
        assert!(blank.secret_key.is_none());
        assert_eq!(blank.get("/v1/x").header_value("Authorization"), None);
        let keys = MonerooKeys::new(" sk_test ");
        assert_eq!(
            keys.post("/v1/x", json_bytes(&()))
                .header_value("Authorization"),
            Some("Bearer sk_test")
        );
    }

    #[test]
    fn an_empty_webhook_secret_counts_as_none() {
        assert!(MonerooKeys::new("sk")
            .with_webhook_secret(" ")
            .webhook_secret
            .is_none());
    }
}
