//! The merchant's price list (`GUICHET_CATALOG`), and the pricing of a cart from it. The
//! browser sends SKUs and quantities; every price comes from here.

use core::fmt::Write as _;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::http::Fields;

use crate::domain::{CartLine, Currency, Lang, LineItem, Money, Order, Violation, Violations};

/// An article's name: one for every language (`"Sac en raphia"`), or one per language
/// (`{"fr": "Sac en raphia", "en": "Raffia bag"}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Name {
    /// The same name in every language.
    One(String),
    /// A name per language.
    PerLanguage {
        /// In French.
        fr: String,
        /// In English.
        en: String,
    },
}

impl Name {
    /// The name the shopper reads, in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match (self, lang) {
            (Name::One(name), _) => name,
            (Name::PerLanguage { fr, .. }, Lang::Fr) => fr,
            (Name::PerLanguage { en, .. }, Lang::En) => en,
        }
    }
}

/// One article as the merchant lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    /// The name the shopper reads on the provider's page.
    pub name: Name,
    /// The unit price in minor units of `currency`.
    pub price: u64,
    /// An ISO 4217 code.
    pub currency: String,
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let unmatched =
            || serde::de::Error::custom("data did not match any variant of untagged enum Name");
        match Value::deserialize(d)? {
            Value::String(name) => Ok(Name::One(name)),
            Value::Object(mut map) => match (map.remove("fr"), map.remove("en")) {
                (Some(Value::String(fr)), Some(Value::String(en))) => {
                    Ok(Name::PerLanguage { fr, en })
                }
                _ => Err(unmatched()),
            },
            _ => Err(unmatched()),
        }
    }
}

impl<'de> Deserialize<'de> for CatalogEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct CatalogEntry", |f| {
            Ok(CatalogEntry {
                name: f.parse("name")?,
                price: f.uint("price", u64::MAX),
                currency: f.text("currency"),
            })
        })
    }
}

/// The price list: SKU → article, sorted by SKU (each SKU once). A sorted vector rather
/// than a `BTreeMap`: each map type is its own copy of the B-tree code in the wasm.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog(Vec<(String, CatalogEntry)>);

impl Catalog {
    /// Reads `GUICHET_CATALOG`. A catalog that is not valid JSON of the documented shape,
    /// or lists an unknown currency or a price out of range, is an error for the merchant
    /// (never a silent empty catalog).
    pub fn parse(json: &str) -> Result<Catalog, String> {
        // serde_json's map keeps its keys sorted and unique; each entry is read in that
        // order, the first error stopping the read, as a `BTreeMap`'s reader would.
        // A loop with `push`, not `collect::<Result<Vec<_>, _>>()`: that adapter chain
        // would be compiled for this one use.
        let read = || {
            let map = crate::http::from_json::<serde_json::Map<String, Value>>(json.as_bytes())?;
            let mut entries = Vec::with_capacity(map.len());
            for (sku, entry) in map {
                entries.push((sku, crate::http::from_value::<CatalogEntry>(entry)?));
            }
            Ok::<_, crate::http::JsonError>(entries)
        };
        let entries = read().map_err(|e| {
            format!("GUICHET_CATALOG is not {{sku: {{name, price, currency}}}} (name a text or {{fr, en}}): {e}")
        })?;
        for (sku, entry) in &entries {
            let currency = Currency::from_code(&entry.currency)
                .ok_or_else(|| format!("GUICHET_CATALOG: {sku} has an unknown currency"))?;
            Money::from_minor(entry.price, currency)
                .map_err(|_| format!("GUICHET_CATALOG: {sku} has a price out of range"))?;
        }
        Ok(Catalog(entries))
    }

    /// Prices cart lines into an order named in the shopper's `lang`, or says which line is
    /// not for sale. Lines in several currencies cannot be paid together.
    pub fn price(
        &self,
        reference: &str,
        lines: &[CartLine],
        lang: Lang,
    ) -> Result<Order, Violations> {
        let mut found = Violations::new();
        let mut items: Vec<LineItem> = Vec::with_capacity(lines.len());
        // The first priced line in another currency than the first priced line's.
        let mut mixed = None;
        for (i, line) in lines.iter().enumerate() {
            // Checkout::parse has bounded quantities already; this only keeps types honest.
            let Ok(quantity) = u32::try_from(line.quantity) else {
                found.push(Violation::texts(
                    "invalid_quantity",
                    format!("items[{i}].quantity"),
                    "Quantité invalide.",
                    "Invalid quantity.",
                ));
                continue;
            };
            let entry = self
                .0
                .binary_search_by(|(sku, _)| sku.as_str().cmp(&line.sku))
                .ok()
                .map(|at| &self.0[at].1);
            let priced = entry.and_then(|entry| {
                let currency = Currency::from_code(&entry.currency)?;
                let unit_price = Money::from_minor(entry.price, currency).ok()?;
                Some(LineItem {
                    sku: line.sku.clone(),
                    name: entry.name.get(lang).to_owned(),
                    unit_price,
                    quantity,
                })
            });
            match priced {
                Some(item) => {
                    let currency = item.unit_price.currency();
                    if mixed.is_none()
                        && items
                            .first()
                            .is_some_and(|first| first.unit_price.currency() != currency)
                    {
                        mixed = Some(i);
                    }
                    items.push(item);
                }
                None => found.push(Violation::texts(
                    "unknown_sku",
                    format!("items[{i}].sku"),
                    "Cet article n'est pas en vente.",
                    "This article is not for sale.",
                )),
            }
        }
        if let Some(i) = mixed {
            found.push(Violation::texts(
                "mixed_currencies",
                format!("items[{i}]"),
                "Les articles d'un même paiement doivent être dans la même devise.",
                "The articles of one payment must be in one currency.",
            ));
        }
        if !found.is_empty() {
            return Err(found);
        }
        let description = describe(&items);
        Order::from_items(reference.to_owned(), description, items)
    }
}

/// "2 × Wax 6 yards, 1 × Sandals": what the shopper reads on the provider's page.
fn describe(items: &[LineItem]) -> String {
    let mut out = String::new();
    for item in items {
        if !out.is_empty() {
            out.push_str(", ");
        }
        // Written into the description, not through a `String` of its own per line.
        let _ = write!(out, "{} x {}", item.quantity, item.name);
    }
    if out.chars().count() > 200 {
        out = out.chars().take(197).collect::<String>() + "...";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = r#"{
        "wax-6y": {"name": "Wax 6 yards", "price": 15000, "currency": "XOF"},
        "sandals": {"name": {"fr": "Sandales", "en": "Sandals"}, "price": 7500, "currency": "XOF"},
        "tee": {"name": "T-shirt", "price": 1250, "currency": "EUR"}
    }"#;

    fn line(sku: &str, quantity: i64) -> CartLine {
        CartLine {
            sku: sku.into(),
            quantity,
        }
    }

    #[test]
    fn prices_come_from_the_catalog() {
        let catalog = Catalog::parse(CATALOG).expect("valid");
        let order = catalog
            .price("gs-1", &[line("wax-6y", 2), line("sandals", 1)], Lang::En)
            .expect("priced");
        assert_eq!(
            order.amount,
            Money::from_minor(37_500, Currency::XOF).expect("ok")
        );
        assert_eq!(order.description, "2 x Wax 6 yards, 1 x Sandals");
    }

    #[test]
    fn names_follow_the_shoppers_language_and_a_single_name_serves_both() {
        let catalog = Catalog::parse(CATALOG).expect("valid");
        let lines = [line("wax-6y", 1), line("sandals", 2)];
        let fr = catalog.price("gs-1", &lines, Lang::Fr).expect("priced");
        assert_eq!(fr.description, "1 x Wax 6 yards, 2 x Sandales");
        assert_eq!(fr.items[1].name, "Sandales");
        let en = catalog.price("gs-1", &lines, Lang::En).expect("priced");
        assert_eq!(en.items[1].name, "Sandals");
        let half = r#"{"a": {"name": {"fr": "A"}, "price": 1, "currency": "XOF"}}"#;
        assert!(
            Catalog::parse(half).is_err(),
            "a name per language names both"
        );
    }

    #[test]
    fn unknown_skus_and_mixed_currencies_are_named() {
        let catalog = Catalog::parse(CATALOG).expect("valid");
        let err = catalog
            .price(
                "gs-1",
                &[line("wax-6y", 1), line("ghost", 1), line("tee", 1)],
                Lang::Fr,
            )
            .expect_err("refused");
        assert_eq!(
            err.for_field("items[1].sku").map(|v| v.code.as_str()),
            Some("unknown_sku")
        );
        assert_eq!(
            err.for_field("items[2]").map(|v| v.code.as_str()),
            Some("mixed_currencies")
        );
    }

    /// `Catalog::parse` as it was with `collect::<Result<Vec<_>, _>>()`.
    fn parse_with_collect(json: &str) -> Result<Catalog, String> {
        let entries = crate::http::from_json::<serde_json::Map<String, Value>>(json.as_bytes())
            .and_then(|map| {
                map.into_iter()
                    .map(|(sku, entry)| Ok((sku, crate::http::from_value(entry)?)))
                    .collect::<Result<Vec<(String, CatalogEntry)>, _>>()
            })
            .map_err(|e| {
                format!("GUICHET_CATALOG is not {{sku: {{name, price, currency}}}} (name a text or {{fr, en}}): {e}")
            })?;
        for (sku, entry) in &entries {
            let currency = Currency::from_code(&entry.currency)
                .ok_or_else(|| format!("GUICHET_CATALOG: {sku} has an unknown currency"))?;
            Money::from_minor(entry.price, currency)
                .map_err(|_| format!("GUICHET_CATALOG: {sku} has a price out of range"))?;
        }
        Ok(Catalog(entries))
    }

    #[test]
    fn the_loop_reads_catalogs_as_the_collect_did() {
        const ENTRIES: [&str; 14] = [
            r#"{"name": "A", "price": 1, "currency": "XOF"}"#,
            r#"{"name": {"fr": "B", "en": "Bee"}, "price": 250, "currency": "EUR"}"#,
            r#"{"price": 1, "currency": "XOF"}"#,
            r#"{"name": 3, "price": 1, "currency": "XOF"}"#,
            r#"{"name": {"fr": "C"}, "price": 1, "currency": "XOF"}"#,
            r#"{"name": "A", "price": -1, "currency": "XOF"}"#,
            r#"{"name": "A", "price": "1", "currency": "XOF"}"#,
            r#"{"name": "A", "price": 1.5, "currency": "XOF"}"#,
            r#"{"name": "A", "price": 1}"#,
            r#"{"name": "A", "price": 1, "currency": "ZZZ"}"#,
            r#"{"name": "A", "price": 1, "currency": 5}"#,
            r#"{"name": "A", "price": 18446744073709551615, "currency": "XOF"}"#,
            r#"{"name": "A", "price": 1, "currency": "XOF", "extra": true}"#,
            r#"["A", 1, "XOF"]"#,
        ];
        let mut inputs: Vec<String> = ["[]", "1", "", "{", "null", "{}", r#""a""#]
            .map(String::from)
            .to_vec();
        let mut seed = 7u64;
        for _ in 0..600 {
            let mut json = String::from("{");
            let n = (seed % 5) as usize;
            for k in 0..n {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                if k > 0 {
                    json.push(',');
                }
                let entry = ENTRIES[(seed >> 33) as usize % ENTRIES.len()];
                json.push_str(&format!(r#""sku-{}": {entry}"#, (seed >> 20) % 7));
            }
            json.push('}');
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            inputs.push(json);
        }
        let (mut ok, mut err) = (0, 0);
        for json in &inputs {
            let new = Catalog::parse(json);
            assert_eq!(new, parse_with_collect(json), "{json}");
            if new.is_ok() {
                ok += 1;
            } else {
                err += 1;
            }
        }
        assert!(ok > 50 && err > 300, "{ok} read, {err} refused");
    }

    #[test]
    fn a_bad_catalog_is_an_error_not_an_empty_list() {
        assert!(Catalog::parse("[]").is_err());
        assert!(Catalog::parse(r#"{"a": {"name": "A", "price": 1, "currency": "ZZZ"}}"#).is_err());
        assert!(Catalog::parse(r#"{"a": {"name": "A", "price": -1, "currency": "XOF"}}"#).is_err());
    }
}
