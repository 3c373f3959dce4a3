//! `POST /v2/payment` and `POST /v2/payment/check`.
//!
//! Every rule CinetPay documents for a payment is checked before anything is sent, so a
//! shopper hears "the amount must be a multiple of 5" from us, in their language, rather
//! than a bare `608` from CinetPay.

use crate::domain::order::Entries;

use serde_json::Value;

use super::wire::{
    CinetpayCheckData, CinetpayCheckRequest, CinetpayPaymentData, CinetpayPaymentRequest,
    CinetpayPaymentStatus, CinetpayResponse,
};
use super::{
    check_url, is_transaction_id, json_bytes, major_multiple_of_five, said, transient_status,
    CheckoutCode, Cinetpay, ALLOWED_CURRENCIES, TRANSACTION_ID_MAX,
};
use crate::domain::checkout::accepts_card;
use crate::domain::validation::cat;
use crate::domain::{Currency, Message, Money, PaymentStatus, Provider, Violation, Violations};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::providers::{CheckedPayment, CreatedPayment, PaymentRequest, ProviderError};

/// Characters CinetPay asks to keep out of `description`.
pub const FORBIDDEN_DESCRIPTION_CHARACTERS: [char; 5] = ['#', '/', '$', '_', '&'];

/// The channels sent when none were chosen: mobile money and wallets, which need nothing
/// from the shopper but the amount (see [`accepts_card`]).
pub const DEFAULT_CHANNELS: &str = "MOBILE_MONEY,WALLET";

/// CinetPay's channel names.
const CHANNELS: [&str; 4] = ["ALL", "MOBILE_MONEY", "CREDIT_CARD", "WALLET"];

/// Most entries in `invoice_data`.
pub const INVOICE_DATA_MAX_KEYS: usize = 3;

/// What a CinetPay payment may carry beyond the common [`PaymentRequest`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentOptions {
    /// Up to three lines printed on CinetPay's invoice, named as the merchant likes.
    /// Sorted by name, a name once (`BTreeMap` before issue #18 round 5; built the same way,
    /// with `collect()` or `insert`).
    pub invoice_data: Entries,
    /// Only the shopper's own phone may pay; needs a valid `customer.phone`.
    pub lock_phone_number: bool,
}

/// The description with CinetPay's forbidden characters replaced by spaces and runs of
/// spaces folded, for merchants whose catalog names contain them.
pub fn clean_description(text: &str) -> String {
    let cleaned = text
        .chars()
        .map(|c| {
            if FORBIDDEN_DESCRIPTION_CHARACTERS.contains(&c) || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect::<String>();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    crate::http::text::join(&words, " ")
}

/// Checks a payment against every rule CinetPay documents, reporting every problem at
/// once, with field paths as the storefront knows them (`amount`, `customer.city`...).
pub fn validate_payment(
    request: &PaymentRequest,
    options: &PaymentOptions,
) -> Result<(), Violations> {
    prepare(request, options).map(|_| ())
}

/// The wire body without credentials, or every violation.
fn prepare(
    request: &PaymentRequest,
    options: &PaymentOptions,
) -> Result<CinetpayPaymentRequest, Violations> {
    let mut found = Violations::new();

    let transaction_id = request.order.reference.trim();
    if !is_transaction_id(transaction_id) {
        found.push(Violation::new(
            "invalid_reference",
            "reference",
            Message::new(
                format!("La référence de paiement ne doit contenir que des lettres, des chiffres et des tirets ({TRANSACTION_ID_MAX} caractères au plus)."),
                format!("The payment reference must hold only letters, digits and dashes (at most {TRANSACTION_ID_MAX} characters)."),
            ),
        ));
    }

    let amount = request.order.amount;
    let currency = amount.currency();
    if !ALLOWED_CURRENCIES.contains(&currency) {
        found.push(crate::providers::rule(
            "currency_not_supported",
            "currency",
            "CinetPay n'accepte que les devises XOF, XAF, CDF, GNF et USD.",
            "CinetPay only accepts XOF, XAF, CDF, GNF and USD.",
        ));
    }
    let major = major_multiple_of_five(amount, "amount", &mut found);

    let description = check_description(&request.order.description, &mut found);
    let notify_url = check_url(&request.notify_url, "notify_url", &mut found);
    let return_url = check_url(&request.return_url, "return_url", &mut found);
    let channels = check_channels(request.channels.as_deref(), &mut found);

    let keys = options.invoice_data.iter().count();
    if keys > INVOICE_DATA_MAX_KEYS {
        found.push(Violation::new(
            "too_many_invoice_entries",
            "invoice_data",
            Message::new(
                format!(
                    "{INVOICE_DATA_MAX_KEYS} informations de facture au plus (il y en a {keys})."
                ),
                format!("At most {INVOICE_DATA_MAX_KEYS} invoice entries (there are {keys})."),
            ),
        ));
    }
    for (name, value) in options.invoice_data.iter() {
        if name.trim().is_empty() || name.chars().chain(value.chars()).any(char::is_control) {
            found.push(crate::providers::rule(
                "invalid_invoice_entry",
                "invoice_data",
                "Chaque information de facture a besoin d'un nom, sans caractère de contrôle.",
                "Every invoice entry needs a name, without control characters.",
            ));
        }
    }

    let customer = &request.customer;
    if options.lock_phone_number {
        match &customer.phone {
            None => found.push(crate::providers::rule("phone_required_to_lock", "customer.phone", "Indiquez le numéro de téléphone qui paiera.", "Give the phone number that will pay.")),
            Some(phone) if phone.country().is_none() => found.push(crate::providers::rule("invalid_phone", "customer.phone", "CinetPay ne peut pas réserver le paiement à ce numéro : utilisez un numéro d'un pays qu'il dessert.", "CinetPay cannot lock the payment to this number: use a number from a country it serves.")),
            Some(_) => {}
        }
    }

    if let Some(channels) = &channels {
        if accepts_card(Provider::CinetPay, Some(channels)) {
            let card_fields: [(&str, bool); 9] = [
                ("customer.last_name", customer.last_name.is_some()),
                ("customer.first_name", customer.first_name.is_some()),
                ("customer.email", customer.email.is_some()),
                ("customer.phone", customer.phone.is_some()),
                ("customer.address", customer.address.is_some()),
                ("customer.city", customer.city.is_some()),
                ("customer.country", customer.country.is_some()),
                ("customer.state", customer.state.is_some()),
                ("customer.zip", customer.zip.is_some()),
            ];
            for (field, present) in card_fields {
                if !present {
                    found.push(crate::providers::rule(
                        "required_for_card",
                        field,
                        "Ce champ est obligatoire pour payer par carte.",
                        "This field is required to pay by card.",
                    ));
                }
            }
        }
    }

    let (Some(major), Some(description), Some(notify_url), Some(return_url), Some(channels)) =
        (major, description, notify_url, return_url, channels)
    else {
        return Err(found);
    };
    if !found.is_empty() {
        return Err(found);
    }
    Ok(CinetpayPaymentRequest {
        apikey: None,
        site_id: String::new(),
        transaction_id: transaction_id.to_owned(),
        amount: major,
        currency: currency.code().to_owned(),
        description,
        notify_url,
        return_url,
        channels,
        lang: Some(request.lang.code().to_owned()),
        metadata: (!request.metadata.is_empty())
            .then(|| serde_json::to_string(&request.metadata).ok())
            .flatten(),
        invoice_data: (!options.invoice_data.is_empty()).then(|| options.invoice_data.clone()),
        lock_phone_number: options.lock_phone_number.then_some(true),
        customer_id: None,
        customer_name: customer.last_name.clone(),
        customer_surname: customer.first_name.clone(),
        customer_email: customer.email.clone(),
        customer_phone_number: customer.phone.as_ref().map(|p| p.as_str().to_owned()),
        customer_address: customer.address.clone(),
        customer_city: customer.city.clone(),
        customer_country: customer.country.map(|c| c.as_str().to_owned()),
        customer_state: customer.state.clone(),
        customer_zip_code: customer.zip.clone(),
    })
}

fn check_description(raw: &str, found: &mut Violations) -> Option<String> {
    let text = raw.trim();
    if text.is_empty() {
        found.push(Violation::required("description"));
        return None;
    }
    if text.chars().any(char::is_control) {
        found.push(crate::providers::rule(
            "invalid_characters",
            "description",
            "La description contient des caractères non autorisés.",
            "The description contains characters that are not allowed.",
        ));
        return None;
    }
    // The characters found, quoted and separated by `, ` (written as they are found).
    let (mut fr, mut en, mut count) = (String::new(), String::new(), 0);
    for c in FORBIDDEN_DESCRIPTION_CHARACTERS {
        // Every one is ASCII: a byte search, not `str::contains`'s (src/http/text.rs).
        if !text.as_bytes().contains(&(c as u8)) {
            continue;
        }
        if count > 0 {
            fr.push_str(", ");
            en.push_str(", ");
        }
        fr.push_str("« ");
        fr.push(c);
        fr.push_str(" »");
        en.push('"');
        en.push(c);
        en.push('"');
        count += 1;
    }
    if count == 0 {
        return Some(text.to_owned());
    }
    let (fr_lead, en_lead) = if count == 1 {
        (
            "La description ne doit pas contenir le caractère ",
            "The description must not contain the character ",
        )
    } else {
        (
            "La description ne doit pas contenir les caractères ",
            "The description must not contain the characters ",
        )
    };
    let message = Message::new(cat(&[fr_lead, &fr, "."]), cat(&[en_lead, &en, "."]));
    found.push(Violation::new(
        "forbidden_character",
        "description",
        message,
    ));
    None
}

/// Normalized channels (trimmed, uppercase, each once), [`DEFAULT_CHANNELS`] when none.
fn check_channels(raw: Option<&str>, found: &mut Violations) -> Option<String> {
    let Some(raw) = raw else {
        return Some(DEFAULT_CHANNELS.to_owned());
    };
    let mut parts: Vec<String> = Vec::new();
    for part in raw.split(',').map(|c| c.trim().to_ascii_uppercase()) {
        if !part.is_empty() && !parts.contains(&part) {
            parts.push(part);
        }
    }
    if parts.is_empty() || parts.iter().any(|c| !CHANNELS.contains(&c.as_str())) {
        found.push(crate::providers::rule(
            "invalid_channels",
            "channels",
            "Canaux possibles : ALL, MOBILE_MONEY, CREDIT_CARD, WALLET.",
            "Possible channels: ALL, MOBILE_MONEY, CREDIT_CARD, WALLET.",
        ));
        return None;
    }
    Some(crate::http::text::join(&parts, ","))
}

/// What a `201 CREATED` answer carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentToken {
    /// CinetPay's payment token (also accepted by the check).
    pub payment_token: String,
    /// The hosted page to send the shopper to.
    pub payment_url: String,
    /// CinetPay's id of the answer, for support.
    pub api_response_id: Option<String>,
}

/// Everything a check says, beyond the common [`CheckedPayment`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentCheck {
    /// The verdict, as every provider gives it.
    pub checked: CheckedPayment,
    /// The answer's code.
    pub code: CheckoutCode,
    /// `data.status` as CinetPay wrote it, when there was one.
    pub status: Option<CinetpayPaymentStatus>,
    /// `OM`, `MOMO`, `FLOOZ`, `VISAM`...
    pub payment_method: Option<String>,
    /// The operator's transaction id.
    pub operator_id: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS`.
    pub payment_date: Option<String>,
    /// When the funds reach the merchant's balance.
    pub fund_availability_date: Option<String>,
    /// The metadata sent at initialization.
    pub metadata: Option<String>,
    /// CinetPay's id of the answer, for support.
    pub api_response_id: Option<String>,
}

impl Cinetpay {
    /// `POST /v2/payment` for a payment, after checking every rule CinetPay documents.
    /// `transaction_id` is `order.reference`; channels default to [`DEFAULT_CHANNELS`].
    pub fn initialize_payment(&self, request: &PaymentRequest) -> Result<HttpRequest, Violations> {
        self.initialize_payment_with(request, &PaymentOptions::default())
    }

    /// [`Cinetpay::initialize_payment`] with CinetPay's own extras (invoice lines, locked
    /// phone).
    pub fn initialize_payment_with(
        &self,
        request: &PaymentRequest,
        options: &PaymentOptions,
    ) -> Result<HttpRequest, Violations> {
        let mut body = prepare(request, options)?;
        body.apikey.clone_from(&self.keys.apikey);
        body.site_id = self.keys.site_id.clone();
        Ok(self.json_post("/v2/payment", json_bytes(&body)))
    }

    /// Reads the answer to `POST /v2/payment`: `201 CREATED` with a token and an `http(s)`
    /// hosted page, or the error its `code` says, whatever the HTTP status.
    pub fn read_payment_token(
        &self,
        response: &HttpResponse,
    ) -> Result<PaymentToken, ProviderError> {
        let envelope = self.envelope(response, "a payment creation")?;
        let code = self.code_of(&envelope, response, "a payment creation")?;
        if code != CheckoutCode::Created {
            return Err(self.code_error(&code, &envelope, response.status));
        }
        let data: CinetpayPaymentData = crate::http::from_value(envelope.data.clone())
            .map_err(|_| self.unreadable(response, "a payment creation"))?;
        let token = data.payment_token.filter(|t| !t.trim().is_empty());
        let url = data.payment_url.filter(|u| {
            let lower = u.to_ascii_lowercase();
            lower.starts_with("https://") || lower.starts_with("http://")
        });
        match (token, url) {
            (Some(payment_token), Some(payment_url)) => Ok(PaymentToken {
                payment_token,
                payment_url,
                api_response_id: envelope.api_response_id,
            }),
            _ => Err(self.error(
                "bad_response",
                "CinetPay created the payment without a usable token and payment_url",
                response.status,
                false,
            )),
        }
    }

    /// Reads the answer to `POST /v2/payment` as every provider's [`CreatedPayment`]: the
    /// reference is our `transaction_id` (CinetPay does not echo it, so it is passed in),
    /// the page is `payment_url`.
    pub fn read_created_payment(
        &self,
        response: &HttpResponse,
        transaction_id: &str,
    ) -> Result<CreatedPayment, ProviderError> {
        let token = self.read_payment_token(response)?;
        Ok(CreatedPayment {
            provider_ref: transaction_id.to_owned(),
            checkout_url: token.payment_url,
        })
    }

    /// `POST /v2/payment/check` by our `transaction_id`.
    pub fn check_payment(&self, transaction_id: &str) -> HttpRequest {
        self.check_request(Some(transaction_id), None)
    }

    /// `POST /v2/payment/check` by CinetPay's payment token.
    pub fn check_payment_by_token(&self, token: &str) -> HttpRequest {
        self.check_request(None, Some(token))
    }

    fn check_request(&self, transaction_id: Option<&str>, token: Option<&str>) -> HttpRequest {
        let body = CinetpayCheckRequest {
            apikey: self.keys.apikey.clone(),
            site_id: self.keys.site_id.clone(),
            transaction_id: transaction_id.map(str::to_owned),
            token: token.map(str::to_owned),
        };
        self.json_post("/v2/payment/check", json_bytes(&body))
    }

    /// Reads a check as every provider's [`CheckedPayment`] (see
    /// [`Cinetpay::read_check_details`] for the rules).
    pub fn read_payment_check(
        &self,
        response: &HttpResponse,
        transaction_id: &str,
    ) -> Result<CheckedPayment, ProviderError> {
        self.read_check_details(response, transaction_id)
            .map(|check| check.checked)
    }

    /// Reads a check. Request errors (`608`, `609`, `613`, `624`, `603`, `429`...) are
    /// errors, whatever the HTTP status. Otherwise `data.status` decides, refined by the
    /// code: `ACCEPTED` counts as paid only with code `00` (any other code leaves it
    /// pending, to be checked again), `REFUSED` with `627` is a cancellation, an unknown
    /// status stays pending and is recorded in `provider_status`. Without a status, the
    /// code decides. `data.amount` is read as major units from its text, never as a
    /// float; a paid answer without a readable amount is an error, not a success.
    pub fn read_check_details(
        &self,
        response: &HttpResponse,
        transaction_id: &str,
    ) -> Result<PaymentCheck, ProviderError> {
        let envelope = self.envelope(response, "a payment check")?;
        let code = self.code_of(&envelope, response, "a payment check")?;
        if code.is_request_error() {
            return Err(self.code_error(&code, &envelope, response.status));
        }
        let data = match &envelope.data {
            Value::Object(_) => Some(
                crate::http::from_value::<CinetpayCheckData>(envelope.data.clone())
                    .map_err(|_| self.unreadable(response, "a payment check"))?,
            ),
            Value::Null
            | Value::Bool(_)
            | Value::Number(_)
            | Value::String(_)
            | Value::Array(_) => None,
        };
        let data = data.unwrap_or_default();
        let wire_status = data
            .status
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(CinetpayPaymentStatus::parse);
        let status = match &wire_status {
            Some(word) => status_of(word, &code),
            None => match code.payment_status() {
                Some(status) => status,
                None => return Err(self.code_error(&code, &envelope, response.status)),
            },
        };
        let amount = read_amount(&data.amount, data.currency.as_deref()).map_err(|why| {
            self.error(
                "bad_response",
                &format!("CinetPay's check has {why}"),
                response.status,
                false,
            )
        })?;
        if status == PaymentStatus::Succeeded && amount.is_none() {
            return Err(self.error(
                "bad_response",
                "CinetPay's check says accepted without an amount",
                response.status,
                false,
            ));
        }
        let provider_status = wire_status
            .as_ref()
            .map_or_else(|| code.as_str().to_owned(), |s| s.as_str().to_owned());
        Ok(PaymentCheck {
            checked: CheckedPayment {
                provider_ref: transaction_id.to_owned(),
                status,
                provider_status,
                amount,
                reference: None,
            },
            code,
            status: wire_status,
            payment_method: data.payment_method.filter(|s| !s.is_empty()),
            operator_id: data.operator_id.filter(|s| !s.is_empty()),
            payment_date: data.payment_date.filter(|s| !s.is_empty()),
            fund_availability_date: data.fund_availability_date.filter(|s| !s.is_empty()),
            metadata: data.metadata.filter(|s| !s.is_empty()),
            api_response_id: envelope.api_response_id,
        })
    }

    /// A JSON `POST` on the checkout API, with the headers CinetPay requires.
    fn json_post(&self, path: &str, body: Vec<u8>) -> HttpRequest {
        HttpRequest::new(Method::Post, format!("{}{path}", self.checkout_base))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .header("User-Agent", self.user_agent.clone())
            .body(body)
    }

    /// The JSON envelope, or the error for a body that is not one.
    pub(super) fn envelope(
        &self,
        response: &HttpResponse,
        what: &str,
    ) -> Result<CinetpayResponse, ProviderError> {
        crate::http::from_json::<CinetpayResponse>(&response.body)
            .map_err(|_| self.unreadable(response, what))
    }

    fn code_of(
        &self,
        envelope: &CinetpayResponse,
        response: &HttpResponse,
        what: &str,
    ) -> Result<CheckoutCode, ProviderError> {
        match envelope
            .code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(code) => Ok(CheckoutCode::parse(code)),
            None => Err(self.unreadable(response, what)),
        }
    }

    /// The error an answer's code stands for, with CinetPay's message and description.
    fn code_error(
        &self,
        code: &CheckoutCode,
        envelope: &CinetpayResponse,
        status: u16,
    ) -> ProviderError {
        let said = said(envelope.message.as_deref(), envelope.description.as_deref());
        let message = if said.is_empty() {
            code.meaning().to_owned()
        } else {
            said
        };
        let retryable = code.is_retryable()
            || (matches!(code, CheckoutCode::Unknown(_)) && transient_status(status));
        self.error(code.as_str(), &message, status, retryable)
    }
}

/// `data.status` refined by the answer's code; every status listed.
fn status_of(status: &CinetpayPaymentStatus, code: &CheckoutCode) -> PaymentStatus {
    match status {
        CinetpayPaymentStatus::Accepted if *code != CheckoutCode::Success => PaymentStatus::Pending,
        CinetpayPaymentStatus::Refused if *code == CheckoutCode::TransactionCancel => {
            PaymentStatus::Cancelled
        }
        CinetpayPaymentStatus::Accepted
        | CinetpayPaymentStatus::Refused
        | CinetpayPaymentStatus::WaitingForCustomer
        | CinetpayPaymentStatus::Pending
        | CinetpayPaymentStatus::Canceled
        | CinetpayPaymentStatus::Cancelled
        | CinetpayPaymentStatus::Unknown(_) => PaymentStatus::from(status),
    }
}

/// `data.amount` in major units: a decimal string (as documented) or a whole JSON number;
/// absent or empty is `None`. A fractional JSON number is refused: it was already a float.
fn read_amount(amount: &Value, currency: Option<&str>) -> Result<Option<Money>, &'static str> {
    let currency = || {
        currency
            .and_then(Currency::from_code)
            .ok_or("an amount in an unknown currency")
    };
    match amount {
        Value::Null => Ok(None),
        Value::String(text) if text.trim().is_empty() => Ok(None),
        Value::String(text) => Money::parse_major(text, currency()?)
            .map(Some)
            .map_err(|_| "an unreadable amount"),
        Value::Number(number) => match number.as_u64() {
            Some(whole) => Money::from_major(whole, currency()?)
                .map(Some)
                .map_err(|_| "an amount out of range"),
            None => Err("an amount that is not a whole number or a decimal text"),
        },
        Value::Bool(_) | Value::Array(_) | Value::Object(_) => Err("an unreadable amount"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_a_description_removes_every_forbidden_character() {
        assert_eq!(
            clean_description("T-shirt #2 / rouge & bleu_XL $"),
            "T-shirt 2 rouge bleu XL"
        );
    }

    /// The forbidden-character message as it was built before (a list of quoted
    /// characters per language, joined).
    fn message_before(text: &str) -> Option<(String, String)> {
        let mut present: Vec<char> = FORBIDDEN_DESCRIPTION_CHARACTERS
            .into_iter()
            .filter(|c| text.contains(*c))
            .collect();
        present.dedup();
        if present.is_empty() {
            return None;
        }
        let fr: Vec<String> = present.iter().map(|c| format!("« {c} »")).collect();
        let en: Vec<String> = present.iter().map(|c| format!("\"{c}\"")).collect();
        let (fr_word, en_word) = if present.len() == 1 {
            ("le caractère", "the character")
        } else {
            ("les caractères", "the characters")
        };
        Some((
            format!(
                "La description ne doit pas contenir {fr_word} {}.",
                fr.join(", ")
            ),
            format!(
                "The description must not contain {en_word} {}.",
                en.join(", ")
            ),
        ))
    }

    #[test]
    fn forbidden_characters_are_named_as_before() {
        for subset in 0..1u32 << FORBIDDEN_DESCRIPTION_CHARACTERS.len() {
            for doubled in [false, true] {
                let mut text = String::from("Commande");
                for (i, c) in FORBIDDEN_DESCRIPTION_CHARACTERS.iter().enumerate().rev() {
                    if subset & 1 << i != 0 {
                        text.push(*c);
                        if doubled {
                            text.push_str(" x");
                            text.push(*c);
                        }
                    }
                }
                let mut found = Violations::new();
                let kept = check_description(&text, &mut found);
                match message_before(&text) {
                    None => {
                        assert_eq!(kept.as_deref(), Some(text.as_str()));
                        assert!(found.is_empty());
                    }
                    Some((fr, en)) => {
                        assert_eq!(kept, None);
                        let violation = &found.as_slice()[0];
                        assert_eq!(violation.code, "forbidden_character");
                        assert_eq!(
                            (violation.message.fr.as_ref(), violation.message.en.as_ref()),
                            (fr.as_str(), en.as_str()),
                            "{text}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn amounts_are_read_from_text_or_whole_numbers_only() {
        let xof = |v: Value| read_amount(&v, Some("XOF")).map(|m| m.map(Money::minor));
        assert_eq!(xof(Value::String("2500".into())), Ok(Some(2500)));
        assert_eq!(xof(serde_json::json!(2500)), Ok(Some(2500)));
        assert_eq!(xof(Value::Null), Ok(None));
        assert!(xof(serde_json::json!(2500.5)).is_err());
        assert!(read_amount(&Value::String("10".into()), Some("ZZZ")).is_err());
        let usd = read_amount(&Value::String("12.50".into()), Some("USD")).unwrap();
        assert_eq!(usd.map(Money::minor), Some(1250));
    }
}
