//! Phone numbers, normalized to E.164 (`+2250701020304`).
//!
//! Mobile money runs on phone numbers, and shoppers type them every way: with spaces,
//! dots, `00` or `+`, with or without the country code. The numbering plans below are the
//! ones our providers' countries publish; a country not listed is accepted only in full
//! international form.

use core::fmt;

use serde::{Deserialize, Serialize};

use super::validation::{cat, Violation};
use super::Country;

/// A country's numbering plan, as far as validation needs it.
struct Plan {
    country: [u8; 2],
    /// The international dialing code, without `+`.
    dial: &'static str,
    /// Length of the national significant number, after any trunk prefix is dropped.
    length: usize,
    /// True where numbers are dialed nationally with a leading `0` that is not part of the
    /// number (Ghana, Nigeria, RDC, ...). In Côte d'Ivoire and Bénin the leading `0` is part
    /// of the 10-digit number.
    trunk_zero: bool,
}

const fn plan(country: &[u8; 2], dial: &'static str, length: usize, trunk_zero: bool) -> Plan {
    Plan {
        country: *country,
        dial,
        length,
        trunk_zero,
    }
}

/// Numbering plans of the countries the providers serve.
const PLANS: &[Plan] = &[
    plan(b"CI", "225", 10, false), // 10 digits since 31 January 2021 (07…, 05…, 01…, 27…)
    plan(b"BJ", "229", 10, false), // 10 digits since 30 November 2024: "01" + the old 8
    plan(b"SN", "221", 9, false),
    plan(b"CM", "237", 9, false),
    plan(b"TG", "228", 8, false),
    plan(b"BF", "226", 8, false),
    plan(b"ML", "223", 8, false),
    plan(b"NE", "227", 8, false),
    plan(b"GN", "224", 9, false),
    plan(b"CD", "243", 9, true),
    plan(b"CG", "242", 9, false),
    plan(b"GA", "241", 8, false),
    plan(b"TD", "235", 8, false),
    plan(b"CF", "236", 8, false),
    plan(b"GH", "233", 9, true),
    plan(b"NG", "234", 10, true),
    plan(b"KE", "254", 9, true),
    plan(b"TZ", "255", 9, true),
    plan(b"UG", "256", 9, true),
    plan(b"RW", "250", 9, true),
    plan(b"ZM", "260", 9, true),
    plan(b"MW", "265", 9, true),
    plan(b"ZA", "27", 9, true),
];

fn plan_for(country: Country) -> Option<&'static Plan> {
    PLANS
        .iter()
        .find(|p| p.country == country.as_str().as_bytes())
}

/// A phone number in E.164 form: `+`, the country's dialing code, the national number.
/// On the wire it is the E.164 text; reading it back checks it again.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl TryFrom<String> for Phone {
    type Error = PhoneError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Phone::parse(&text, None)
    }
}

impl From<Phone> for String {
    fn from(phone: Phone) -> String {
        phone.0
    }
}

/// Why a phone number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneError {
    /// Letters or symbols other than spaces, dots, dashes, parentheses and a leading `+`.
    Characters,
    /// No country code, and no country to take it from.
    NoCountry,
    /// The number has the wrong length for its country.
    Length,
}

impl PhoneError {
    /// The violation to show at `field`.
    pub fn violation(self, field: impl Into<String>) -> Violation {
        let (fr, en) = match self {
            PhoneError::Characters => (
                "Le numéro de téléphone ne doit contenir que des chiffres.",
                "The phone number must contain only digits.",
            ),
            PhoneError::NoCountry => (
                "Indiquez le numéro avec l'indicatif du pays (par exemple +225).",
                "Give the number with its country code (for example +225).",
            ),
            PhoneError::Length => (
                "Ce numéro de téléphone n'a pas le bon nombre de chiffres pour ce pays.",
                "This phone number has the wrong number of digits for its country.",
            ),
        };
        Violation::texts("invalid_phone", field.into(), fr, en)
    }
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PhoneError::Characters => "phone number has characters other than digits",
            PhoneError::NoCountry => "phone number has no country code",
            PhoneError::Length => "phone number has the wrong length for its country",
        })
    }
}

impl std::error::Error for PhoneError {}

impl Phone {
    /// Normalizes what a shopper typed. `country` is used when the number has no country
    /// code (`07 01 02 03 04` in Côte d'Ivoire). Accepted: `+225…`, `00225…`, `225…` when
    /// the length fits the country, or the national number.
    pub fn parse(input: &str, country: Option<Country>) -> Result<Phone, PhoneError> {
        let trimmed = input.trim();
        let (international, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let mut digits = String::with_capacity(rest.len());
        for ch in rest.chars() {
            match ch {
                '0'..='9' => digits.push(ch),
                ' ' | '.' | '-' | '(' | ')' | '\u{a0}' | '\u{202f}' => {}
                _ => return Err(PhoneError::Characters),
            }
        }
        if digits.is_empty() {
            return Err(PhoneError::Length);
        }
        let international = international || {
            if let Some(stripped) = digits.strip_prefix("00") {
                digits = stripped.to_owned();
                true
            } else {
                false
            }
        };
        if international {
            return Phone::from_international(&digits);
        }
        let Some(plan) = country.and_then(plan_for) else {
            // A number that already starts with a known dialing code and has the right
            // length is international even without `+`.
            return match Phone::from_international(&digits) {
                Ok(phone) if country.is_none() || phone.country() == country => Ok(phone),
                _ => Err(PhoneError::NoCountry),
            };
        };
        if let Some(national) = digits.strip_prefix(plan.dial) {
            if let Ok(phone) = Phone::national(plan, national) {
                return Ok(phone);
            }
        }
        Phone::national(plan, &digits)
    }

    fn from_international(digits: &str) -> Result<Phone, PhoneError> {
        // Dialing codes are prefix-free, so at most one plan matches.
        let found = PLANS
            .iter()
            .find_map(|p| digits.strip_prefix(p.dial).map(|national| (p, national)));
        if let Some((plan, national)) = found {
            return Phone::national(plan, national);
        }
        // E.164: at most 15 digits; the shortest real numbers have 8.
        if (8..=15).contains(&digits.len()) && !digits.starts_with('0') {
            Ok(Phone(cat(&["+", digits])))
        } else {
            Err(PhoneError::Length)
        }
    }

    fn national(plan: &Plan, digits: &str) -> Result<Phone, PhoneError> {
        let digits = if plan.trunk_zero && digits.len() == plan.length + 1 {
            digits.strip_prefix('0').unwrap_or(digits)
        } else {
            digits
        };
        // Bénin's 8-digit numbers became "01" + the same 8 digits.
        let upgraded;
        let digits = if plan.country == *b"BJ" && digits.len() == 8 {
            upgraded = cat(&["01", digits]);
            upgraded.as_str()
        } else {
            digits
        };
        if digits.len() != plan.length || (plan.trunk_zero && digits.starts_with('0')) {
            return Err(PhoneError::Length);
        }
        Ok(Phone(cat(&["+", plan.dial, digits])))
    }

    /// The E.164 text, `+` included.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Digits only, without `+`: the international integer form Moneroo's `msisdn` wants.
    pub fn digits(&self) -> &str {
        self.0.strip_prefix('+').unwrap_or(&self.0)
    }

    /// The country whose plan the number follows, when it is one we know.
    pub fn country(&self) -> Option<Country> {
        let digits = self.digits();
        PLANS
            .iter()
            .find(|p| digits.starts_with(p.dial))
            .and_then(|p| Country::from_code(p.country))
    }

    /// The dialing code without `+` (`225`), when the country is known.
    pub fn dial_code(&self) -> Option<&'static str> {
        let digits = self.digits();
        PLANS
            .iter()
            .find(|p| digits.starts_with(p.dial))
            .map(|p| p.dial)
    }

    /// The national number, without the dialing code (`0701020304`).
    pub fn national_number(&self) -> &str {
        match self.dial_code() {
            Some(dial) => &self.digits()[dial.len()..],
            None => self.digits(),
        }
    }

    /// The number with all but the last four digits hidden, for logs and receipts.
    pub fn masked(&self) -> String {
        let digits = self.digits();
        let keep = digits.len().saturating_sub(4);
        let mut out = String::from("+");
        out.extend(core::iter::repeat_n('•', keep));
        out.push_str(&digits[keep..]);
        out
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e164(input: &str, country: Option<Country>) -> Result<String, PhoneError> {
        Phone::parse(input, country).map(|p| p.as_str().to_owned())
    }

    #[test]
    fn every_listed_country_normalizes_its_national_form() {
        let cases = [
            ("07 01 02 03 04", Country::CI, "+2250701020304"),
            ("01 97 00 00 00", Country::BJ, "+2290197000000"),
            ("97 00 00 00", Country::BJ, "+2290197000000"),
            ("77 123 45 67", Country::SN, "+221771234567"),
            ("6 71 23 45 67", Country::CM, "+237671234567"),
            ("90 12 34 56", Country::TG, "+22890123456"),
            ("70 12 34 56", Country::BF, "+22670123456"),
            ("76 12 34 56", Country::ML, "+22376123456"),
            ("96 12 34 56", Country::NE, "+22796123456"),
            ("622 12 34 56", Country::GN, "+224622123456"),
            ("081 234 5678", Country::CD, "+243812345678"),
            ("81 234 5678", Country::CD, "+243812345678"),
        ];
        for (input, country, expected) in cases {
            assert_eq!(
                e164(input, Some(country)).as_deref(),
                Ok(expected),
                "{input} in {country}"
            );
        }
    }

    #[test]
    fn international_forms_agree_with_the_national_one() {
        for input in [
            "+225 07 01 02 03 04",
            "00225 0701020304",
            "2250701020304",
            "+225.07.01.02.03.04",
        ] {
            assert_eq!(
                e164(input, Some(Country::CI)).as_deref(),
                Ok("+2250701020304"),
                "{input}"
            );
        }
        assert_eq!(
            e164("+2250701020304", None).as_deref(),
            Ok("+2250701020304")
        );
        assert_eq!(e164("+33612345678", None).as_deref(), Ok("+33612345678"));
    }

    #[test]
    fn wrong_numbers_say_why() {
        assert_eq!(
            e164("07 01 02 03", Some(Country::CI)),
            Err(PhoneError::Length)
        );
        assert_eq!(
            e164("07-01-02-03-0a", Some(Country::CI)),
            Err(PhoneError::Characters)
        );
        assert_eq!(e164("0701020304", None), Err(PhoneError::NoCountry));
        assert_eq!(e164("+225 0701", None), Err(PhoneError::Length));
        assert_eq!(e164("", Some(Country::CI)), Err(PhoneError::Length));
    }

    #[test]
    fn parts_of_a_number() {
        let phone = Phone::parse("+2250701020304", None).unwrap();
        assert_eq!(phone.country(), Some(Country::CI));
        assert_eq!(phone.dial_code(), Some("225"));
        assert_eq!(phone.national_number(), "0701020304");
        assert_eq!(phone.digits(), "2250701020304");
        assert_eq!(phone.masked(), "+•••••••••0304");
    }
}
