//! The languages a shopper reads: French first, English second.

use serde::{Deserialize, Serialize};

/// A shopper's language. French is the default across the region Guichet serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// French.
    #[default]
    Fr,
    /// English.
    En,
}

impl Lang {
    /// Reads a language tag such as `fr`, `en`, `fr-CI` or `en_GB`; anything else is French.
    pub fn from_tag(tag: &str) -> Lang {
        // The primary subtag is `en` when the tag starts with it and ends or goes on with
        // `-` or `_`: read on bytes, without a char searcher (the browser bundle's size).
        let bytes = tag.as_bytes();
        let en = bytes
            .get(..2)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"en"));
        if en && matches!(bytes.get(2), None | Some(b'-' | b'_')) {
            Lang::En
        } else {
            Lang::Fr
        }
    }

    /// The two-letter code providers expect (`fr` or `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}
