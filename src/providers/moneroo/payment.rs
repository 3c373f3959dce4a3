//! Payments: initialize, verify, retrieve, and the return URL.

use serde::{Deserialize, Serialize};

use crate::domain::{Country, Currency, Message, PaymentStatus, Phone, Violation, Violations};
use crate::http::{HttpRequest, HttpResponse};
use crate::providers::{CheckedPayment, CreatedPayment, PaymentRequest, ProviderError};

use super::wire::{
    MonerooCustomer, MonerooInitializedPayment, MonerooMethod, MonerooPayment,
    MonerooPaymentRequest, MonerooPaymentStatus, MonerooRestrictedPhone,
};
use super::{
    answer_money, bad_response, check_amount, invalid_method, is_method_code, json_bytes,
    path_segment, read_data, required_customer, required_text, MonerooKeys,
};

/// The metadata key under which the order's reference travels, so that verify can echo
/// it back (Moneroo has no reference field of its own).
pub const REFERENCE_KEY: &str = "guichet_reference";

const DESCRIPTION_MAX: usize = 500;
const URL_MAX: usize = 2048;

/// What a Moneroo payment may add to a [`PaymentRequest`]: restrict who may pay. The two
/// restrictions exclude each other; asking for both is a violation, not a choice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MonerooPaymentOptions {
    /// Only shoppers paying from this country (ISO 3166-1 alpha-2).
    pub restrict_country_code: Option<String>,
    /// Only this phone number may pay.
    pub restricted_phone: Option<RestrictedPhoneInput>,
}

/// `restricted_phone` before any check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RestrictedPhoneInput {
    /// The number, national or international.
    pub number: Option<String>,
    /// The ISO 3166-1 alpha-2 country of the number.
    pub country_code: Option<String>,
}

/// Checks a payment against Moneroo's rules and gives the exact body to send, or every
/// problem at once with its field path: `amount` (whole major units, above zero),
/// `currency`, `description`, `return_url`, `customer.email`, `customer.first_name`,
/// `customer.last_name`, `methods[i]`, `restrict_country_code`, `restricted_phone.*`.
/// The order's reference is added to the metadata under [`REFERENCE_KEY`].
pub fn validate_payment(
    request: &PaymentRequest,
    options: &MonerooPaymentOptions,
) -> Result<MonerooPaymentRequest, Violations> {
    let mut found = Violations::new();
    let amount = check_amount(request.order.amount, &mut found);
    let description = required_text(
        &request.order.description,
        "description",
        DESCRIPTION_MAX,
        &mut found,
    );
    let return_url = check_url(&request.return_url, "return_url", &mut found);
    let names = required_customer(&request.customer, &mut found);

    let mut metadata = super::metadata_entries(&request.metadata);
    let reference = request.order.reference.trim();
    if !reference.is_empty() {
        metadata.insert(REFERENCE_KEY.to_owned(), reference.to_owned());
    }

    let mut methods: Vec<String> = Vec::with_capacity(request.methods.len());
    for (i, method) in request.methods.iter().enumerate() {
        if !is_method_code(method) {
            found.push(invalid_method(format!("methods[{i}]")));
        } else if !methods.contains(method) {
            methods.push(method.clone());
        }
    }

    let (restrict_country_code, restricted_phone) = check_restrictions(options, &mut found);

    let customer = &request.customer;
    match (amount, description, return_url, names) {
        (Some(amount), Some(description), Some(return_url), Some((email, first, last)))
            if found.is_empty() =>
        {
            Ok(MonerooPaymentRequest {
                amount,
                currency: request.order.currency().code().to_owned(),
                description,
                return_url,
                customer: MonerooCustomer {
                    email,
                    first_name: first,
                    last_name: last,
                    phone: customer.phone.as_ref().map(|p| p.digits().to_owned()),
                    address: customer.address.clone(),
                    city: customer.city.clone(),
                    state: customer.state.clone(),
                    country: customer.country.map(|c| c.as_str().to_owned()),
                    zip: customer.zip.clone(),
                },
                metadata,
                methods,
                restrict_country_code,
                restricted_phone,
            })
        }
        _ => Err(found),
    }
}

/// Builds `POST /v1/payments/initialize` once [`validate_payment`] passes. Nothing that
/// breaks Moneroo's rules is ever built.
pub fn initialize_payment(
    keys: &MonerooKeys,
    request: &PaymentRequest,
    options: &MonerooPaymentOptions,
) -> Result<HttpRequest, Violations> {
    let body = validate_payment(request, options)?;
    Ok(keys.post("/v1/payments/initialize", json_bytes(&body)))
}

/// Reads the answer to [`initialize_payment`]: the payment id and the hosted page. A
/// checkout URL that is not `http(s)` is refused, since the shopper is sent there.
pub fn read_created_payment(response: &HttpResponse) -> Result<CreatedPayment, ProviderError> {
    let data: MonerooInitializedPayment = read_data(response)?;
    if data.id.trim().is_empty() {
        return Err(bad_response(response.status, "the payment has no id"));
    }
    let url = data.checkout_url.trim();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(bad_response(
            response.status,
            "the checkout URL is not an http(s) URL",
        ));
    }
    Ok(CreatedPayment {
        provider_ref: data.id,
        checkout_url: url.to_owned(),
    })
}

/// Builds `GET /v1/payments/{id}/verify`, the status call to trust.
pub fn check_payment(keys: &MonerooKeys, payment_id: &str) -> HttpRequest {
    keys.get(&format!("/v1/payments/{}/verify", path_segment(payment_id)))
}

/// Builds `GET /v1/payments/{id}`, the full record.
pub fn retrieve_payment(keys: &MonerooKeys, payment_id: &str) -> HttpRequest {
    keys.get(&format!("/v1/payments/{}", path_segment(payment_id)))
}

/// Reads the payment in a verify or retrieve answer, every published field included.
pub fn read_payment(response: &HttpResponse) -> Result<MonerooPayment, ProviderError> {
    read_data(response)
}

/// Reads a verify or retrieve answer as a [`CheckedPayment`]: the mapped status, the amount
/// when the currency is one we know, and the reference echoed in the metadata. Apply
/// [`CheckedPayment::settle`] before believing a success.
pub fn read_payment_check(response: &HttpResponse) -> Result<CheckedPayment, ProviderError> {
    let payment = read_payment(response)?;
    Ok(CheckedPayment {
        status: payment_status(&payment.status),
        provider_status: payment.status.as_str().to_owned(),
        amount: answer_money(payment.amount.as_ref(), payment.currency.as_ref()),
        reference: payment
            .metadata
            .as_ref()
            .and_then(|m| m.get(REFERENCE_KEY))
            .map(str::to_owned),
        provider_ref: payment.id,
    })
}

/// Moneroo's payment status on our scale. An unpublished word stays pending: asking
/// again later is safe, guessing a final state is not.
pub fn payment_status(status: &MonerooPaymentStatus) -> PaymentStatus {
    match status {
        MonerooPaymentStatus::Initiated | MonerooPaymentStatus::Pending => PaymentStatus::Pending,
        MonerooPaymentStatus::Success => PaymentStatus::Succeeded,
        MonerooPaymentStatus::Failed => PaymentStatus::Failed,
        MonerooPaymentStatus::Cancelled => PaymentStatus::Cancelled,
        MonerooPaymentStatus::Unknown(_) => PaymentStatus::Pending,
    }
}

/// Checks method codes against a catalog from [`super::payment_methods`]: each must exist
/// and take the payment's currency.
pub fn check_methods(
    methods: &[String],
    catalog: &[MonerooMethod],
    currency: Currency,
) -> Violations {
    let mut found = Violations::new();
    for (i, code) in methods.iter().enumerate() {
        let field = format!("methods[{i}]");
        match super::find_method(catalog, code) {
            None => found.push(Violation::new(
                "unknown_method",
                field,
                Message::new(
                    format!("Moneroo ne propose pas le moyen de paiement {code}."),
                    format!("Moneroo does not offer the payment method {code}."),
                ),
            )),
            Some(method) => {
                let takes = method.currency.as_ref().map(|c| c.code());
                if takes.is_some_and(|c| !c.eq_ignore_ascii_case(currency.code())) {
                    found.push(Violation::new(
                        "method_currency_mismatch",
                        field,
                        Message::new(
                            format!(
                                "Le moyen de paiement {code} n'accepte pas la devise {currency}."
                            ),
                            format!("The payment method {code} does not take {currency}."),
                        ),
                    ));
                }
            }
        }
    }
    found
}

/// What the return URL says. Only good for finding the session: the status is a hint
/// anyone can type, so the outcome always comes from [`check_payment`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonerooReturn {
    /// The payment id.
    pub payment_id: String,
    /// The status word in the URL, untrusted.
    pub payment_status: Option<MonerooPaymentStatus>,
}

/// Reads `paymentId` and `paymentStatus` from a return URL or its query string, or
/// `monerooPaymentId` and `monerooPaymentStatus` as some integrations name them: both
/// spellings are read.
/// `None` when there is no well-formed id.
pub fn read_return(url_or_query: &str) -> Option<MonerooReturn> {
    let query = match url_or_query.split_once('?') {
        Some((_, query)) => query,
        None => url_or_query,
    };
    let query = query.split('#').next().unwrap_or("");
    let mut payment_id = None;
    let mut payment_status = None;
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let Some(value) = percent_decode(value) else {
            continue;
        };
        match name {
            "paymentId" | "monerooPaymentId" => payment_id = payment_id.or(Some(value)),
            "paymentStatus" | "monerooPaymentStatus" => {
                payment_status = payment_status.or(Some(value));
            }
            _ => {}
        }
    }
    let payment_id = payment_id.filter(|id| is_payment_id(id))?;
    Some(MonerooReturn {
        payment_id,
        payment_status: payment_status
            .filter(|s| !s.is_empty())
            .map(MonerooPaymentStatus::from),
    })
}

/// Ids seen: 12 lowercase alphanumerics, UUIDs; anything of 1 to 64 of
/// `A-Z a-z 0-9 - _` is accepted.
fn is_payment_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn check_url(url: &str, field: &str, found: &mut Violations) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        found.push(Violation::required(field));
        return None;
    }
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= URL_MAX
        && !crate::providers::has_blank_or_control(url);
    if ok {
        Some(url.to_owned())
    } else {
        found.push(crate::providers::rule(
            "invalid_url",
            field,
            "Cette adresse doit être une URL http(s) complète.",
            "This address must be a full http(s) URL.",
        ));
        None
    }
}

/// `restrict_country_code` XOR `restricted_phone`. The phone is sent as its national
/// number with the alpha-2 country, Moneroo's reading of `{number, country_code}` that
/// matches `restrict_country_code` and `customer.country`.
fn check_restrictions(
    options: &MonerooPaymentOptions,
    found: &mut Violations,
) -> (Option<String>, Option<MonerooRestrictedPhone>) {
    let country_given = options
        .restrict_country_code
        .as_deref()
        .is_some_and(|c| !c.trim().is_empty());
    if country_given && options.restricted_phone.is_some() {
        found.push(crate::providers::rule(
            "restrictions_exclusive",
            "restricted_phone",
            "Restreignez le paiement soit à un pays, soit à un numéro de téléphone, pas aux deux.",
            "Restrict the payment either to a country or to a phone number, not both.",
        ));
        return (None, None);
    }
    let country = options
        .restrict_country_code
        .as_deref()
        .filter(|_| country_given)
        .and_then(|code| country_code(code, "restrict_country_code", found));
    let phone = options
        .restricted_phone
        .as_ref()
        .and_then(|input| restricted_phone(input, found));
    (country.map(|c| c.as_str().to_owned()), phone)
}

fn restricted_phone(
    input: &RestrictedPhoneInput,
    found: &mut Violations,
) -> Option<MonerooRestrictedPhone> {
    let text = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let country = match text(&input.country_code) {
        Some(code) => country_code(&code, "restricted_phone.country_code", found),
        None => {
            found.push(Violation::required("restricted_phone.country_code"));
            None
        }
    };
    let Some(number) = text(&input.number) else {
        found.push(Violation::required("restricted_phone.number"));
        return None;
    };
    let country = country?;
    let phone = match Phone::parse(&number, Some(country)) {
        Ok(phone) => phone,
        Err(error) => {
            found.push(error.violation("restricted_phone.number"));
            return None;
        }
    };
    if phone.country().is_some_and(|c| c != country) {
        found.push(Violation::new(
            "phone_country_mismatch",
            "restricted_phone.number",
            Message::new(
                format!("Ce numéro n'est pas un numéro du pays {country}."),
                format!("This number is not a number of {country}."),
            ),
        ));
        return None;
    }
    Some(MonerooRestrictedPhone {
        number: phone.national_number().to_owned(),
        country_code: country.as_str().to_owned(),
    })
}

fn country_code(code: &str, field: &str, found: &mut Violations) -> Option<Country> {
    let country = Country::parse(code);
    if country.is_none() {
        found.push(crate::providers::rule(
            "invalid_country",
            field,
            "Le pays doit être un code ISO à deux lettres (par exemple BJ).",
            "The country must be a two-letter ISO code (for example BJ).",
        ));
    }
    country
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_reads_escapes_and_refuses_broken_ones() {
        assert_eq!(percent_decode("a%20b+c").as_deref(), Some("a b c"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%2"), None);
    }
}
