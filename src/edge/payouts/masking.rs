//! What a payout keeps and shows of its recipient and of a provider's words: no full phone
//! number, account number or long digit run (`+225 07 •• •• •• 04`).

use crate::domain::Phone;
use crate::providers::{PayoutRecipient, ProviderError};

use super::super::reply::Json;

/// A provider error in words safe to store and show: code and message, long digit runs
/// (phone numbers, account numbers) masked.
pub(super) fn described(error: &ProviderError) -> String {
    scrub_digits(&format!(
        "{} {}: {}",
        error.provider, error.code, error.message
    ))
}

/// Replaces every run of six or more digits with `••••`.
fn scrub_digits(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 6 {
            out.push_str("••••");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// The recipient as stored and shown: the phone masked, an account number down to its
/// last two characters.
pub(super) fn masked_recipient(recipient: &PayoutRecipient, phone: Option<&Phone>) -> String {
    let phone = match (phone, recipient.phone.as_deref()) {
        (Some(phone), _) => Some(mask_phone(phone)),
        (None, Some(raw)) => Some(mask_tail(raw)),
        (None, None) => None,
    };
    let account_number = recipient.account_number.as_deref().map(mask_tail);
    // Written in key order, as a `Map` of the kept fields wrote them, without the map.
    let mut json = Json::object();
    json.opt_str("account_number", kept(account_number.as_deref()))
        .opt_str("country", kept(recipient.country.as_deref()))
        .opt_str("email", kept(recipient.email.as_deref()))
        .opt_str("first_name", kept(recipient.first_name.as_deref()))
        .opt_str("last_name", kept(recipient.last_name.as_deref()))
        .opt_str("method", kept(recipient.method.as_deref()))
        .opt_str("phone", kept(phone.as_deref()));
    String::from_utf8(json.done()).unwrap_or_default()
}

/// A field's text, trimmed, unless blank.
fn kept(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// `+225 07 •• •• •• 04`: the dialing code, the national number in pairs, only the first
/// and last pair shown.
fn mask_phone(phone: &Phone) -> String {
    let Some(dial) = phone.dial_code() else {
        return phone.masked();
    };
    let national = phone.national_number();
    let mut pairs: Vec<&str> = Vec::new();
    for chunk in national.as_bytes().chunks(2) {
        if let Ok(pair) = core::str::from_utf8(chunk) {
            pairs.push(pair);
        }
    }
    let last = pairs.len().saturating_sub(1);
    // Written out, not through iterator adapters and `join`: each adapter is compiled
    // for this one use.
    let mut out = format!("+{dial} ");
    for (i, pair) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if (i == 0 && last >= 2) || i == last {
            out.push_str(pair);
        } else {
            for _ in 0..pair.len() {
                out.push('•');
            }
        }
    }
    out
}

/// All but the last two characters hidden.
fn mask_tail(text: &str) -> String {
    let text = text.trim();
    let count = text.chars().count();
    let hidden = count - count.min(2);
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        out.push(if i < hidden { '•' } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Country;
    use serde_json::{Map, Value};

    /// `masked_recipient` as it was: the kept fields in a `Map`, written by serde_json.
    fn masked_before(recipient: &PayoutRecipient, phone: Option<&Phone>) -> String {
        let mut out = Map::new();
        let mut put = |key: &str, value: Option<String>| {
            if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
                out.insert(key.to_owned(), Value::String(value.trim().to_owned()));
            }
        };
        put("method", recipient.method.clone());
        put(
            "phone",
            match (phone, recipient.phone.as_deref()) {
                (Some(phone), _) => Some(mask_phone(phone)),
                (None, Some(raw)) => Some(mask_tail(raw)),
                (None, None) => None,
            },
        );
        put(
            "account_number",
            recipient.account_number.as_deref().map(mask_tail),
        );
        put("first_name", recipient.first_name.clone());
        put("last_name", recipient.last_name.clone());
        put("email", recipient.email.clone());
        put("country", recipient.country.clone());
        crate::http::json_text(&Value::Object(out))
    }

    #[test]
    fn masked_recipients_are_written_as_before() {
        let texts = [
            None,
            Some(""),
            Some("  "),
            Some(" Awa "),
            Some("quote\" back\\slash"),
            Some("tab\tline\n\u{1}\u{2028}é"),
            Some("4149518161"),
            Some("mtn_bj"),
        ];
        let phones = [
            None,
            Some(Phone::parse("+2250701020304", None).unwrap()),
            Some(Phone::parse("0701020304", Some(Country::CI)).unwrap()),
        ];
        let mut compared = 0;
        for (i, a) in texts.iter().enumerate() {
            for (j, b) in texts.iter().enumerate() {
                let pick = |k: usize| texts[(i + j * 3 + k) % texts.len()].map(str::to_owned);
                let recipient = PayoutRecipient {
                    method: a.map(str::to_owned),
                    phone: b.map(str::to_owned),
                    account_number: pick(1),
                    first_name: pick(2),
                    last_name: pick(3),
                    email: pick(4),
                    country: pick(5),
                };
                for phone in &phones {
                    let new = masked_recipient(&recipient, phone.as_ref());
                    assert_eq!(new, masked_before(&recipient, phone.as_ref()));
                    compared += usize::from(new.len() > 2);
                }
            }
        }
        assert!(compared > 150, "{compared}");
    }

    #[test]
    fn phones_are_masked_to_their_first_and_last_pairs() {
        let phone = Phone::parse("+2250701020304", None).unwrap();
        assert_eq!(mask_phone(&phone), "+225 07 •• •• •• 04");
        let phone = Phone::parse("0701020304", Some(Country::CI)).unwrap();
        assert!(!mask_phone(&phone).contains("0102"));
        assert_eq!(mask_tail("4149518161"), "••••••••61");
        assert_eq!(mask_tail("7"), "7");
        assert_eq!(mask_tail(" ab "), "ab");
        assert_eq!(mask_tail("été4"), "••é4");
        assert_eq!(mask_tail(""), "");
    }

    #[test]
    fn long_digit_runs_are_scrubbed_from_provider_messages() {
        assert_eq!(
            scrub_digits("phone 2250701020304 refused (code 802)"),
            "phone •••• refused (code 802)"
        );
    }
}
