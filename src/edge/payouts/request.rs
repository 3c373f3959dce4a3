//! `POST /payouts` read: the Idempotency-Key, the body field by field, and the digest that
//! tells a retry from another payout under the same key.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::domain::{Message, Money, Provider, Violation, Violations};
use crate::providers::PayoutRecipient;

const DESCRIPTION_MAX: usize = 255;
const IDEMPOTENCY_KEY_MAX: usize = 255;

/// A payout request, read and checked field by field.
pub(super) struct Parsed {
    pub(super) provider: Provider,
    pub(super) amount: Money,
    pub(super) description: Option<String>,
    pub(super) recipient: PayoutRecipient,
}

/// Printable ASCII without spaces, at most 255 characters: what clients send (UUIDs,
/// ULIDs, order numbers).
pub(super) fn is_idempotency_key(key: &str) -> bool {
    (1..=IDEMPOTENCY_KEY_MAX).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// SHA-256 of the body's fields in a canonical form (keys sorted at every depth, `lang`
/// left out), so the same payout written differently is still the same request.
pub(super) fn digest(fields: &Map<String, Value>) -> String {
    let mut canonical = String::new();
    let mut body = fields.clone();
    body.remove("lang");
    write_canonical(&Value::Object(body), &mut canonical);
    let hash = Sha256::digest(canonical.as_bytes());
    crate::signature::encode_hex(&hash)
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            // serde_json's map iterates its keys sorted.
            out.push('{');
            for (i, (key, inner)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&crate::http::json_text(&Value::String(key.clone())));
                out.push(':');
                write_canonical(inner, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            out.push_str(&crate::http::json_text(value));
        }
    }
}

/// Reads the common fields, reporting every problem at once.
pub(super) fn parse(fields: &Map<String, Value>) -> Result<Parsed, Violations> {
    let mut found = Violations::new();
    let provider = match fields.get("provider").and_then(Value::as_str) {
        Some(name) => Provider::parse(name).or_else(|| {
            found.push(Violation::new(
                "invalid_provider",
                "provider",
                Message::new(
                    "Le fournisseur doit être moneroo, cinetpay ou moneyfusion.",
                    "The provider must be moneroo, cinetpay or moneyfusion.",
                ),
            ));
            None
        }),
        None => {
            found.push(Violation::required("provider"));
            None
        }
    };
    let minor = match fields.get("amount") {
        None | Some(Value::Null) => {
            found.push(Violation::required("amount"));
            None
        }
        Some(value) => value.as_u64().filter(|a| *a > 0).or_else(|| {
            found.push(Violation::new(
                "invalid_amount",
                "amount",
                Message::new(
                    "Le montant doit être un entier positif, en unités mineures de la devise.",
                    "The amount must be a positive integer, in the currency's minor units.",
                ),
            ));
            None
        }),
    };
    let currency =
        crate::edge::orders::currency(fields.get("currency").and_then(Value::as_str), &mut found);
    let amount = match (minor, currency) {
        (Some(minor), Some(currency)) => match Money::from_minor(minor, currency) {
            Ok(amount) => Some(amount),
            Err(error) => {
                found.push(error.violation("amount"));
                None
            }
        },
        _ => None,
    };
    let description = match fields.get("description") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => crate::domain::validation::text(
            Some(text),
            "description",
            false,
            DESCRIPTION_MAX,
            &mut found,
        ),
        Some(_) => {
            found.push(not_text("description"));
            None
        }
    };
    let recipient = match fields.get("recipient") {
        Some(value @ Value::Object(_)) => {
            match crate::http::from_value::<PayoutRecipient>(value.clone()) {
                Ok(recipient) => Some(recipient),
                Err(_) => {
                    found.push(Violation::new(
                        "invalid_recipient",
                        "recipient",
                        Message::new(
                            "Le bénéficiaire ne prend que method, phone, account_number, first_name, last_name, email et country, en texte.",
                            "The recipient takes only method, phone, account_number, first_name, last_name, email and country, as text.",
                        ),
                    ));
                    None
                }
            }
        }
        None | Some(Value::Null) => {
            found.push(Violation::required("recipient"));
            None
        }
        Some(_) => {
            found.push(Violation::new(
                "invalid_recipient",
                "recipient",
                Message::new(
                    "Le bénéficiaire doit être un objet.",
                    "The recipient must be an object.",
                ),
            ));
            None
        }
    };
    match (provider, amount, recipient) {
        (Some(provider), Some(amount), Some(recipient)) if found.is_empty() => Ok(Parsed {
            provider,
            amount,
            description,
            recipient,
        }),
        _ => Err(found),
    }
}

fn not_text(field: &str) -> Violation {
    Violation::new(
        "invalid_text",
        field,
        Message::new("Ce champ doit être un texte.", "This field must be text."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_ignores_key_order_and_lang_but_not_values() {
        let a: Value = serde_json::from_str(
            r#"{"provider":"moneroo","amount":5000,"recipient":{"phone":"1","method":"m"}}"#,
        )
        .unwrap();
        let b: Value = serde_json::from_str(
            r#"{"recipient":{"method":"m","phone":"1"},"amount":5000,"lang":"fr","provider":"moneroo"}"#,
        )
        .unwrap();
        let c: Value = serde_json::from_str(
            r#"{"provider":"moneroo","amount":5005,"recipient":{"phone":"1","method":"m"}}"#,
        )
        .unwrap();
        let d = |v: &Value| digest(v.as_object().unwrap());
        assert_eq!(d(&a), d(&b));
        assert_ne!(d(&a), d(&c));
        assert_eq!(d(&a).len(), 64);
    }

    #[test]
    fn idempotency_keys_are_visible_ascii() {
        assert!(is_idempotency_key("2f1c-4e7a"));
        assert!(!is_idempotency_key(""));
        assert!(!is_idempotency_key("a b"));
        assert!(!is_idempotency_key(&"k".repeat(256)));
    }
}
