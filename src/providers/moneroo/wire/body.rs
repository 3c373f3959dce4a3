//! The JSON body of Moneroo's payment call, written through [`JsonObject`] instead of its
//! derived `Serialize` (which stays for the sandbox and tests): the same bytes, field for
//! field in declaration order, empty and `None` fields left out (issue #18 round 5).

use super::{MonerooCustomer, MonerooPaymentRequest};
use crate::http::JsonObject;

impl MonerooCustomer {
    fn to_object(&self) -> JsonObject {
        let mut out = JsonObject::new();
        out.str("email", &self.email)
            .str("first_name", &self.first_name)
            .str("last_name", &self.last_name)
            .opt_str("phone", self.phone.as_deref())
            .opt_str("address", self.address.as_deref())
            .opt_str("city", self.city.as_deref())
            .opt_str("state", self.state.as_deref())
            .opt_str("country", self.country.as_deref())
            .opt_str("zip", self.zip.as_deref());
        out
    }
}

impl MonerooPaymentRequest {
    /// The body of `POST /v1/payments/initialize`.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = JsonObject::new();
        out.uint("amount", self.amount)
            .str("currency", &self.currency)
            .str("description", &self.description)
            .str("return_url", &self.return_url)
            .object("customer", self.customer.to_object())
            .entries_unless_empty("metadata", &self.metadata)
            .strs_unless_empty("methods", &self.methods)
            .opt_str(
                "restrict_country_code",
                self.restrict_country_code.as_deref(),
            );
        if let Some(phone) = &self.restricted_phone {
            let mut inner = JsonObject::new();
            inner
                .str("number", &phone.number)
                .str("country_code", &phone.country_code);
            out.object("restricted_phone", inner);
        }
        out.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::super::MonerooRestrictedPhone;
    use super::*;
    use crate::domain::order::Entries;

    #[test]
    fn payment_bodies_are_the_derived_bytes() {
        let some = |s: &str| Some(s.to_owned());
        let mut metadata = Entries::default();
        metadata.insert("reference".into(), "ord \"1\"".into());
        metadata.insert("cart".into(), "é\u{1}".into());
        let full = MonerooPaymentRequest {
            amount: 1500,
            currency: "XOF".into(),
            description: "2 x Wax".into(),
            return_url: "https://shop.ci/back".into(),
            customer: MonerooCustomer {
                email: "a@b.ci".into(),
                first_name: "Awa".into(),
                last_name: "Kone".into(),
                phone: some("2250700000000"),
                address: some("Rue 12"),
                city: some("Abidjan"),
                state: some("Lagunes"),
                country: some("CI"),
                zip: some("00225"),
            },
            metadata,
            methods: vec!["mtn_ci".into(), "orange_ci".into()],
            restrict_country_code: some("CI"),
            restricted_phone: Some(MonerooRestrictedPhone {
                number: "0700000000".into(),
                country_code: "CI".into(),
            }),
        };
        assert_eq!(full.to_json(), serde_json::to_vec(&full).unwrap());
        let bare = MonerooPaymentRequest {
            customer: MonerooCustomer {
                phone: None,
                address: None,
                city: None,
                state: None,
                country: None,
                zip: None,
                ..full.customer.clone()
            },
            metadata: Entries::default(),
            methods: Vec::new(),
            restrict_country_code: None,
            restricted_phone: None,
            ..full
        };
        assert_eq!(bare.to_json(), serde_json::to_vec(&bare).unwrap());
    }
}
