//! The shop's domain, natively: the shared checkout stories, and properties of money and
//! phone numbers over generated inputs.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use guichet::domain::money::MAX_AMOUNT;
use guichet::domain::{
    Country, Currency, Lang, Money, MoneyError, PaymentStatus, Phone, Transition,
};
use proptest::prelude::*;

#[test]
fn checkout_stories_are_judged_as_written() {
    for story in common::stories() {
        assert_eq!(
            common::judge(&story.request),
            story.violations,
            "{}",
            story.story
        );
    }
}

#[test]
fn a_language_tag_is_english_only_when_its_primary_subtag_is_en() {
    for tag in ["en", "EN", "En", "en-GB", "en_gb", "EN-us", "en-"] {
        assert_eq!(Lang::from_tag(tag), Lang::En, "{tag}");
    }
    for tag in [
        "", "e", "fr", "fr-CI", "eng", "english", "-en", "_en", "fr-en", "en.", " en",
    ] {
        assert_eq!(Lang::from_tag(tag), Lang::Fr, "{tag}");
    }
}

#[test]
fn a_final_status_never_goes_back() {
    use PaymentStatus::*;
    let all = [Pending, Succeeded, Failed, Cancelled, Expired];
    for from in all {
        for to in all {
            let expected = if from == to {
                Transition::Unchanged
            } else if from == Pending {
                Transition::Advance(to)
            } else {
                Transition::Refused
            };
            assert_eq!(from.transition(to), expected, "{from:?} -> {to:?}");
        }
    }
}

fn currency() -> impl Strategy<Value = Currency> {
    prop::sample::select(Currency::ALL.to_vec())
}

proptest! {
    #[test]
    fn addition_is_exact_or_an_overflow_never_a_wrap(a in 0..=MAX_AMOUNT, b in 0..=MAX_AMOUNT, c in currency()) {
        let (x, y) = (Money::from_minor(a, c).unwrap(), Money::from_minor(b, c).unwrap());
        match x.checked_add(y) {
            Ok(sum) => { prop_assert_eq!(sum.minor(), a + b); prop_assert!(a + b <= MAX_AMOUNT); }
            Err(e) => { prop_assert_eq!(e, MoneyError::Overflow); prop_assert!(a + b > MAX_AMOUNT); }
        }
        prop_assert_eq!(x.checked_add(y).ok(), y.checked_add(x).ok());
    }

    #[test]
    fn multiplication_is_exact_or_an_overflow(a in 0..=MAX_AMOUNT, q in 0u32..=u32::MAX, c in currency()) {
        let x = Money::from_minor(a, c).unwrap();
        let exact = u128::from(a) * u128::from(q);
        match x.checked_mul(q) {
            Ok(product) => prop_assert_eq!(u128::from(product.minor()), exact),
            Err(_) => prop_assert!(exact > u128::from(MAX_AMOUNT)),
        }
    }

    #[test]
    fn subtraction_never_goes_below_zero(a in 0..=MAX_AMOUNT, b in 0..=MAX_AMOUNT, c in currency()) {
        let (x, y) = (Money::from_minor(a, c).unwrap(), Money::from_minor(b, c).unwrap());
        prop_assert_eq!(x.checked_sub(y).is_ok(), a >= b);
        if let Ok(d) = x.checked_sub(y) { prop_assert_eq!(d.checked_add(y).unwrap(), x); }
    }

    #[test]
    fn currencies_never_mix(a in 0..1_000_000u64, c in currency(), d in currency()) {
        prop_assume!(c != d);
        let err = Money::from_minor(a, c).unwrap().checked_add(Money::from_minor(a, d).unwrap());
        let mismatch = matches!(err, Err(MoneyError::CurrencyMismatch { .. }));
        prop_assert!(mismatch);
    }

    #[test]
    fn major_text_round_trips(major in 0u64..=1_000_000_000, cents in 0u64..100, c in currency()) {
        let text = if c.minor_units() == 0 { major.to_string() } else { format!("{major}.{cents:02}") };
        let money = Money::parse_major(&text, c).unwrap();
        let expected = if c.minor_units() == 0 { major } else { major * 100 + cents };
        prop_assert_eq!(money.minor(), expected);
        prop_assert!(!money.display(Lang::Fr).is_empty());
    }

    #[test]
    fn ivorian_numbers_normalize_whatever_the_separators(
        prefix in prop::sample::select(vec!["01", "05", "07", "27"]),
        rest in "[0-9]{8}",
        separator in prop::sample::select(vec!["", " ", ".", "-"]),
        form in 0..4usize,
    ) {
        let national = format!("{prefix}{rest}");
        let spaced: Vec<String> = national.as_bytes().chunks(2).map(|c| String::from_utf8(c.to_vec()).unwrap()).collect();
        let typed = spaced.join(separator);
        let input = match form { 0 => typed, 1 => format!("+225 {typed}"), 2 => format!("00225{typed}"), _ => format!("225{typed}") };
        let phone = Phone::parse(&input, Some(Country::CI)).unwrap();
        prop_assert_eq!(phone.as_str(), format!("+225{national}"));
        // Normalizing again changes nothing, with or without the country.
        prop_assert_eq!(Phone::parse(phone.as_str(), None).unwrap(), phone.clone());
        prop_assert_eq!(phone.country(), Some(Country::CI));
    }

    #[test]
    fn phone_parsing_never_panics_and_output_is_e164(input in "\\PC{0,24}", country in prop::option::of(prop::sample::select(vec![Country::CI, Country::SN, Country::CD, Country::BJ]))) {
        if let Ok(phone) = Phone::parse(&input, country) {
            let digits = phone.digits();
            prop_assert!(phone.as_str().starts_with('+'));
            prop_assert!((8..=15).contains(&digits.len()));
            prop_assert!(digits.bytes().all(|b| b.is_ascii_digit()));
        }
    }
}

#[test]
fn metadata_entries_are_kept_in_key_order_and_a_repeated_key_keeps_its_last_value() {
    use guichet::domain::order::Entries;
    let pairs = [("b", "2"), ("c", "4"), ("a", "1"), ("b", "3")];
    let entries: Entries = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(
        entries.iter().collect::<Vec<_>>(),
        [("a", "1"), ("b", "3"), ("c", "4")]
    );
    assert_eq!((entries.get("b"), entries.get("z")), (Some("3"), None));
    // JSON in and out as an object, in key order, as the BTreeMap it replaces did.
    let json = serde_json::to_string(&entries).unwrap();
    assert_eq!(json, r#"{"a":"1","b":"3","c":"4"}"#);
    let read: Entries = serde_json::from_str(r#"{"z":"9","b":"1","b":"2"}"#).unwrap();
    assert_eq!(read.iter().collect::<Vec<_>>(), [("b", "2"), ("z", "9")]);
}

/// Entries read from JSON agree with the stable sort they replaced (sorted by key, a
/// repeated key keeping its last value) on many orders, repeats included.
#[test]
fn metadata_entries_read_as_the_stable_sort_did() {
    use guichet::domain::order::Entries;
    fn reference(pairs: &[(String, String)]) -> Vec<(String, String)> {
        let mut pairs = pairs.to_vec();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(String, String)> = Vec::new();
        for pair in pairs {
            match out.last_mut() {
                Some(last) if last.0 == pair.0 => *last = pair,
                _ => out.push(pair),
            }
        }
        out
    }
    let mut seed = 0x2545_f491_u64;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let keys = ["", "a", "b", "ab", "b_", "Z", "é", "a.b", "order_id"];
    let mut cases: Vec<Vec<(String, String)>> = Vec::new();
    for _ in 0..500 {
        let len = next(12);
        cases.push(
            (0..len)
                .map(|i| (keys[next(9) as usize].to_owned(), format!("v{i}")))
                .collect(),
        );
    }
    let in_order: Vec<(String, String)> = (0..30)
        .map(|i| (format!("k{i:02}"), i.to_string()))
        .collect();
    let mut reversed = in_order.clone();
    reversed.reverse();
    cases.extend([in_order, reversed, Vec::new()]);
    for pairs in cases {
        let text = serde_json::to_string(
            &pairs
                .iter()
                .map(|(k, v)| format!("{}:{}", serde_json::json!(k), serde_json::json!(v)))
                .collect::<Vec<_>>(),
        )
        .unwrap();
        // An object written out by hand, repeats kept: `{"b":"v0","a":"v1","b":"v2"}`.
        let object = format!(
            "{{{}}}",
            serde_json::from_str::<Vec<String>>(&text)
                .unwrap()
                .join(",")
        );
        let read: Entries = serde_json::from_str(&object).unwrap();
        let read: Vec<(String, String)> = read
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(read, reference(&pairs), "{object}");
    }
}
