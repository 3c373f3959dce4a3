//! The readers of the storefront's input types ([`CheckoutInput`], [`CustomerInput`],
//! [`CartLine`], in `crate::domain`), through [`Fields`] rather than serde's derive
//! (about 7 KB of the edge's wasm; issue #18 round 5). The browser builds these types from
//! JavaScript values instead (`src/browser/read.rs`) and a build without the edge or the
//! sandbox keeps the derive.
//!
//! Same answers as the derive they replace: unknown keys are ignored, an optional field
//! may be missing or `null`, and when several fields are wrong the error is the one the
//! derive met first. The derive meets the keys in the order serde_json's map sorts them,
//! so each reader takes its fields in that order (aliases included), and reports a
//! missing required field only after reading every present one, in declaration order.

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};

use super::Fields;
use crate::domain::{CartLine, CheckoutInput, CustomerInput};

impl<'de> Deserialize<'de> for CheckoutInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct CheckoutInput", |f| {
            // Keys in sorted order: amount, channels, customer, items, lang, metadata,
            // methods, orderId, order_id, provider.
            let amount = f.parse_opt::<IgnoredAny>("amount");
            let channels = f.text_opt("channels");
            let customer = f.parse_or_default("customer");
            let items = f.parse_opt("items");
            let lang = f.text_opt("lang");
            let metadata = f.parse_opt("metadata");
            let methods = f.parse_opt("methods");
            let order_id = f.text_aliased("order_id", &["orderId", "order_id"])?;
            let provider = f.text_opt("provider");
            Ok(CheckoutInput {
                provider,
                items,
                order_id,
                customer,
                lang,
                channels,
                methods,
                metadata,
                amount,
            })
        })
    }
}

impl<'de> Deserialize<'de> for CustomerInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct CustomerInput", |f| {
            let address = f.text_opt("address");
            let city = f.text_opt("city");
            let country = f.text_opt("country");
            let email = f.text_opt("email");
            let first_name = f.text_aliased("first_name", &["firstName", "first_name"])?;
            let last_name = f.text_aliased("last_name", &["lastName", "last_name"])?;
            let phone = f.text_opt("phone");
            let state = f.text_opt("state");
            let zip = f.text_aliased("zip", &["zip", "zipCode", "zip_code"])?;
            Ok(CustomerInput {
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
        })
    }
}

impl<'de> Deserialize<'de> for CartLine {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct CartLine", |f| {
            let quantity = f.present("quantity");
            let sku = f.present("sku");
            Ok(CartLine {
                sku: sku.ok_or_else(|| serde::de::Error::missing_field("sku"))?,
                quantity: quantity.ok_or_else(|| serde::de::Error::missing_field("quantity"))?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    //! Each reader against the derive it replaced (kept here as mirrors), both read
    //! through `from_json`, on inputs that reach every rule.
    use serde::Deserialize;

    use crate::domain::order::Entries;
    use crate::domain::{CartLine, CheckoutInput, CustomerInput};
    use crate::http::from_json;

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    #[allow(dead_code)]
    struct CheckoutMirror {
        provider: Option<String>,
        items: Option<Vec<LineMirror>>,
        #[serde(alias = "orderId")]
        order_id: Option<String>,
        customer: CustomerMirror,
        lang: Option<String>,
        channels: Option<String>,
        methods: Option<Vec<String>>,
        metadata: Option<Entries>,
        amount: Option<serde::de::IgnoredAny>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    #[allow(dead_code)]
    struct CustomerMirror {
        email: Option<String>,
        #[serde(alias = "firstName")]
        first_name: Option<String>,
        #[serde(alias = "lastName")]
        last_name: Option<String>,
        phone: Option<String>,
        country: Option<String>,
        address: Option<String>,
        city: Option<String>,
        state: Option<String>,
        #[serde(alias = "zipCode", alias = "zip_code")]
        zip: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct LineMirror {
        sku: String,
        quantity: i64,
    }

    /// The same text for both: the Debug form of the value (mirrors print as the real
    /// types once renamed) or the error.
    fn same<T: serde::de::DeserializeOwned + std::fmt::Debug, M>(
        json: &str,
        rename: &[(&str, &str)],
    ) where
        M: serde::de::DeserializeOwned + std::fmt::Debug,
    {
        let ours = match from_json::<T>(json.as_bytes()) {
            Ok(value) => format!("{value:?}"),
            Err(e) => format!("error: {e}"),
        };
        let mut derived = match from_json::<M>(json.as_bytes()) {
            Ok(value) => format!("{value:?}"),
            Err(e) => format!("error: {e}"),
        };
        for (mirror, real) in rename {
            derived = derived.replace(mirror, real);
        }
        assert_eq!(ours, derived, "{json}");
    }

    const NAMES: [(&str, &str); 3] = [
        ("CheckoutMirror", "CheckoutInput"),
        ("CustomerMirror", "CustomerInput"),
        ("LineMirror", "CartLine"),
    ];

    #[test]
    fn the_checkout_reader_answers_as_the_derive_did() {
        for json in [
            r#"{}"#,
            r#"[]"#,
            r#"null"#,
            r#""text""#,
            r#"{"provider": "moneroo", "items": [{"sku": "wax", "quantity": 2}], "lang": "fr"}"#,
            r#"{"provider": null, "items": null, "customer": {}, "unknown": [1, {"a": 2}]}"#,
            r#"{"orderId": "ord_1"}"#,
            r#"{"order_id": "ord_1"}"#,
            r#"{"orderId": "ord_1", "order_id": "ord_2"}"#,
            r#"{"orderId": null, "order_id": "ord_2"}"#,
            r#"{"orderId": 5, "order_id": "ord_2"}"#,
            r#"{"amount": 1500}"#,
            r#"{"amount": null}"#,
            r#"{"amount": {"value": 1}, "provider": 7}"#,
            r#"{"provider": 7, "lang": 8}"#,
            r#"{"customer": null}"#,
            r#"{"customer": "me"}"#,
            r#"{"customer": {"email": 5}, "provider": 7}"#,
            r#"{"channels": ["ALL"], "customer": {"email": 5}}"#,
            r#"{"items": {}, "lang": 1}"#,
            r#"{"items": [{"sku": "a", "quantity": 1}, {"sku": "b"}]}"#,
            r#"{"methods": ["mtn_ci", 4]}"#,
            r#"{"methods": "mtn_ci"}"#,
            r#"{"metadata": {"b": "2", "a": "1"}}"#,
            r#"{"metadata": {"a": 1}}"#,
            r#"{"metadata": []}"#,
            r#"{"metadata": null, "methods": null, "channels": null}"#,
        ] {
            same::<CheckoutInput, CheckoutMirror>(json, &NAMES);
        }
    }

    #[test]
    fn the_customer_reader_answers_as_the_derive_did() {
        for json in [
            r#"{}"#,
            r#"[]"#,
            r#"{"email": "a@b.ci", "firstName": "Awa", "last_name": "Kone", "phone": "+2250700000000"}"#,
            r#"{"first_name": "Awa", "firstName": "Awa"}"#,
            r#"{"firstName": 1, "first_name": "Awa"}"#,
            r#"{"lastName": null, "last_name": null}"#,
            r#"{"zip": "1", "zipCode": "2"}"#,
            r#"{"zipCode": "2", "zip_code": "3"}"#,
            r#"{"zip_code": "3"}"#,
            r#"{"zipCode": 3}"#,
            r#"{"zip": 1, "zipCode": "2"}"#,
            r#"{"firstName": "Awa", "first_name": 2}"#,
            r#"{"address": 1, "city": 2}"#,
            r#"{"city": "Abidjan", "country": "CI", "state": "Lagunes", "address": "Rue 12"}"#,
            r#"{"phone": true, "email": []}"#,
            r#"{"state": {}, "zip": "1", "zipCode": "2"}"#,
        ] {
            same::<CustomerInput, CustomerMirror>(json, &NAMES);
        }
    }

    #[test]
    fn the_cart_line_reader_answers_as_the_derive_did() {
        for json in [
            r#"{"sku": "wax", "quantity": 2}"#,
            r#"{"sku": "wax", "quantity": -2, "price": 1}"#,
            r#"{"sku": "wax"}"#,
            r#"{"quantity": 2}"#,
            r#"{}"#,
            r#"[]"#,
            r#"["wax", 2]"#,
            r#"{"sku": null, "quantity": 2}"#,
            r#"{"sku": "wax", "quantity": null}"#,
            r#"{"sku": 5, "quantity": "2"}"#,
            r#"{"sku": 5}"#,
            r#"{"quantity": 1.5}"#,
            r#"{"sku": "wax", "quantity": 18446744073709551615}"#,
        ] {
            same::<CartLine, LineMirror>(json, &NAMES);
        }
    }
}
