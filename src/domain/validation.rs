//! Validation results: every problem at once, each with a stable code, the field path and
//! a message in French and English.

use core::fmt;

use serde::{Deserialize, Serialize};

use super::Lang;

/// A message a shopper may read, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// French text.
    pub fr: String,
    /// English text.
    pub en: String,
}

impl Message {
    /// Builds a message from its two texts.
    pub fn new(fr: impl Into<String>, en: impl Into<String>) -> Self {
        Message {
            fr: fr.into(),
            en: en.into(),
        }
    }

    /// The text in the shopper's language.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        }
    }
}

/// One broken rule: which field, which rule, and what to tell the shopper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// Stable machine code, such as `required` or `invalid_phone`.
    pub code: String,
    /// Path of the field, such as `customer.phone` or `items[2].quantity`.
    pub field: String,
    /// What to tell the shopper.
    pub message: Message,
}

impl Violation {
    /// Builds a violation.
    pub fn new(code: &str, field: impl Into<String>, message: Message) -> Self {
        Violation {
            code: code.to_owned(),
            field: field.into(),
            message,
        }
    }

    /// A violation whose texts are fixed, built out of line: each site passes four
    /// texts instead of building four strings (and the edge and the browser hold many).
    #[inline(never)]
    pub fn texts(code: &str, field: String, fr: &str, en: &str) -> Self {
        Violation {
            code: code.to_owned(),
            field,
            message: Message {
                fr: fr.to_owned(),
                en: en.to_owned(),
            },
        }
    }

    /// [`Violation::texts`] at a field path given as text.
    #[inline(never)]
    pub fn fixed(code: &str, field: &str, fr: &str, en: &str) -> Self {
        Violation::texts(code, field.to_owned(), fr, en)
    }

    /// The common "this field is required" violation.
    pub fn required(field: impl Into<String>) -> Self {
        Violation::texts(
            "required",
            field.into(),
            "Ce champ est obligatoire.",
            "This field is required.",
        )
    }

    /// A text longer than the rule allows.
    pub fn too_long(field: impl Into<String>, max: usize) -> Self {
        Violation::new(
            "too_long",
            field,
            Message::new(
                cat(&[
                    "Ce champ ne doit pas dépasser ",
                    &decimal(max as u64),
                    " caractères.",
                ]),
                cat(&[
                    "This field must be at most ",
                    &decimal(max as u64),
                    " characters long.",
                ]),
            ),
        )
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.message.en, self.code)
    }
}

/// Most violations one answer lists; past it they are only counted
/// ([`Violations::omitted`]), so that an answer never grows with the size of the input.
pub const MAX_REPORTED: usize = 20;

/// Every violation found in one input, the first [`MAX_REPORTED`] of them kept and the
/// rest counted. Empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Violations {
    list: Vec<Violation>,
    /// Violations found past [`MAX_REPORTED`]: counted, not kept.
    #[serde(skip)]
    omitted: usize,
}

impl Violations {
    /// No violation yet.
    pub fn new() -> Self {
        Violations::default()
    }

    /// Records one violation (only counted once [`MAX_REPORTED`] are kept).
    pub fn push(&mut self, violation: Violation) {
        if self.list.len() < MAX_REPORTED {
            self.list.push(violation);
        } else {
            self.omitted += 1;
        }
    }

    /// Records `Violation::new(code, field, Message::new(fr, en))`. One call per rule
    /// instead of the three strings built inline at each: the browser bundle holds every
    /// rule, so what each costs adds up.
    #[inline(never)]
    pub fn add(&mut self, code: &str, field: &str, fr: &str, en: &str) {
        self.push(Violation::fixed(code, field, fr, en));
    }

    /// [`Violations::add`] with a number in the message: `fr[0] n fr[1]`, `en[0] n en[1]`.
    #[inline(never)]
    pub fn add_number(&mut self, code: &str, field: &str, n: usize, fr: [&str; 2], en: [&str; 2]) {
        let n = decimal(n as u64);
        self.add(
            code,
            field,
            &cat(&[fr[0], &n, fr[1]]),
            &cat(&[en[0], &n, en[1]]),
        );
    }

    /// Records every violation of another check.
    pub fn extend(&mut self, other: Violations) {
        self.omitted += other.omitted;
        for violation in other.list {
            self.push(violation);
        }
    }

    /// How many violations were found but not kept, past the first [`MAX_REPORTED`].
    pub fn omitted(&self) -> usize {
        self.omitted
    }

    /// Runs a check and keeps its value, or records its violations and gives `None`.
    pub fn collect<T>(&mut self, result: Result<T, Violations>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(found) => {
                self.extend(found);
                None
            }
        }
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// How many violations are kept (at most [`MAX_REPORTED`]).
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// The violations kept, in the order they were found.
    pub fn as_slice(&self) -> &[Violation] {
        &self.list
    }

    /// The first violation for a field, if any.
    pub fn for_field(&self, field: &str) -> Option<&Violation> {
        self.list.iter().find(|v| v.field == field)
    }

    /// `Ok(value)` when nothing was found, the violations otherwise.
    pub fn into_result<T>(self, value: T) -> Result<T, Violations> {
        if self.list.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl From<Violation> for Violations {
    fn from(violation: Violation) -> Self {
        Violations {
            list: vec![violation],
            omitted: 0,
        }
    }
}

impl IntoIterator for Violations {
    type Item = Violation;
    type IntoIter = std::vec::IntoIter<Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.into_iter()
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.list.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        if self.omitted > 0 {
            // No integer formatting: `core::fmt`'s would weigh KBs in the browser bundle.
            f.write_str("; and ")?;
            f.write_str(&decimal(self.omitted as u64))?;
            f.write_str(" more")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

/// Joins a parent path and a child name: `join("customer", "email")` is `customer.email`.
pub fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else {
        cat(&[parent, ".", child])
    }
}

/// `field[i]`, the path of a list element.
pub fn indexed(field: &str, i: usize) -> String {
    cat(&[field, "[", &decimal(i as u64), "]"])
}

/// A test on one character, as a plain function pointer. Every `split`, `split_once` and
/// `rsplit_once` given one of these shares one searcher: each closure or `char` pattern
/// would be a searcher of its own in the browser bundle.
pub type CharTest = fn(char) -> bool;

/// `,`, as a [`CharTest`].
pub const COMMA: CharTest = |c| c == ',';
/// `.`, as a [`CharTest`].
pub const DOT: CharTest = |c| c == '.';

/// The parts one after the other: what `[a, b].concat()` gives, without the generic
/// joining code (`join_generic_copy`, 1 KB) in the browser bundle.
pub fn cat(parts: &[&str]) -> String {
    let mut joined = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        joined.push_str(part);
    }
    joined
}

/// `n` in decimal. Shopper-facing messages and field paths are built without `format!`:
/// `core::fmt` would otherwise weigh several KB in the browser bundle.
pub fn decimal(mut n: u64) -> String {
    let mut digits = [b'0'; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] += (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[at..].iter().map(|&d| char::from(d)).collect()
}

/// Checks a free text: trimmed, not empty when required, at most `max` characters and no
/// control characters. Gives the trimmed text, or `None` when absent and optional.
#[cfg(any(feature = "edge", feature = "sandbox"))]
pub fn text(
    value: Option<&str>,
    field: &str,
    required: bool,
    max: usize,
    found: &mut Violations,
) -> Option<String> {
    text_in(value, field, "", required, max, found)
}

/// Checks a free text: trimmed, not empty when required, at most `max` characters and no
/// control characters. Gives the trimmed text, or `None` when absent and optional.
#[cfg(not(any(feature = "edge", feature = "sandbox")))]
pub fn text(
    value: Option<&str>,
    field: &str,
    required: bool,
    max: usize,
    found: &mut Violations,
) -> Option<String> {
    let trimmed = value.map(str::trim).filter(|s| !s.is_empty());
    let Some(text) = trimmed else {
        if required {
            found.push(Violation::required(field));
        }
        return None;
    };
    // Characters are the bytes that do not continue one: the same count as
    // `chars().count()`, without its large vectorized code in the browser bundle.
    if text.bytes().filter(|b| b & 0xC0 != 0x80).count() > max {
        found.push(Violation::too_long(field, max));
        return None;
    }
    if text.chars().any(char::is_control) {
        found.add(
            "invalid_characters",
            field,
            "Ce champ contient des caractères non autorisés.",
            "This field contains characters that are not allowed.",
        );
        return None;
    }
    Some(text.to_owned())
}

/// [`text`] at the path `parent.child` (`parent` alone when `child` is empty), the path
/// built only when there is something to report: a valid text builds none.
#[cfg(any(feature = "edge", feature = "sandbox"))]
#[inline(never)]
pub fn text_in(
    value: Option<&str>,
    parent: &str,
    child: &str,
    required: bool,
    max: usize,
    found: &mut Violations,
) -> Option<String> {
    let path = || field_path(parent, child);
    let trimmed = value.map(trim).filter(|s| !s.is_empty());
    let Some(text) = trimmed else {
        if required {
            found.push(Violation::required(path()));
        }
        return None;
    };
    // Characters are the bytes that do not continue one: the same count as
    // `chars().count()`, without its large vectorized code in the browser bundle. No
    // more characters than bytes: a short text is not counted.
    if text.len() > max && text.bytes().filter(|b| b & 0xC0 != 0x80).count() > max {
        found.push(Violation::too_long(path(), max));
        return None;
    }
    if has_control(text) {
        found.add(
            "invalid_characters",
            &path(),
            "Ce champ contient des caractères non autorisés.",
            "This field contains characters that are not allowed.",
        );
        return None;
    }
    Some(text.to_owned())
}

/// `parent.child`, or `parent` when `child` is empty.
#[cfg(any(feature = "edge", feature = "sandbox"))]
#[cold]
#[inline(never)]
fn field_path(parent: &str, child: &str) -> String {
    match child {
        "" => parent.to_owned(),
        child => join(parent, child),
    }
}

/// `str::trim`, without decoding a character when the text begins and ends with a
/// printable ASCII one (nothing to trim then), as it almost always does.
#[cfg(any(feature = "edge", feature = "sandbox"))]
pub(crate) fn trim(text: &str) -> &str {
    let plain = |b: &u8| *b < 0x80 && !matches!(b, b'\t'..=b'\r' | b' ');
    let bytes = text.as_bytes();
    if bytes.first().is_some_and(plain) && bytes.last().is_some_and(plain) {
        text
    } else {
        text.trim()
    }
}

/// `text.chars().any(char::is_control)` on bytes: the control characters are U+0000 to
/// U+001F, U+007F and U+0080 to U+009F, the last ones written `C2 80` to `C2 9F`.
#[cfg(any(feature = "edge", feature = "sandbox"))]
fn has_control(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b < 0x20 || b == 0x7F || (b == 0xC2 && bytes.get(i + 1).is_some_and(|&n| n < 0xA0))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::{Currency, MoneyError};
    use crate::domain::phone::PhoneError;

    /// How each violation was built before `Violation::texts`: its four strings at the site.
    fn before(code: &str, field: impl Into<String>, fr: &str, en: &str) -> Violation {
        Violation::new(code, field, Message::new(fr, en))
    }

    #[test]
    fn violations_with_fixed_texts_read_as_before() {
        let texts = [
            "",
            "a",
            "items[3].sku",
            "é à ç",
            "quote \" and \\",
            "\u{2028}x",
        ];
        for code in texts {
            for field in texts {
                for fr in texts {
                    for en in texts {
                        let was = before(code, field, fr, en);
                        assert_eq!(Violation::texts(code, field.to_owned(), fr, en), was);
                        assert_eq!(Violation::fixed(code, field, fr, en), was);
                        let mut found = Violations::new();
                        found.add(code, field, fr, en);
                        assert_eq!(found.as_slice(), [was]);
                    }
                }
            }
            let required = before(
                "required",
                code,
                "Ce champ est obligatoire.",
                "This field is required.",
            );
            assert_eq!(Violation::required(code), required);
            assert_eq!(Violation::required(code.to_owned()), required);
        }
    }

    #[test]
    fn money_and_phone_violations_read_as_before() {
        // MoneyError::violation and PhoneError::violation as they were written before.
        fn money_before(error: MoneyError, field: &str) -> Violation {
            let (code, message) = match error {
                MoneyError::Overflow => (
                    "amount_overflow",
                    Message::new("Le montant est trop élevé.", "The amount is too large."),
                ),
                MoneyError::CurrencyMismatch { .. } => (
                    "currency_mismatch",
                    Message::new(
                        "Tous les articles doivent être dans la même devise.",
                        "Every item must be in the same currency.",
                    ),
                ),
                MoneyError::Malformed => (
                    "invalid_amount",
                    Message::new("Ce montant n'est pas valide.", "This amount is not valid."),
                ),
                MoneyError::Fractional => (
                    "fractional_amount",
                    Message::new(
                        "Le montant doit être un nombre entier dans cette devise.",
                        "The amount must be a whole number in this currency.",
                    ),
                ),
            };
            Violation::new(code, field, message)
        }
        fn phone_before(error: PhoneError, field: &str) -> Violation {
            let message = match error {
                PhoneError::Characters => Message::new(
                    "Le numéro de téléphone ne doit contenir que des chiffres.",
                    "The phone number must contain only digits.",
                ),
                PhoneError::NoCountry => Message::new(
                    "Indiquez le numéro avec l'indicatif du pays (par exemple +225).",
                    "Give the number with its country code (for example +225).",
                ),
                PhoneError::Length => Message::new(
                    "Ce numéro de téléphone n'a pas le bon nombre de chiffres pour ce pays.",
                    "This phone number has the wrong number of digits for its country.",
                ),
            };
            Violation::new("invalid_phone", field, message)
        }
        let money = [
            MoneyError::Overflow,
            MoneyError::CurrencyMismatch {
                left: Currency::XOF,
                right: Currency::EUR,
            },
            MoneyError::Malformed,
            MoneyError::Fractional,
        ];
        let phone = [
            PhoneError::Characters,
            PhoneError::NoCountry,
            PhoneError::Length,
        ];
        for field in ["amount", "items[2].unit_price", "customer.phone", "", "é"] {
            for error in money {
                assert_eq!(error.violation(field), money_before(error, field));
                assert_eq!(
                    error.violation(field.to_owned()),
                    money_before(error, field)
                );
            }
            for error in phone {
                assert_eq!(error.violation(field), phone_before(error, field));
                assert_eq!(
                    error.violation(field.to_owned()),
                    phone_before(error, field)
                );
            }
        }
    }
}
