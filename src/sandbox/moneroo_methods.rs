//! Moneroo's method catalog (`GET /utils/payment/methods`, `/utils/payout/methods`):
//! the codes Moneroo publishes, with their currency and countries.

use serde_json::{json, Value};

/// One method.
#[derive(Debug, Clone, Copy)]
pub struct MethodInfo {
    /// Short code (`mtn_bj`).
    pub code: &'static str,
    /// Display name.
    pub name: &'static str,
    /// ISO 4217 code of the only currency it takes.
    pub currency: &'static str,
    /// ISO 3166 alpha-2 codes where it works (empty: anywhere).
    pub countries: &'static [&'static str],
    /// Usable to collect payments.
    pub payments: bool,
    /// Usable to send payouts.
    pub payouts: bool,
}

impl MethodInfo {
    /// Cards take no phone number on the hosted page.
    pub fn is_card(&self) -> bool {
        self.code.starts_with("card_")
    }

    /// The recipient fields a payout with this method needs.
    pub fn payout_fields(&self) -> &'static [(&'static str, &'static str)] {
        if self.code == "moneroo_payout_demo" {
            &[("account_number", "string")]
        } else if self.code.starts_with("bank_") {
            &[("account_number", "string"), ("bank_code", "string")]
        } else {
            &[("msisdn", "integer")]
        }
    }

    fn to_json(self, payouts: bool) -> Value {
        let fields: Vec<Value> = if payouts {
            self.payout_fields()
                .iter()
                .map(|(name, kind)| json!({"name": name, "type": kind, "length": null}))
                .collect()
        } else {
            Vec::new()
        };
        json!({
            "short_code": self.code,
            "name": self.name,
            "currency": {"code": self.currency},
            "countries": self.countries,
            "fields": fields,
        })
    }
}

const fn both(
    code: &'static str,
    name: &'static str,
    currency: &'static str,
    countries: &'static [&'static str],
) -> MethodInfo {
    MethodInfo {
        code,
        name,
        currency,
        countries,
        payments: true,
        payouts: true,
    }
}

const fn pay_only(
    code: &'static str,
    name: &'static str,
    currency: &'static str,
    countries: &'static [&'static str],
) -> MethodInfo {
    MethodInfo {
        code,
        name,
        currency,
        countries,
        payments: true,
        payouts: false,
    }
}

/// The catalog.
pub const METHODS: &[MethodInfo] = &[
    both("airtel_cd", "Airtel Congo", "CDF", &["CD"]),
    both("airtel_mw", "Airtel Money Malawi", "MWK", &["MW"]),
    pay_only("airtel_ne", "Airtel Niger", "XOF", &["NE"]),
    both("airtel_ng", "Airtel Money Nigeria", "NGN", &["NG"]),
    both("airtel_rw", "Airtel Rwanda", "RWF", &["RW"]),
    both("airtel_tz", "Airtel Tanzania", "TZS", &["TZ"]),
    both("airtel_ug", "Airtel Uganda", "UGX", &["UG"]),
    both("airtel_zm", "Airtel Zambia", "ZMW", &["ZM"]),
    pay_only("bank_transfer_ng", "Bank Transfer NG", "NGN", &["NG"]),
    pay_only("barter", "Barter", "NGN", &["NG"]),
    pay_only("card_ghs", "Credit Card GHS", "GHS", &["GH"]),
    pay_only("card_kes", "Card Kenya", "KES", &["KE"]),
    pay_only("card_ngn", "Credit Card NGN", "NGN", &["NG"]),
    pay_only("card_tzs", "Card Tanzania", "TZS", &["TZ"]),
    pay_only("card_ugx", "Card Uganda", "UGX", &["UG"]),
    pay_only("card_usd", "Credit Card USD", "USD", &[]),
    pay_only(
        "card_xaf",
        "Credit Card XAF",
        "XAF",
        &["CM", "CF", "CG", "GA", "GQ", "TD"],
    ),
    pay_only(
        "card_xof",
        "Credit Card XOF",
        "XOF",
        &["CI", "BF", "TG", "BJ", "ML"],
    ),
    pay_only("card_zar", "Credit Card ZAR", "ZAR", &["ZA"]),
    pay_only(
        "crypto_eur",
        "Crypto EUR",
        "EUR",
        &["FR", "BE", "DE", "ES", "IT", "NL", "PT"],
    ),
    pay_only("crypto_usd", "Crypto USD", "USD", &["US"]),
    both("djamo_ci", "Djamo CI", "XOF", &["CI"]),
    both("djamo_sn", "Djamo SN", "XOF", &["SN"]),
    both("e_money_sn", "E-Money Senegal", "XOF", &["SN"]),
    both("eu_mobile_cm", "EU Mobile Money Cameroon", "XAF", &["CM"]),
    both("freemoney_sn", "Free Money Senegal", "XOF", &["SN"]),
    both("halopesa_tz", "Halopesa", "TZS", &["TZ"]),
    MethodInfo {
        code: "moneroo_payout_demo",
        name: "Test Payout Method",
        currency: "USD",
        countries: &["US"],
        payments: false,
        payouts: true,
    },
    both("moov_bf", "Moov Money Burkina Faso", "XOF", &["BF"]),
    both("moov_bj", "Moov Money Benin", "XOF", &["BJ"]),
    both("moov_ci", "Moov Money CI", "XOF", &["CI"]),
    both("moov_ml", "Moov Money Mali", "XOF", &["ML"]),
    both("moov_tg", "Moov Money Togo", "XOF", &["TG"]),
    both("mpesa_ke", "M-Pesa Kenya", "KES", &["KE"]),
    both("mpesa_tz", "Vodacom Tanzania", "TZS", &["TZ"]),
    both("mtn_bj", "MTN MoMo Benin", "XOF", &["BJ"]),
    both("mtn_ci", "MTN MoMo CI", "XOF", &["CI"]),
    both("mtn_cm", "MTN MoMo Cameroon", "XAF", &["CM"]),
    both("mtn_gh", "MTN MoMo Ghana", "GHS", &["GH"]),
    both("mtn_gn", "MTN MoMo Guinea", "GNF", &["GN"]),
    both("mtn_ng", "MTN Nigeria", "NGN", &["NG"]),
    both("mtn_rw", "MTN MoMo Rwanda", "RWF", &["RW"]),
    both("mtn_ug", "MTN MoMo Uganda", "UGX", &["UG"]),
    both("mtn_zm", "MTN MoMo Zambia", "ZMW", &["ZM"]),
    both("orange_bf", "Orange Money Burkina Faso", "XOF", &["BF"]),
    both("orange_cd", "Orange Money Congo", "CDF", &["CD"]),
    both("orange_ci", "Orange Money Côte d'Ivoire", "XOF", &["CI"]),
    both("orange_cm", "Orange Money Cameroon", "XAF", &["CM"]),
    both("orange_gn", "Orange Money Guinea", "GNF", &["GN"]),
    both("orange_ml", "Orange Money Mali", "XOF", &["ML"]),
    both("orange_sn", "Orange Money Sénégal", "XOF", &["SN"]),
    both("tigo_tz", "Tigo Pesa Tanzania", "TZS", &["TZ"]),
    both("togocel", "Togocel Money (TMoney)", "XOF", &["TG"]),
    both("vodafone_gh", "Vodafone Cash Ghana", "GHS", &["GH"]),
    both("wave_ci", "Wave Côte d'Ivoire", "XOF", &["CI"]),
    both("wave_sn", "Wave Sénégal", "XOF", &["SN"]),
];

/// A payment method by code.
pub fn payment_method(code: &str) -> Option<&'static MethodInfo> {
    METHODS.iter().find(|m| m.payments && m.code == code)
}

/// A payout method by code.
pub fn payout_method(code: &str) -> Option<&'static MethodInfo> {
    METHODS.iter().find(|m| m.payouts && m.code == code)
}

/// The catalog as `/utils/payment/methods` (`payouts` false) or `/utils/payout/methods`
/// lists it.
pub fn catalog(payouts: bool) -> Value {
    Value::Array(
        METHODS
            .iter()
            .filter(|m| if payouts { m.payouts } else { m.payments })
            .map(|m| m.to_json(payouts))
            .collect(),
    )
}

/// Name, symbol and decimals of a currency, as Moneroo's currency objects give them.
pub fn currency_object(code: &str) -> Value {
    let (name, symbol, decimals) = match code {
        "XOF" => ("West African CFA franc", "F CFA", 0),
        "XAF" => ("Central African CFA franc", "FCFA", 0),
        "CDF" => ("Congolese Franc", "FC", 2),
        "GNF" => ("Guinean Franc", "FG", 0),
        "USD" => ("US Dollar", "$", 2),
        "NGN" => ("Nigerian Naira", "₦", 2),
        "GHS" => ("Ghanaian Cedi", "GH₵", 2),
        "KES" => ("Kenyan Shilling", "KSh", 2),
        "TZS" => ("Tanzanian Shilling", "TSh", 2),
        "UGX" => ("Ugandan Shilling", "USh", 0),
        "RWF" => ("Rwandan Franc", "RF", 0),
        "ZMW" => ("Zambian Kwacha", "ZK", 2),
        "MWK" => ("Malawian Kwacha", "MK", 2),
        "ZAR" => ("South African Rand", "R", 2),
        "EUR" => ("Euro", "€", 2),
        _ => (code, code, 2),
    };
    json!({
        "name": name,
        "code": code,
        "symbol": symbol,
        "symbol_first": matches!(code, "USD" | "NGN" | "GHS" | "ZAR" | "EUR"),
        "decimals": decimals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_uses_a_currency_moneroo_publishes() {
        for method in METHODS {
            assert!(
                crate::domain::Currency::from_code(method.currency).is_some(),
                "{}",
                method.code
            );
            assert!(method
                .code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
        }
    }

    #[test]
    fn the_payout_demo_method_needs_an_account_number() {
        let demo = payout_method("moneroo_payout_demo").unwrap();
        assert_eq!(demo.payout_fields(), &[("account_number", "string")]);
        assert!(payment_method("moneroo_payout_demo").is_none());
        assert_eq!(
            payout_method("mtn_bj").unwrap().payout_fields(),
            &[("msisdn", "integer")]
        );
    }
}
