//! Payouts: send money to a customer's mobile-money number or account.

use serde::{Deserialize, Serialize};

use crate::domain::phone::PhoneError;
use crate::domain::{
    Country, Customer, CustomerRules, Message, Metadata, Money, PaymentStatus, Phone, Violation,
    Violations,
};
use crate::http::{HttpRequest, HttpResponse};
use crate::providers::{
    deduplicated, renamed, CheckedPayout, PayoutOrder, PayoutRecipient, ProviderError,
};

use super::wire::{
    MonerooInitializedPayout, MonerooMethod, MonerooPayout, MonerooPayoutCustomer,
    MonerooPayoutRequest, MonerooPayoutStatus, MonerooRecipient,
};
use super::{
    answer_money, bad_response, check_amount, find_method, invalid_method, is_method_code,
    json_bytes, path_segment, read_data, required_customer, required_text, MonerooKeys,
};

/// The demo method of Moneroo's sandbox; it takes an `account_number`.
pub const DEMO_METHOD: &str = "moneroo_payout_demo";

const DESCRIPTION_MAX: usize = 500;
const ACCOUNT_NUMBER_MAX: usize = 64;

/// A payout to send, priced and addressed by the merchant's servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutRequest {
    /// How much, in a currency the method takes.
    pub amount: Money,
    /// Why the money is sent.
    pub description: String,
    /// The payout method short code (`mtn_bj`, `moneroo_payout_demo`).
    pub method: String,
    /// Who receives it; email and both names are required.
    pub customer: Customer,
    /// Where the money goes.
    pub recipient: PayoutRecipientInput,
    /// The merchant's notes.
    pub metadata: Metadata,
}

/// The recipient before any check: which fields are needed depends on the method.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PayoutRecipientInput {
    /// The mobile-money number, in any usual form.
    pub msisdn: Option<String>,
    /// The account number (`moneroo_payout_demo`).
    pub account_number: Option<String>,
}

/// A recipient field Guichet knows how to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RecipientField {
    Msisdn,
    AccountNumber,
}

/// The recipient fields a method needs: the catalog's `fields` when the method is in it,
/// otherwise Moneroo's published rule (`account_number` for the demo method, `msisdn` for
/// the mobile-money methods, which are nearly all the others). Fields Guichet cannot fill
/// are left to Moneroo to refuse.
fn recipient_fields(method: Option<&MonerooMethod>, code: &str) -> Vec<RecipientField> {
    match method {
        Some(method) if !method.fields.is_empty() => {
            let mut fields = Vec::new();
            for field in &method.fields {
                match field.name.as_str() {
                    "msisdn" => fields.push(RecipientField::Msisdn),
                    "account_number" => fields.push(RecipientField::AccountNumber),
                    _ => {}
                }
            }
            fields
        }
        Some(_) | None if code == DEMO_METHOD => vec![RecipientField::AccountNumber],
        Some(_) | None => vec![RecipientField::Msisdn],
    }
}

/// Checks a payout against Moneroo's rules and gives the exact body to send, or every
/// problem with its field path. With a catalog from [`super::payout_methods`], the method
/// must exist, take the currency, and its `fields` decide the recipient; without one the
/// published rule does. `recipient.msisdn` is sent as a JSON integer: the E.164 digits
/// without `+`.
pub fn validate_payout(
    request: &PayoutRequest,
    catalog: Option<&[MonerooMethod]>,
) -> Result<MonerooPayoutRequest, Violations> {
    let mut found = Violations::new();
    let amount = check_amount(request.amount, &mut found);
    let description = required_text(
        &request.description,
        "description",
        DESCRIPTION_MAX,
        &mut found,
    );
    let names = required_customer(&request.customer, &mut found);

    let code = request.method.trim();
    let mut method = None;
    if !is_method_code(code) {
        found.push(invalid_method("method".to_owned()));
    } else if let Some(catalog) = catalog {
        method = find_method(catalog, code);
        check_catalog_method(method, code, request.amount, &mut found);
    }

    let mut countries: Vec<Country> = Vec::new();
    for c in method.map_or(&[][..], |m| &m.countries) {
        if let Some(country) = Country::parse(c.code()) {
            countries.push(country);
        }
    }
    let mut recipient = MonerooRecipient::default();
    for field in recipient_fields(method, code) {
        match field {
            RecipientField::Msisdn => {
                recipient.msisdn = msisdn(
                    request.recipient.msisdn.as_deref(),
                    &countries,
                    request.customer.country,
                    &mut found,
                );
            }
            RecipientField::AccountNumber => {
                recipient.account_number = crate::domain::validation::text(
                    request.recipient.account_number.as_deref(),
                    "recipient.account_number",
                    true,
                    ACCOUNT_NUMBER_MAX,
                    &mut found,
                );
            }
        }
    }

    let customer = &request.customer;
    match (amount, description, names) {
        (Some(amount), Some(description), Some((email, first_name, last_name)))
            if found.is_empty() =>
        {
            Ok(MonerooPayoutRequest {
                amount,
                currency: request.amount.currency().code().to_owned(),
                description,
                method: code.to_owned(),
                customer: MonerooPayoutCustomer {
                    email,
                    first_name,
                    last_name,
                    phone: customer.phone.as_ref().and_then(phone_integer),
                    address: customer.address.clone(),
                    city: customer.city.clone(),
                    state: customer.state.clone(),
                    country: customer.country.map(|c| c.as_str().to_owned()),
                    zip: customer.zip.clone(),
                },
                metadata: super::metadata_entries(&request.metadata),
                recipient,
            })
        }
        _ => Err(found),
    }
}

/// The metadata key that carries our payout id to Moneroo, so that a signed notification
/// can be tied to a payout whose send answer was lost.
pub const PAYOUT_ID_KEY: &str = "guichet_payout";

/// The description Moneroo requires when the merchant gives none.
const DEFAULT_DESCRIPTION: &str = "Payout";

/// A payout order as Moneroo takes it: `POST /v1/payouts/initialize` with our id in the
/// metadata ([`PAYOUT_ID_KEY`]), and the recipient's phone as Moneroo reads it (for the
/// masked copy we keep). Every violation is at the order's paths (`recipient.phone` for
/// `recipient.msisdn`, `recipient.method`, `recipient.email`).
pub fn prepare_payout(
    keys: &MonerooKeys,
    order: &PayoutOrder,
) -> Result<(HttpRequest, Option<Phone>), Violations> {
    let recipient = &order.recipient;
    let mut found = Violations::new();
    let customer = found.collect(Customer::parse(
        &recipient.customer_input(false),
        CustomerRules {
            email: true,
            names: true,
            ..CustomerRules::default()
        },
        "recipient",
    ));
    let metadata = found.collect(Metadata::parse(
        [(PAYOUT_ID_KEY.to_owned(), order.id.clone())],
        "metadata",
    ));
    let request = PayoutRequest {
        amount: order.amount,
        description: order
            .description
            .clone()
            .unwrap_or_else(|| DEFAULT_DESCRIPTION.to_owned()),
        method: recipient.method.clone().unwrap_or_default(),
        customer: customer.unwrap_or_else(|| unchecked_customer(recipient)),
        recipient: PayoutRecipientInput {
            msisdn: recipient.phone.clone(),
            account_number: recipient.account_number.clone(),
        },
        metadata: metadata.unwrap_or_default(),
    };
    let built = match initialize_payout(keys, &request, None) {
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
            Ok((built, phone))
        }
        _ => Err(found),
    }
}

/// A customer that fails Moneroo's rules the same way the input did, so that
/// [`validate_payout`] reports its own violations too (deduplicated afterwards).
fn unchecked_customer(recipient: &PayoutRecipient) -> Customer {
    let clean = |v: &Option<String>| v.as_deref().map(str::trim).map(str::to_owned);
    Customer {
        email: clean(&recipient.email),
        first_name: clean(&recipient.first_name),
        last_name: clean(&recipient.last_name),
        phone: None,
        country: recipient.country.as_deref().and_then(Country::parse),
        address: None,
        city: None,
        state: None,
        zip: None,
    }
}

/// Builds `POST /v1/payouts/initialize` once [`validate_payout`] passes.
pub fn initialize_payout(
    keys: &MonerooKeys,
    request: &PayoutRequest,
    catalog: Option<&[MonerooMethod]>,
) -> Result<HttpRequest, Violations> {
    let body = validate_payout(request, catalog)?;
    Ok(keys.post("/v1/payouts/initialize", json_bytes(&body)))
}

/// A payout Moneroo accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedPayout {
    /// Moneroo's payout id, for [`check_payout`].
    pub provider_ref: String,
}

/// Reads the answer to [`initialize_payout`].
pub fn read_created_payout(response: &HttpResponse) -> Result<CreatedPayout, ProviderError> {
    let data: MonerooInitializedPayout = read_data(response)?;
    if data.id.trim().is_empty() {
        return Err(bad_response(response.status, "the payout has no id"));
    }
    Ok(CreatedPayout {
        provider_ref: data.id,
    })
}

/// Builds `GET /v1/payouts/{id}/verify`.
pub fn check_payout(keys: &MonerooKeys, payout_id: &str) -> HttpRequest {
    keys.get(&format!("/v1/payouts/{}/verify", path_segment(payout_id)))
}

/// Builds `GET /v1/payouts/{id}`.
pub fn retrieve_payout(keys: &MonerooKeys, payout_id: &str) -> HttpRequest {
    keys.get(&format!("/v1/payouts/{}", path_segment(payout_id)))
}

/// Reads a payout verify or retrieve answer.
pub fn read_payout_check(response: &HttpResponse) -> Result<CheckedPayout, ProviderError> {
    let payout: MonerooPayout = read_data(response)?;
    let status = payout_status(&payout.status);
    let provider_status = payout.status.as_str().to_owned();
    Ok(CheckedPayout {
        failure: (status == PaymentStatus::Failed)
            .then(|| format!("Moneroo reports the payout {provider_status}")),
        status,
        provider_status,
        amount: answer_money(payout.amount.as_ref(), payout.currency.as_ref()),
        provider_ref: Some(payout.id),
        reference: None,
    })
}

/// Moneroo's payout status on our scale; an unpublished word stays pending.
pub fn payout_status(status: &MonerooPayoutStatus) -> PaymentStatus {
    match status {
        MonerooPayoutStatus::Initiated | MonerooPayoutStatus::Pending => PaymentStatus::Pending,
        MonerooPayoutStatus::Success => PaymentStatus::Succeeded,
        MonerooPayoutStatus::Failed => PaymentStatus::Failed,
        MonerooPayoutStatus::Unknown(_) => PaymentStatus::Pending,
    }
}

fn check_catalog_method(
    method: Option<&MonerooMethod>,
    code: &str,
    amount: Money,
    found: &mut Violations,
) {
    let Some(method) = method else {
        found.push(Violation::new(
            "unknown_method",
            "method",
            Message::new(
                format!("Moneroo ne propose pas le moyen de transfert {code}."),
                format!("Moneroo does not offer the payout method {code}."),
            ),
        ));
        return;
    };
    let currency = amount.currency();
    let takes = method.currency.as_ref().map(|c| c.code());
    if takes.is_some_and(|c| !c.eq_ignore_ascii_case(currency.code())) {
        found.push(Violation::new(
            "method_currency_mismatch",
            "currency",
            Message::new(
                format!("Le moyen de transfert {code} n'accepte pas la devise {currency}."),
                format!("The payout method {code} does not take {currency}."),
            ),
        ));
    }
}

/// Checks `recipient.msisdn` and gives the integer to send. A national number is read in
/// the method's country when it serves one, else in the customer's.
fn msisdn(
    raw: Option<&str>,
    countries: &[Country],
    customer_country: Option<Country>,
    found: &mut Violations,
) -> Option<u64> {
    const FIELD: &str = "recipient.msisdn";
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        found.push(Violation::required(FIELD));
        return None;
    };
    let hint = match countries {
        [only] => Some(*only),
        _ => customer_country,
    };
    let phone = match Phone::parse(raw, hint) {
        Ok(phone) => phone,
        Err(error) => {
            found.push(error.violation(FIELD));
            return None;
        }
    };
    let served = countries.is_empty() || phone.country().is_some_and(|c| countries.contains(&c));
    if !served {
        found.push(crate::providers::rule(
            "phone_country_mismatch",
            FIELD,
            "Ce numéro n'appartient pas à un pays servi par ce moyen de transfert.",
            "This number is not in a country this payout method serves.",
        ));
        return None;
    }
    let integer = phone_integer(&phone);
    if integer.is_none() {
        found.push(PhoneError::Length.violation(FIELD));
    }
    integer
}

/// The E.164 digits as an integer; at most 15 digits, so it always fits.
fn phone_integer(phone: &Phone) -> Option<u64> {
    phone.digits().parse().ok()
}
