//! The shopper who pays: who they are and how to reach them.

use serde::{Deserialize, Serialize};

use super::validation::{cat, join, Violations, DOT};
use super::{Country, Phone};

/// What the storefront sends about the shopper, before any check. Field names follow the
/// HTTP contract (`first_name`); the camelCase spellings a JavaScript caller may use are
/// accepted too.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
// The edge and the sandbox read it through `Fields` (src/http/inputs.rs).
#[cfg_attr(not(any(feature = "edge", feature = "sandbox")), derive(Deserialize))]
#[serde(default)]
pub struct CustomerInput {
    /// E-mail address.
    pub email: Option<String>,
    /// Given name.
    #[serde(alias = "firstName")]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(alias = "lastName")]
    pub last_name: Option<String>,
    /// Phone number, in any usual form.
    pub phone: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State, region or province.
    pub state: Option<String>,
    /// Postal code.
    #[serde(alias = "zipCode", alias = "zip_code")]
    pub zip: Option<String>,
}

/// Which customer fields a payment needs. Each provider asks for a different set
/// ([`super::Provider::customer_rules`]); formats are checked whatever the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CustomerRules {
    /// E-mail required.
    pub email: bool,
    /// First and last names required.
    pub names: bool,
    /// Phone required.
    pub phone: bool,
    /// Country, address, city, state and zip required (card payments).
    pub postal_address: bool,
}

/// A checked shopper: every field present is well formed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// E-mail address, lowercased domain.
    pub email: Option<String>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Phone in E.164 form.
    pub phone: Option<Phone>,
    /// Country.
    pub country: Option<Country>,
    /// Street address.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State, region or province.
    pub state: Option<String>,
    /// Postal code.
    pub zip: Option<String>,
}

const NAME_MAX: usize = 100;
const EMAIL_MAX: usize = 254;
const ADDRESS_MAX: usize = 200;
const ZIP_MAX: usize = 20;

impl Customer {
    /// Checks what the storefront sent, reporting every problem at once under `field`
    /// (usually `customer`).
    pub fn parse(
        input: &CustomerInput,
        rules: CustomerRules,
        field: &str,
    ) -> Result<Customer, Violations> {
        let mut found = Violations::new();
        let at = |name| join(field, name);

        let email = text_at(
            &input.email,
            field,
            "email",
            rules.email,
            EMAIL_MAX,
            &mut found,
        )
        .and_then(|email| match normalize_email(&email) {
            Some(email) => Some(email),
            None => {
                found.add(
                    "invalid_email",
                    &at("email"),
                    "Cette adresse e-mail n'est pas valide.",
                    "This e-mail address is not valid.",
                );
                None
            }
        });
        let first_name = text_at(
            &input.first_name,
            field,
            "first_name",
            rules.names,
            NAME_MAX,
            &mut found,
        );
        let last_name = text_at(
            &input.last_name,
            field,
            "last_name",
            rules.names,
            NAME_MAX,
            &mut found,
        );
        let country = text_at(
            &input.country,
            field,
            "country",
            rules.postal_address,
            8,
            &mut found,
        )
        .and_then(|code| match Country::parse(&code) {
            Some(country) => Some(country),
            None => {
                found.add(
                    "invalid_country",
                    &at("country"),
                    "Le pays doit être un code ISO à deux lettres (par exemple CI).",
                    "The country must be a two-letter ISO code (for example CI).",
                );
                None
            }
        });
        let phone =
            text_at(&input.phone, field, "phone", rules.phone, 32, &mut found).and_then(|raw| {
                match Phone::parse(&raw, country) {
                    Ok(phone) => Some(phone),
                    Err(error) => {
                        found.push(error.violation(at("phone")));
                        None
                    }
                }
            });
        let address = text_at(
            &input.address,
            field,
            "address",
            rules.postal_address,
            ADDRESS_MAX,
            &mut found,
        );
        let city = text_at(
            &input.city,
            field,
            "city",
            rules.postal_address,
            NAME_MAX,
            &mut found,
        );
        let state = text_at(
            &input.state,
            field,
            "state",
            rules.postal_address,
            NAME_MAX,
            &mut found,
        );
        let zip = text_at(
            &input.zip,
            field,
            "zip",
            rules.postal_address,
            ZIP_MAX,
            &mut found,
        );

        found.into_result(Customer {
            email,
            first_name,
            last_name,
            phone,
            country,
            address,
            city,
            state,
            zip,
        })
    }

    /// "First Last", or whichever of the two is known.
    pub fn full_name(&self) -> Option<String> {
        match (&self.first_name, &self.last_name) {
            (Some(first), Some(last)) => Some(format!("{first} {last}")),
            (Some(one), None) | (None, Some(one)) => Some(one.clone()),
            (None, None) => None,
        }
    }
}

/// A pragmatic e-mail check: one `@`, a local part of at most 64 printable characters, a
/// domain of dot-separated labels made of letters, digits and hyphens, with a dot. The
/// domain is lowercased.
/// [`super::validation::text`] for `field.name`: one call per field, the path joined
/// only when there is something to report.
#[inline(never)]
pub(super) fn text_at(
    value: &Option<String>,
    field: &str,
    name: &str,
    required: bool,
    max: usize,
    found: &mut Violations,
) -> Option<String> {
    // The browser bundle builds the path first, as before: the lazy path would cost it
    // bytes, and the edge's CPU is what it saves.
    #[cfg(not(any(feature = "edge", feature = "sandbox")))]
    return super::validation::text(value.as_deref(), &join(field, name), required, max, found);
    #[cfg(any(feature = "edge", feature = "sandbox"))]
    super::validation::text_in(value.as_deref(), field, name, required, max, found)
}

pub(super) fn normalize_email(email: &str) -> Option<String> {
    // A closure, not the char: `rsplit_once('@')`'s reverse searcher is 0.6 KB of the
    // browser bundle.
    #[allow(clippy::manual_pattern_char_comparison)] // the closure is the point: smaller
    let (local, domain) = email.rsplit_once(|c| c == '@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.as_bytes().windows(2).any(|pair| pair == b"..")
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
    let labels_ok = domain.as_bytes().contains(&b'.')
        && domain.split(DOT).all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    (local_ok && labels_ok).then(|| cat(&[local, "@", &domain.to_ascii_lowercase()]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_check_accepts_real_addresses_and_refuses_typos() {
        assert_eq!(
            normalize_email("awa.kone@Example.CI").as_deref(),
            Some("awa.kone@example.ci")
        );
        assert_eq!(
            normalize_email("a+tag@sub.example.com").as_deref(),
            Some("a+tag@sub.example.com")
        );
        for bad in [
            "awa",
            "awa@",
            "@example.ci",
            "awa@example",
            "awa@@example.ci",
            "a wa@example.ci",
            "awa@exa_mple.ci",
            "awa..k@example.ci",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }
}
