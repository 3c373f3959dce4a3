//! What is being bought: cart lines from the storefront, priced line items, the order.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::validation::{cat, indexed, join, text, Violation, Violations};
use super::{Currency, Money, MoneyError};

/// Most lines one cart may hold.
pub const MAX_LINES: usize = 100;
/// Most units of one article in one line.
pub const MAX_QUANTITY: u32 = 10_000;

/// One line of a cart as the storefront sends it: an article and how many. No price: the
/// backend prices it from the merchant's catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
// The edge and the sandbox read it through `Fields` (src/http/inputs.rs).
#[cfg_attr(not(any(feature = "edge", feature = "sandbox")), derive(Deserialize))]
pub struct CartLine {
    /// The article's code in the merchant's catalog.
    pub sku: String,
    /// How many units. Signed so that a negative number is reported, not a parse error.
    pub quantity: i64,
}

impl CartLine {
    /// Checks a whole cart: not empty, at most [`MAX_LINES`] lines, each with a catalog
    /// code and a quantity from 1 to [`MAX_QUANTITY`].
    pub fn check_cart(lines: &[CartLine], field: &str) -> Violations {
        let mut found = Violations::new();
        if lines.is_empty() {
            found.add(
                "empty_cart",
                field,
                "Le panier est vide.",
                "The cart is empty.",
            );
        }
        // The length first: a longer list is refused whole, before any of its lines.
        if lines.len() > MAX_LINES {
            found.add_number(
                "too_many_lines",
                field,
                MAX_LINES,
                [
                    "Le panier ne peut pas contenir plus de ",
                    " articles différents.",
                ],
                ["The cart cannot hold more than ", " different articles."],
            );
            return found;
        }
        for (i, line) in lines.iter().enumerate() {
            let at = indexed(field, i);
            if !is_sku(&line.sku) {
                found.add("invalid_sku", &join(&at, "sku"), "Référence d'article invalide (lettres, chiffres, . _ - ; 64 caractères au plus).", "Invalid article code (letters, digits, . _ -; at most 64 characters).");
            }
            if line.quantity < 1 || line.quantity > i64::from(MAX_QUANTITY) {
                found.add_number(
                    "invalid_quantity",
                    &join(&at, "quantity"),
                    MAX_QUANTITY as usize,
                    ["La quantité doit être comprise entre 1 et ", "."],
                    ["The quantity must be between 1 and ", "."],
                );
            }
        }
        found
    }
}

/// True for a catalog code: 1 to 64 of `A-Z a-z 0-9 . _ -`.
pub fn is_sku(sku: &str) -> bool {
    (1..=64).contains(&sku.len())
        && sku
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A priced line: an article from the catalog, its unit price and quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    /// Catalog code.
    pub sku: String,
    /// The article's name, as the shopper sees it on the provider's page.
    pub name: String,
    /// Price of one unit.
    pub unit_price: Money,
    /// Units bought.
    pub quantity: u32,
}

impl LineItem {
    /// Unit price × quantity, checked.
    pub fn total(&self) -> Result<Money, MoneyError> {
        self.unit_price.checked_mul(self.quantity)
    }
}

/// An order to pay: priced on the server, never by the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The merchant's own reference, unique per payment attempt.
    pub reference: String,
    /// What the shopper reads on the provider's page.
    pub description: String,
    /// The priced lines (empty for an order registered with a total only).
    pub items: Vec<LineItem>,
    /// The amount due.
    pub amount: Money,
}

impl Order {
    /// Builds an order from priced lines: one currency, a total within range and above
    /// zero.
    pub fn from_items(
        reference: String,
        description: String,
        items: Vec<LineItem>,
    ) -> Result<Order, Violations> {
        let mut found = Violations::new();
        let Some(currency) = items.first().map(|i| i.unit_price.currency()) else {
            return Err(Violation::fixed(
                "empty_cart",
                "items",
                "Le panier est vide.",
                "The cart is empty.",
            )
            .into());
        };
        let mut total = Money::zero(currency);
        for (i, item) in items.iter().enumerate() {
            match item.total().and_then(|t| total.checked_add(t)) {
                Ok(sum) => total = sum,
                Err(error) => {
                    found.push(error.violation(indexed("items", i)));
                    return Err(found);
                }
            }
        }
        Order::check_amount(total, "amount", &mut found);
        found.into_result(Order {
            reference,
            description,
            items,
            amount: total,
        })
    }

    /// Records a violation when an amount due is zero.
    pub fn check_amount(amount: Money, field: &str, found: &mut Violations) {
        if amount.minor() == 0 {
            found.add(
                "amount_too_small",
                field,
                "Le montant à payer doit être supérieur à zéro.",
                "The amount to pay must be above zero.",
            );
        }
    }

    /// The currency of the amount due.
    pub fn currency(&self) -> Currency {
        self.amount.currency()
    }
}

/// Most entries in [`Metadata`].
pub const METADATA_MAX_ENTRIES: usize = 20;
const METADATA_KEY_MAX: usize = 40;
const METADATA_VALUE_MAX: usize = 500;

/// At most `max` bytes of `text` (cut on a character boundary), and `…` when it was
/// longer. Bytes rather than characters: counting characters brings `Chars`' large
/// vectorized code into the browser bundle.
fn shortened(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    cat(&[&text[..end], "…"])
}

/// String keys to string values in key order, a repeated key keeping its last value: what
/// a JSON object of strings reads as. A sorted `Vec` rather than a `BTreeMap`: the
/// browser bundle reads metadata too, and the tree's code was about 4 KB of its wasm
/// (bench/PROFILE.md), and the edge's, where each `BTreeMap` type is its own copy
/// (issue #18 round 5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entries(Vec<(String, String)>);

impl Entries {
    /// Adds an entry, replacing the value of the same key.
    pub fn insert(&mut self, key: String, value: String) {
        match self.0.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(at) => self.0[at].1 = value,
            Err(at) => self.0.insert(at, (key, value)),
        }
    }

    /// The value for a key.
    pub fn get(&self, key: &str) -> Option<&str> {
        let at = self.0.binary_search_by(|(k, _)| k.as_str().cmp(key)).ok()?;
        Some(self.0[at].1.as_str())
    }

    /// The entries, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// True when there is no entry.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<(String, String)> for Entries {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(entries: I) -> Entries {
        let mut all = Entries::default();
        for (key, value) in entries {
            all.insert(key, value);
        }
        all
    }
}

impl IntoIterator for Entries {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Serialize for Entries {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Entries, D::Error> {
        /// The entries in the order given; a map's reader, as `BTreeMap`'s is.
        struct Pairs;

        impl<'de> Visitor<'de> for Pairs {
            type Value = Vec<(String, String)>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry()? {
                    pairs.push(pair);
                }
                Ok(pairs)
            }
        }

        Ok(Entries::sorted(deserializer.deserialize_map(Pairs)?))
    }
}

impl Entries {
    /// Entries in key order from pairs in any order, a repeated key keeping its last value.
    ///
    /// Each pair is inserted where it belongs, searching from the end: pairs already in
    /// key order (what the edge reads, from serde_json's sorted map) cost one comparison
    /// each. No `sort_by`, whose stable sort (about 4 KB of wasm) had no other use.
    fn sorted(pairs: Vec<(String, String)>) -> Entries {
        let mut out: Vec<(String, String)> = Vec::with_capacity(pairs.len());
        for pair in pairs {
            let mut at = out.len();
            while at > 0 && out[at - 1].0 > pair.0 {
                at -= 1;
            }
            match at.checked_sub(1).map(|before| &mut out[before]) {
                Some(before) if before.0 == pair.0 => *before = pair,
                _ => out.insert(at, pair),
            }
        }
        Entries(out)
    }
}

/// The merchant's own notes on a payment: string keys to string values, as Moneroo
/// requires, at most [`METADATA_MAX_ENTRIES`] entries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Metadata(Entries);

impl Metadata {
    /// Checks entries: keys of 1 to 40 of `A-Z a-z 0-9 _ . -`, values of at most 500
    /// characters without control characters.
    pub fn parse(
        entries: impl IntoIterator<Item = (String, String)>,
        field: &str,
    ) -> Result<Metadata, Violations> {
        // Each entry is checked by one function whatever the iterator (the edge reads
        // metadata from two kinds); with one caller, as in the browser, it is inlined.
        let mut read = MetadataReader {
            field,
            seen: 0,
            found: Violations::new(),
            map: Entries::default(),
        };
        for (key, value) in entries {
            if !read.entry(key, value) {
                break;
            }
        }
        read.found.into_result(Metadata(read.map))
    }

    /// The entries, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter()
    }

    /// The value for a key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key)
    }

    /// True when there is no entry.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds an entry set by Guichet itself (such as the session id), replacing any other.
    pub fn insert(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
}

/// [`Metadata::parse`]'s checks, one entry at a time.
struct MetadataReader<'a> {
    field: &'a str,
    seen: usize,
    found: Violations,
    map: Entries,
}

impl MetadataReader<'_> {
    /// Checks and keeps one entry; false once past the most allowed (the rest is not
    /// looked at).
    fn entry(&mut self, key: String, value: String) -> bool {
        let (field, found) = (self.field, &mut self.found);
        // The count first.
        if self.seen == METADATA_MAX_ENTRIES {
            found.add_number(
                "too_many_metadata",
                field,
                METADATA_MAX_ENTRIES,
                ["", " métadonnées au plus."],
                ["At most ", " metadata entries."],
            );
            return false;
        }
        self.seen += 1;
        let key_ok = (1..=METADATA_KEY_MAX).contains(&key.len())
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        if !key_ok {
            // The path names the key, cut short: an answer never echoes a long one.
            found.add(
                "invalid_metadata_key",
                &join(field, &shortened(&key, METADATA_KEY_MAX)),
                "Clé de métadonnée invalide (lettres, chiffres, _ . - ; 40 caractères au plus).",
                "Invalid metadata key (letters, digits, _ . -; at most 40 characters).",
            );
            return true;
        }
        let at = join(field, &key);
        if value.is_empty() {
            self.map.insert(key, value);
            return true;
        }
        if let Some(value) = text(Some(&value), &at, false, METADATA_VALUE_MAX, found) {
            self.map.insert(key, value);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Metadata::parse` before its checks went into `MetadataReader`.
    fn parse_before(
        entries: impl IntoIterator<Item = (String, String)>,
        field: &str,
    ) -> Result<Metadata, Violations> {
        let mut found = Violations::new();
        let mut map = Entries::default();
        for (seen, (key, value)) in entries.into_iter().enumerate() {
            if seen == METADATA_MAX_ENTRIES {
                found.add_number(
                    "too_many_metadata",
                    field,
                    METADATA_MAX_ENTRIES,
                    ["", " métadonnées au plus."],
                    ["At most ", " metadata entries."],
                );
                break;
            }
            let key_ok = (1..=METADATA_KEY_MAX).contains(&key.len())
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
            if !key_ok {
                found.add("invalid_metadata_key", &join(field, &shortened(&key, METADATA_KEY_MAX)), "Clé de métadonnée invalide (lettres, chiffres, _ . - ; 40 caractères au plus).", "Invalid metadata key (letters, digits, _ . -; at most 40 characters).");
                continue;
            }
            let at = join(field, &key);
            if value.is_empty() {
                map.insert(key, value);
                continue;
            }
            if let Some(value) = text(Some(&value), &at, false, METADATA_VALUE_MAX, &mut found) {
                map.insert(key, value);
            }
        }
        found.into_result(Metadata(map))
    }

    #[test]
    fn metadata_reads_as_before() {
        let long_key = "k".repeat(41);
        let long_value = "v".repeat(501);
        let keys = [
            "a",
            "b.c-d_e",
            "",
            "bad key",
            "é",
            long_key.as_str(),
            "a",
            "z9",
        ];
        let values = [
            "",
            "x",
            " spaced ",
            "line\nbreak",
            long_value.as_str(),
            "\u{0}",
        ];
        let mut state = 0x9e37_79b9_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..600 {
            // 0 to 23 entries: past the most allowed in some rounds.
            let count = next() % 24;
            let entries: Vec<(String, String)> = (0..count)
                .map(|_| {
                    let key = keys[(next() % keys.len() as u64) as usize];
                    let value = values[(next() % values.len() as u64) as usize];
                    (key.to_owned(), value.to_owned())
                })
                .collect();
            let field = if round % 2 == 0 {
                "metadata"
            } else {
                "recipient.metadata"
            };
            assert_eq!(
                Metadata::parse(entries.clone(), field),
                parse_before(entries.clone(), field),
                "{entries:?}"
            );
        }
    }
}
