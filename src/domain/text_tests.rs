//! The edge's text checks on bytes (`validation::text`, `customer::text_at`) against the
//! code they replaced, on generated texts: same value, same violations.
use proptest::prelude::*;

use super::customer::text_at;
use super::validation::{join, text, Violation, Violations};

/// `validation::text` before `text_check`: the path built first, `str::trim`, and
/// `chars().any(char::is_control)`.
fn text_before(
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

/// Texts made of the characters the checks tell apart: ASCII and Unicode white space,
/// the three ranges of control characters and their neighbours, multi-byte letters.
fn texty() -> impl Strategy<Value = String> {
    let chars = prop::sample::select(vec![
        'a', 'Z', '0', '-', '.', '@', '_', ' ', '\t', '\n', '\u{b}', '\u{c}', '\r', '\u{1c}',
        '\u{1f}', '\u{0}', '\u{7e}', '\u{7f}', '\u{80}', '\u{85}', '\u{9f}', '\u{a0}', '\u{c2}',
        '\u{c3}', 'é', '\u{100}', '\u{1680}', '\u{2028}', '\u{3000}', '\u{feff}', '😀',
    ]);
    prop_oneof![
        3 => prop::collection::vec(chars, 0..12).prop_map(|c| c.into_iter().collect()),
        1 => any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn text_checks_answer_as_before(
        value in prop::option::of(texty()),
        field in prop_oneof![Just(""), Just("customer"), Just("metadata")],
        name in prop_oneof![Just("email"), Just("zip")],
        required: bool,
        max in 0usize..14,
    ) {
        let mut was = Violations::new();
        let before = text_before(value.as_deref(), &join(field, name), required, max, &mut was);
        let mut now = Violations::new();
        prop_assert_eq!(&text(value.as_deref(), &join(field, name), required, max, &mut now), &before);
        prop_assert_eq!(&now, &was);
        let mut at = Violations::new();
        prop_assert_eq!(&text_at(&value, field, name, required, max, &mut at), &before);
        prop_assert_eq!(&at, &was);
    }
}
