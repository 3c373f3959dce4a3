//! CinetPay, classic checkout API: payments, checks, notifications, transfers.
//!
//! Follows `docs/PROVIDERS.md` (CinetPay section) and CinetPay's French documentation. The
//! adapter never does I/O: each call builds an [`HttpRequest`] or reads an
//! [`HttpResponse`], and the edge's [`crate::http::Transport`] sends.
//!
//! - [`payment`]: `POST /v2/payment` (with every rule CinetPay enforces checked first) and
//!   `POST /v2/payment/check`.
//! - [`webhook`]: the IPN form and its `x-token` HMAC, the shopper's return visit, the
//!   pings.
//! - [`payout`]: payouts through `client.cinetpay.com` (login, balance, contacts, send,
//!   check, notifications).
//! - [`exchange`]: a payout's calls in sequence (login, contact, send; login, check), each
//!   answer giving the next call.
//! - [`wire`]: CinetPay's own JSON shapes (forms go through [`crate::form`]).
//!
//! Credentials travel in request bodies (CinetPay has no auth header), so they live in
//! [`Keys`], whose `Debug` prints `***`, and every message CinetPay sends back is scrubbed
//! of them before it reaches a [`ProviderError`].

pub mod exchange;
pub mod payment;
pub mod payout;
pub mod webhook;
pub mod wire;

use core::fmt;

use serde::Serialize;

use crate::domain::{
    Currency, Message, Money, Order, PaymentStatus, Provider, Violation, Violations,
};
use crate::http::HttpResponse;
use crate::providers::ProviderError;
use crate::secret::SecretKey;

pub use payment::{
    clean_description, validate_payment, PaymentCheck, PaymentOptions, PaymentToken,
    DEFAULT_CHANNELS, FORBIDDEN_DESCRIPTION_CHARACTERS,
};
pub use payout::{
    CinetpayPayout, ContactOutcome, TransferBalance, TransferContact, TransferOrder,
    TransferRecord, TransferToken,
};
pub use webhook::{
    read_notification, read_return, read_transfer_notification, sign_notification,
    verify_notification, Inbound, NotificationError, PaymentNotification, ReturnVisit,
    TransferNotification, NOTIFICATION_FIELDS,
};
pub use wire::{CinetpayPaymentStatus, TransferCode, TreatmentStatus};

/// The checkout API (`/v2/payment`, `/v2/payment/check`).
pub const DEFAULT_CHECKOUT_BASE: &str = "https://api-checkout.cinetpay.com";
/// The transfer API (`/v1/auth/login`, `/v1/transfer/...`).
pub const DEFAULT_TRANSFER_BASE: &str = "https://client.cinetpay.com";
/// CinetPay's hosted page is this prefix followed by the payment token.
pub const HOSTED_PAGE_BASE: &str = "https://checkout.cinetpay.com/payment/";

/// The merchant's CinetPay credentials, from the back office's "Intégrations" menu.
/// `Debug` shows the site id only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    /// `None` when blank: requests then carry an empty `apikey`, which CinetPay refuses.
    apikey: Option<SecretKey>,
    site_id: String,
    /// `None` when blank: every notification is then refused.
    secret_key: Option<SecretKey>,
    transfer_password: Option<SecretKey>,
}

impl Keys {
    /// `apikey` and `site_id` go in every checkout request; `secret_key` keys the
    /// notifications' `x-token` HMAC (it is not the apikey). A blank credential counts as
    /// unset.
    pub fn new(
        apikey: impl Into<String>,
        site_id: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Keys {
        Keys {
            apikey: SecretKey::new(apikey),
            site_id: site_id.into(),
            secret_key: SecretKey::new(secret_key),
            transfer_password: None,
        }
    }

    /// Adds the API password the merchant set for transfers (payouts); a blank one counts
    /// as none.
    pub fn with_transfer_password(mut self, password: impl Into<String>) -> Keys {
        self.transfer_password = SecretKey::new(password);
        self
    }

    /// The site id: not a secret (CinetPay echoes it in every notification).
    pub fn site_id(&self) -> &str {
        &self.site_id
    }

    /// True when transfers can log in.
    pub fn has_transfer_password(&self) -> bool {
        self.transfer_password.is_some()
    }

    /// The text with every credential replaced by `***`, for anything CinetPay sends back
    /// that may echo a request.
    fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        let secrets = [&self.apikey, &self.secret_key, &self.transfer_password]
            .into_iter()
            .flatten();
        for secret in secrets {
            // A very short credential would blank ordinary words; none is that short.
            if secret.expose().len() >= 4 {
                out = crate::http::text::replace(&out, secret.expose(), "***");
            }
        }
        out
    }
}

/// The CinetPay connector: keys, base URLs and the `User-Agent` CinetPay insists on. Every
/// request builder and response reader is a method on it (see [`payment`], [`payout`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cinetpay {
    keys: Keys,
    checkout_base: String,
    transfer_base: String,
    user_agent: String,
}

impl Cinetpay {
    /// The connector on CinetPay's real hosts.
    pub fn new(keys: Keys) -> Cinetpay {
        Cinetpay {
            keys,
            checkout_base: DEFAULT_CHECKOUT_BASE.to_owned(),
            transfer_base: DEFAULT_TRANSFER_BASE.to_owned(),
            user_agent: format!("guichet/{}", crate::VERSION),
        }
    }

    /// Points the checkout API elsewhere (the sandbox, tests). A trailing `/` is dropped.
    pub fn with_checkout_base(mut self, base: &str) -> Cinetpay {
        self.checkout_base = base.trim_end_matches('/').to_owned();
        self
    }

    /// Points the transfer API elsewhere. A trailing `/` is dropped.
    pub fn with_transfer_base(mut self, base: &str) -> Cinetpay {
        self.transfer_base = base.trim_end_matches('/').to_owned();
        self
    }

    /// Replaces the `User-Agent` (CinetPay's firewall answers 1010 without one). A blank
    /// value is ignored: the header is never sent empty.
    pub fn with_user_agent(mut self, user_agent: &str) -> Cinetpay {
        if !user_agent.trim().is_empty() {
            self.user_agent = user_agent.trim().to_owned();
        }
        self
    }

    /// The credentials.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The checkout API's base URL.
    pub fn checkout_base(&self) -> &str {
        &self.checkout_base
    }

    /// The transfer API's base URL.
    pub fn transfer_base(&self) -> &str {
        &self.transfer_base
    }

    /// The `User-Agent` every request carries.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// A [`ProviderError`] whose message is scrubbed of credentials and kept short.
    fn error(&self, code: &str, message: &str, status: u16, retryable: bool) -> ProviderError {
        const MAX_MESSAGE: usize = 300;
        let mut message = self.keys.redact(message.trim());
        if message.chars().count() > MAX_MESSAGE {
            message = message.chars().take(MAX_MESSAGE).collect::<String>() + "…";
        }
        ProviderError {
            provider: Provider::CinetPay,
            code: code.to_owned(),
            message,
            http_status: Some(status),
            retryable,
        }
    }

    /// The error for a body we could not read as CinetPay's JSON. Cloudflare's own pages
    /// in front of CinetPay (`error code: 1010` when the `User-Agent` is missing) keep their
    /// code; anything else is `bad_response`, retryable when the status says so.
    fn unreadable(&self, response: &HttpResponse, what: &str) -> ProviderError {
        let text = String::from_utf8_lossy(&response.body).to_ascii_lowercase();
        if let Some(code) = cloudflare_code(&text) {
            let known = CheckoutCode::parse(&code);
            return self.error(
                &code,
                known.meaning(),
                response.status,
                known.is_retryable() || transient_status(response.status),
            );
        }
        if response.status == 403 {
            return self.error("403", CheckoutCode::Forbidden.meaning(), 403, false);
        }
        if response.status == 429 {
            return self.error("429", CheckoutCode::TooManyRequests.meaning(), 429, true);
        }
        self.error(
            "bad_response",
            &format!("CinetPay answered {what} we could not read"),
            response.status,
            transient_status(response.status),
        )
    }
}

/// The code of a Cloudflare error page in front of CinetPay (`error code: 1010` as text,
/// `Error 1010` in the HTML version), from a lowercased body. Cloudflare's codes are the
/// four-digit `1xxx` ones.
fn cloudflare_code(lower: &str) -> Option<String> {
    ["error code:", "error "].iter().find_map(|marker| {
        let mut from = 0;
        while let Some(at) = crate::http::text::find_from(lower, marker, from) {
            from = at + marker.len();
            let code: String = lower[from..]
                .trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if code.len() == 4 && code.starts_with('1') {
                return Some(code);
            }
        }
        None
    })
}

/// True for statuses where the same call may succeed later.
fn transient_status(status: u16) -> bool {
    status == 429 || status >= 500
}

/// What an error answer says: its `message` and `description` (checkout and transfer
/// answers alike), trimmed, joined by `: `; empty when it says nothing.
fn said(message: Option<&str>, description: Option<&str>) -> String {
    let mut said = String::new();
    for part in [message, description].into_iter().flatten().map(str::trim) {
        // Parts are never empty, so a non-empty text means one came before.
        if !part.is_empty() {
            if !said.is_empty() {
                said.push_str(": ");
            }
            said.push_str(part);
        }
    }
    said
}

/// A code of the checkout API (`/v2/payment`, `/v2/payment/check`), as CinetPay's code
/// table lists them. The codes are one namespace for both calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckoutCode {
    /// `00` SUCCES: the payment went through.
    Success,
    /// `201` CREATED: the payment was initialized.
    Created,
    /// `600` PAYMENT_FAILED.
    PaymentFailed,
    /// `602` INSUFFICIENT_BALANCE: the shopper's wallet holds less than the amount.
    InsufficientBalance,
    /// `603` SERVICE_UNAVAILABLE: try again later.
    ServiceUnavailable,
    /// `604` OTP_CODE_ERROR: the shopper typed a wrong OTP.
    OtpCodeError,
    /// `606` INCORRECT_SETTINGS: Orange Money refused (wrong OTP, balance, repeated debit).
    IncorrectSettings,
    /// `608` MINIMUM_REQUIRED_FIELDS: a field is missing or wrong, or the currency is not
    /// the account's.
    MinimumRequiredFields,
    /// `609` AUTH_NOT_FOUND: wrong apikey.
    AuthNotFound,
    /// `613` ERROR_SITE_ID_NOTVALID: wrong site_id.
    SiteIdNotValid,
    /// `623` WAITING_CUSTOMER_TO_VALIDATE.
    WaitingCustomerToValidate,
    /// `624`: processing error (wrong apikey, or `lock_phone_number` with a bad phone).
    ProcessingError,
    /// `625` ABONNEMENT_OR_TRANSACTIONS_EXPIRED: the merchant's service has expired.
    ServiceExpired,
    /// `627` TRANSACTION_CANCEL.
    TransactionCancel,
    /// `641`: amount below the operator's minimum.
    AmountTooLow,
    /// `642`: amount above the operator's maximum.
    AmountTooHigh,
    /// `662` WAITING_CUSTOMER_PAYMENT.
    WaitingCustomerPayment,
    /// `663` WAITING_CUSTOMER_OTP_CODE.
    WaitingCustomerOtpCode,
    /// `664`: waiting for the operator.
    WaitingOperator,
    /// `403`: the request body was not JSON.
    Forbidden,
    /// `429` TOO_MANY_REQUEST: slow down.
    TooManyRequests,
    /// `1010`: no `User-Agent` (CinetPay's firewall).
    NoUserAgent,
    /// A code this adapter does not know, kept as sent.
    Unknown(String),
}

impl CheckoutCode {
    /// Reads a code as CinetPay writes it (`"00"`, `"608"`).
    pub fn parse(code: &str) -> CheckoutCode {
        match code.trim() {
            "00" => CheckoutCode::Success,
            "201" => CheckoutCode::Created,
            "600" => CheckoutCode::PaymentFailed,
            "602" => CheckoutCode::InsufficientBalance,
            "603" => CheckoutCode::ServiceUnavailable,
            "604" => CheckoutCode::OtpCodeError,
            "606" => CheckoutCode::IncorrectSettings,
            "608" => CheckoutCode::MinimumRequiredFields,
            "609" => CheckoutCode::AuthNotFound,
            "613" => CheckoutCode::SiteIdNotValid,
            "623" => CheckoutCode::WaitingCustomerToValidate,
            "624" => CheckoutCode::ProcessingError,
            "625" => CheckoutCode::ServiceExpired,
            "627" => CheckoutCode::TransactionCancel,
            "641" => CheckoutCode::AmountTooLow,
            "642" => CheckoutCode::AmountTooHigh,
            "662" => CheckoutCode::WaitingCustomerPayment,
            "663" => CheckoutCode::WaitingCustomerOtpCode,
            "664" => CheckoutCode::WaitingOperator,
            "403" => CheckoutCode::Forbidden,
            "429" => CheckoutCode::TooManyRequests,
            "1010" => CheckoutCode::NoUserAgent,
            other => CheckoutCode::Unknown(other.to_owned()),
        }
    }

    /// The code as CinetPay writes it.
    pub fn as_str(&self) -> &str {
        match self {
            CheckoutCode::Success => "00",
            CheckoutCode::Created => "201",
            CheckoutCode::PaymentFailed => "600",
            CheckoutCode::InsufficientBalance => "602",
            CheckoutCode::ServiceUnavailable => "603",
            CheckoutCode::OtpCodeError => "604",
            CheckoutCode::IncorrectSettings => "606",
            CheckoutCode::MinimumRequiredFields => "608",
            CheckoutCode::AuthNotFound => "609",
            CheckoutCode::SiteIdNotValid => "613",
            CheckoutCode::WaitingCustomerToValidate => "623",
            CheckoutCode::ProcessingError => "624",
            CheckoutCode::ServiceExpired => "625",
            CheckoutCode::TransactionCancel => "627",
            CheckoutCode::AmountTooLow => "641",
            CheckoutCode::AmountTooHigh => "642",
            CheckoutCode::WaitingCustomerPayment => "662",
            CheckoutCode::WaitingCustomerOtpCode => "663",
            CheckoutCode::WaitingOperator => "664",
            CheckoutCode::Forbidden => "403",
            CheckoutCode::TooManyRequests => "429",
            CheckoutCode::NoUserAgent => "1010",
            CheckoutCode::Unknown(code) => code,
        }
    }

    /// What the code says about a payment, when it speaks of one. `None` for request
    /// errors, `201` and unknown codes.
    pub fn payment_status(&self) -> Option<PaymentStatus> {
        match self {
            CheckoutCode::Success => Some(PaymentStatus::Succeeded),
            CheckoutCode::PaymentFailed
            | CheckoutCode::InsufficientBalance
            | CheckoutCode::OtpCodeError
            | CheckoutCode::IncorrectSettings
            | CheckoutCode::AmountTooLow
            | CheckoutCode::AmountTooHigh => Some(PaymentStatus::Failed),
            CheckoutCode::TransactionCancel => Some(PaymentStatus::Cancelled),
            CheckoutCode::WaitingCustomerToValidate
            | CheckoutCode::WaitingCustomerPayment
            | CheckoutCode::WaitingCustomerOtpCode
            | CheckoutCode::WaitingOperator => Some(PaymentStatus::Pending),
            CheckoutCode::Created
            | CheckoutCode::ServiceUnavailable
            | CheckoutCode::MinimumRequiredFields
            | CheckoutCode::AuthNotFound
            | CheckoutCode::SiteIdNotValid
            | CheckoutCode::ProcessingError
            | CheckoutCode::ServiceExpired
            | CheckoutCode::Forbidden
            | CheckoutCode::TooManyRequests
            | CheckoutCode::NoUserAgent
            | CheckoutCode::Unknown(_) => None,
        }
    }

    /// True when the request itself was refused (credentials, fields, rate, firewall,
    /// outage): the answer says nothing about the payment.
    pub fn is_request_error(&self) -> bool {
        match self {
            CheckoutCode::ServiceUnavailable
            | CheckoutCode::MinimumRequiredFields
            | CheckoutCode::AuthNotFound
            | CheckoutCode::SiteIdNotValid
            | CheckoutCode::ProcessingError
            | CheckoutCode::ServiceExpired
            | CheckoutCode::Forbidden
            | CheckoutCode::TooManyRequests
            | CheckoutCode::NoUserAgent => true,
            CheckoutCode::Success
            | CheckoutCode::Created
            | CheckoutCode::PaymentFailed
            | CheckoutCode::InsufficientBalance
            | CheckoutCode::OtpCodeError
            | CheckoutCode::IncorrectSettings
            | CheckoutCode::WaitingCustomerToValidate
            | CheckoutCode::TransactionCancel
            | CheckoutCode::AmountTooLow
            | CheckoutCode::AmountTooHigh
            | CheckoutCode::WaitingCustomerPayment
            | CheckoutCode::WaitingCustomerOtpCode
            | CheckoutCode::WaitingOperator
            | CheckoutCode::Unknown(_) => false,
        }
    }

    /// True when the same call may succeed later: rate limiting and outages.
    pub fn is_retryable(&self) -> bool {
        match self {
            CheckoutCode::TooManyRequests | CheckoutCode::ServiceUnavailable => true,
            CheckoutCode::Success
            | CheckoutCode::Created
            | CheckoutCode::PaymentFailed
            | CheckoutCode::InsufficientBalance
            | CheckoutCode::OtpCodeError
            | CheckoutCode::IncorrectSettings
            | CheckoutCode::MinimumRequiredFields
            | CheckoutCode::AuthNotFound
            | CheckoutCode::SiteIdNotValid
            | CheckoutCode::WaitingCustomerToValidate
            | CheckoutCode::ProcessingError
            | CheckoutCode::ServiceExpired
            | CheckoutCode::TransactionCancel
            | CheckoutCode::AmountTooLow
            | CheckoutCode::AmountTooHigh
            | CheckoutCode::WaitingCustomerPayment
            | CheckoutCode::WaitingCustomerOtpCode
            | CheckoutCode::WaitingOperator
            | CheckoutCode::Forbidden
            | CheckoutCode::NoUserAgent
            | CheckoutCode::Unknown(_) => false,
        }
    }

    /// What the code means, for operators reading errors (CinetPay's own message is added
    /// when it sends one).
    pub fn meaning(&self) -> &'static str {
        match self {
            CheckoutCode::Success => "payment succeeded",
            CheckoutCode::Created => "payment created",
            CheckoutCode::PaymentFailed => "payment failed",
            CheckoutCode::InsufficientBalance => "the customer's balance is too low",
            CheckoutCode::ServiceUnavailable => "service unavailable, try again later",
            CheckoutCode::OtpCodeError => "wrong OTP code",
            CheckoutCode::IncorrectSettings => "refused by Orange Money",
            CheckoutCode::MinimumRequiredFields => {
                "a required field is missing or invalid, or the currency is not the account's"
            }
            CheckoutCode::AuthNotFound => "apikey not recognized",
            CheckoutCode::SiteIdNotValid => "site_id not recognized",
            CheckoutCode::WaitingCustomerToValidate => "waiting for the customer to validate",
            CheckoutCode::ProcessingError => {
                "processing error: wrong apikey, or lock_phone_number with an invalid phone"
            }
            CheckoutCode::ServiceExpired => "the merchant's CinetPay service has expired",
            CheckoutCode::TransactionCancel => "payment cancelled",
            CheckoutCode::AmountTooLow => "amount below the minimum",
            CheckoutCode::AmountTooHigh => "amount above the maximum",
            CheckoutCode::WaitingCustomerPayment => "waiting for the customer's payment",
            CheckoutCode::WaitingCustomerOtpCode => "waiting for the customer's OTP code",
            CheckoutCode::WaitingOperator => "waiting for the operator",
            CheckoutCode::Forbidden => "refused (403): the checkout API wants a JSON body",
            CheckoutCode::TooManyRequests => "too many requests",
            CheckoutCode::NoUserAgent => "refused: the request has no User-Agent",
            CheckoutCode::Unknown(_) => "unknown CinetPay code",
        }
    }
}

impl fmt::Display for CheckoutCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// The rules payments and payouts share.

/// The currencies CinetPay's checkout takes.
pub const ALLOWED_CURRENCIES: [Currency; 5] = [
    Currency::XOF,
    Currency::XAF,
    Currency::CDF,
    Currency::GNF,
    Currency::USD,
];

/// Longest `transaction_id` we send. CinetPay publishes no limit; ours keeps ids sane.
pub const TRANSACTION_ID_MAX: usize = 64;

/// True for a `transaction_id` CinetPay takes: 1 to [`TRANSACTION_ID_MAX`] ASCII letters,
/// digits and `-`. CinetPay asks for "no special characters"; uniqueness is the ledger's
/// job (the order reference is unique per attempt).
pub fn is_transaction_id(id: &str) -> bool {
    (1..=TRANSACTION_ID_MAX).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The amount in whole major units, above zero and a multiple of 5, or a violation at
/// `field`. Shared with transfers, which follow the same rule.
fn major_multiple_of_five(amount: Money, field: &str, found: &mut Violations) -> Option<u64> {
    let before = found.len();
    Order::check_amount(amount, field, found);
    if found.len() > before {
        return None;
    }
    match amount.major_exact() {
        Err(error) => {
            found.push(error.violation(field));
            None
        }
        Ok(major) if major % 5 != 0 => {
            found.push(Violation::new(
                "amount_not_multiple_of_5",
                field,
                Message::new(
                    format!("CinetPay n'accepte que des montants multiples de 5 ({major} ne l'est pas)."),
                    format!("CinetPay only accepts amounts that are a multiple of 5 ({major} is not)."),
                ),
            ));
            None
        }
        Ok(major) => Some(major),
    }
}

/// An absolute `http(s)` URL with a host. CinetPay refuses `localhost` ("Page 400 accès
/// interdit") and suggests `127.0.0.1` instead, so we say so before it does.
fn check_url(raw: &str, field: &str, found: &mut Violations) -> Option<String> {
    let url = raw.trim();
    let host = url_host(url);
    match host {
        Some(host) if host.eq_ignore_ascii_case("localhost") => {
            found.push(crate::providers::rule(
                "localhost_url",
                field,
                "CinetPay refuse les adresses localhost : utilisez 127.0.0.1 ou une adresse publique.",
                "CinetPay refuses localhost addresses: use 127.0.0.1 or a public address.",
            ));
            None
        }
        Some(_) => Some(url.to_owned()),
        None => {
            found.push(crate::providers::rule(
                "invalid_url",
                field,
                "Cette adresse doit être une URL http ou https complète.",
                "This address must be a full http or https URL.",
            ));
            None
        }
    }
}

/// The host of an absolute `http://` or `https://` URL without spaces, or `None`.
fn url_host(url: &str) -> Option<&str> {
    if url.is_empty() || crate::providers::has_blank_or_control(url) {
        return None;
    }
    let scheme_end = crate::http::text::find(url, "://")?;
    let scheme = &url[..scheme_end];
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let rest = &url[scheme_end + 3..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    // A byte search: `rsplit_once('@')` would keep core's reverse `char` searcher for it.
    let host_port = match authority.bytes().rposition(|b| b == b'@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    let host = if host_port.starts_with('[') {
        &host_port[..host_port.find(']').map_or(host_port.len(), |i| i + 1)]
    } else {
        host_port.split_once(':').map_or(host_port, |(h, _)| h)
    };
    (!host.is_empty()).then_some(host)
}

/// Serializes a wire body. Our wire types hold only strings, integers, booleans and
/// string maps, which `serde_json` cannot fail on; were it ever to, CinetPay would answer
/// 608 to the empty object and the error would surface there.
fn json_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn said_joins_what_an_answer_says_as_before() {
        let texts = [None, Some(""), Some("  "), Some(" Refused "), Some("x: y")];
        for message in texts {
            for description in texts {
                let before = [message, description]
                    .into_iter()
                    .flatten()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(": ");
                assert_eq!(said(message, description), before);
            }
        }
    }

    #[test]
    fn transaction_ids_are_letters_digits_and_dashes() {
        assert!(is_transaction_id("ord-2024-00042"));
        assert!(is_transaction_id("A1"));
        for bad in ["", "ord_1", "ord 1", "ord/1", "é1", &"x".repeat(65)] {
            assert!(!is_transaction_id(bad), "{bad}");
        }
    }

    #[test]
    fn url_hosts_are_found_behind_ports_and_credentials() {
        assert_eq!(
            url_host("https://shop.example/notify"),
            Some("shop.example")
        );
        assert_eq!(url_host("http://127.0.0.1:8787/api"), Some("127.0.0.1"));
        assert_eq!(url_host("https://u:p@LOCALHOST:80"), Some("LOCALHOST"));
        assert_eq!(url_host("http://[::1]:80/x"), Some("[::1]"));
        assert_eq!(url_host("ftp://shop.example"), None);
        assert_eq!(url_host("https:///path"), None);
        assert_eq!(url_host("https://shop.example/a b"), None);
    }

    #[test]
    fn every_known_code_reads_back_as_itself() {
        for code in [
            "00", "201", "600", "602", "603", "604", "606", "608", "609", "613", "623", "624",
            "625", "627", "641", "642", "662", "663", "664", "403", "429", "1010",
        ] {
            let parsed = CheckoutCode::parse(code);
            assert!(!matches!(parsed, CheckoutCode::Unknown(_)), "{code}");
            assert_eq!(parsed.as_str(), code);
        }
        assert_eq!(
            CheckoutCode::parse("999"),
            CheckoutCode::Unknown("999".into())
        );
    }

    #[test]
    fn redaction_hides_every_credential() {
        let keys = Keys::new("apikey-123456", "445566", "secret-abcdef")
            .with_transfer_password("pass-word");
        let text = keys.redact("apikey-123456 / secret-abcdef / pass-word / 445566");
        assert_eq!(text, "*** / *** / *** / 445566");
    }
}
