//! The JSON bodies of CinetPay's payment calls, written through [`JsonObject`] instead of
//! their derived `Serialize` (which stays for the sandbox and tests): the same bytes, field
//! for field in declaration order, `None` left out (issue #18 round 5).

use super::wire::{CinetpayCheckRequest, CinetpayPaymentRequest};
use crate::http::JsonObject;
use crate::secret::SecretKey;

/// The apikey as the derive writes it (`""` when unset).
fn apikey(key: &Option<SecretKey>) -> &str {
    key.as_ref().map_or("", SecretKey::expose)
}

impl CinetpayPaymentRequest {
    /// The body of `POST /v2/payment`.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = JsonObject::new();
        out.str("apikey", apikey(&self.apikey))
            .str("site_id", &self.site_id)
            .str("transaction_id", &self.transaction_id)
            .uint("amount", self.amount)
            .str("currency", &self.currency)
            .str("description", &self.description)
            .str("notify_url", &self.notify_url)
            .str("return_url", &self.return_url)
            .str("channels", &self.channels)
            .opt_str("lang", self.lang.as_deref())
            .opt_str("metadata", self.metadata.as_deref());
        if let Some(invoice_data) = &self.invoice_data {
            let mut lines = JsonObject::new();
            for (name, value) in invoice_data.iter() {
                lines.str(name, value);
            }
            out.object("invoice_data", lines);
        }
        out.opt_bool("lock_phone_number", self.lock_phone_number)
            .opt_str("customer_id", self.customer_id.as_deref())
            .opt_str("customer_name", self.customer_name.as_deref())
            .opt_str("customer_surname", self.customer_surname.as_deref())
            .opt_str("customer_email", self.customer_email.as_deref())
            .opt_str(
                "customer_phone_number",
                self.customer_phone_number.as_deref(),
            )
            .opt_str("customer_address", self.customer_address.as_deref())
            .opt_str("customer_city", self.customer_city.as_deref())
            .opt_str("customer_country", self.customer_country.as_deref())
            .opt_str("customer_state", self.customer_state.as_deref())
            .opt_str("customer_zip_code", self.customer_zip_code.as_deref());
        out.finish()
    }
}

impl CinetpayCheckRequest {
    /// The body of `POST /v2/payment/check`.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = JsonObject::new();
        out.str("apikey", apikey(&self.apikey))
            .str("site_id", &self.site_id)
            .opt_str("transaction_id", self.transaction_id.as_deref())
            .opt_str("token", self.token.as_deref());
        out.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::Entries;

    fn full() -> CinetpayPaymentRequest {
        let some = |s: &str| Some(s.to_owned());
        let mut invoice = Entries::default();
        invoice.insert("Ligne 2".into(), "deux \"2\"".into());
        invoice.insert("Ligne 1".into(), "un\n1".into());
        CinetpayPaymentRequest {
            apikey: SecretKey::new("key\"1".to_owned()),
            site_id: "105".into(),
            transaction_id: "ord-1".into(),
            amount: 1500,
            currency: "XOF".into(),
            description: "2 x Wax, é".into(),
            notify_url: "https://shop.ci/notify".into(),
            return_url: "https://shop.ci/back?a=1&b=2".into(),
            channels: "ALL".into(),
            lang: some("fr"),
            metadata: some(r#"{"k":"v"}"#),
            invoice_data: Some(invoice),
            lock_phone_number: Some(true),
            customer_id: some("c1"),
            customer_name: some("Kone"),
            customer_surname: some("Awa"),
            customer_email: some("a@b.ci"),
            customer_phone_number: some("+2250700000000"),
            customer_address: some("Rue 12"),
            customer_city: some("Abidjan"),
            customer_country: some("CI"),
            customer_state: some("Lagunes"),
            customer_zip_code: some("00225"),
        }
    }

    #[test]
    fn payment_bodies_are_the_derived_bytes() {
        let full = full();
        assert_eq!(full.to_json(), serde_json::to_vec(&full).unwrap());
        let bare = CinetpayPaymentRequest {
            apikey: None,
            lang: None,
            metadata: None,
            invoice_data: None,
            lock_phone_number: Some(false),
            customer_id: None,
            customer_name: None,
            customer_surname: None,
            customer_email: None,
            customer_phone_number: None,
            customer_address: None,
            customer_city: None,
            customer_country: None,
            customer_state: None,
            customer_zip_code: None,
            ..full
        };
        assert_eq!(bare.to_json(), serde_json::to_vec(&bare).unwrap());
    }

    #[test]
    fn check_bodies_are_the_derived_bytes() {
        for (transaction_id, token) in [(Some("ord-1"), None), (None, Some("tok")), (None, None)] {
            let check = CinetpayCheckRequest {
                apikey: SecretKey::new("k".to_owned()),
                site_id: "105".into(),
                transaction_id: transaction_id.map(str::to_owned),
                token: token.map(str::to_owned),
            };
            assert_eq!(check.to_json(), serde_json::to_vec(&check).unwrap());
        }
    }
}
