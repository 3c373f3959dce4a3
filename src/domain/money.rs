//! Money as integers: an amount in the currency's minor unit, never a float.

use core::fmt;

use serde::{Deserialize, Serialize};

use super::validation::{cat, Violation};

/// The largest amount, in minor units, that JavaScript can hold exactly
/// (`Number.MAX_SAFE_INTEGER`). Amounts cross into the browser as numbers, so anything
/// larger is an overflow, not a silent rounding.
pub const MAX_AMOUNT: u64 = (1 << 53) - 1;

/// The ISO 4217 currencies the three providers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Currency {
    /// West African CFA franc (UEMOA).
    XOF,
    /// Central African CFA franc (CEMAC).
    XAF,
    /// Congolese franc.
    CDF,
    /// Guinean franc.
    GNF,
    /// US dollar.
    USD,
    /// Nigerian naira.
    NGN,
    /// Ghanaian cedi.
    GHS,
    /// Kenyan shilling.
    KES,
    /// Tanzanian shilling.
    TZS,
    /// Ugandan shilling.
    UGX,
    /// Rwandan franc.
    RWF,
    /// Zambian kwacha.
    ZMW,
    /// Malawian kwacha.
    MWK,
    /// South African rand.
    ZAR,
    /// Euro.
    EUR,
}

impl Currency {
    /// Every supported currency.
    pub const ALL: [Currency; 15] = [
        Currency::XOF,
        Currency::XAF,
        Currency::CDF,
        Currency::GNF,
        Currency::USD,
        Currency::NGN,
        Currency::GHS,
        Currency::KES,
        Currency::TZS,
        Currency::UGX,
        Currency::RWF,
        Currency::ZMW,
        Currency::MWK,
        Currency::ZAR,
        Currency::EUR,
    ];

    /// The ISO 4217 code.
    pub fn code(self) -> &'static str {
        match self {
            Currency::XOF => "XOF",
            Currency::XAF => "XAF",
            Currency::CDF => "CDF",
            Currency::GNF => "GNF",
            Currency::USD => "USD",
            Currency::NGN => "NGN",
            Currency::GHS => "GHS",
            Currency::KES => "KES",
            Currency::TZS => "TZS",
            Currency::UGX => "UGX",
            Currency::RWF => "RWF",
            Currency::ZMW => "ZMW",
            Currency::MWK => "MWK",
            Currency::ZAR => "ZAR",
            Currency::EUR => "EUR",
        }
    }

    /// Reads an ISO 4217 code, ignoring case and surrounding spaces.
    pub fn from_code(code: &str) -> Option<Currency> {
        let code = code.trim();
        Currency::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(code))
    }

    /// Digits after the decimal point (ISO 4217 exponent): 0 for the CFA francs, GNF, UGX
    /// and RWF, 2 for the others.
    pub fn minor_units(self) -> u32 {
        match self {
            Currency::XOF | Currency::XAF | Currency::GNF | Currency::UGX | Currency::RWF => 0,
            Currency::CDF
            | Currency::USD
            | Currency::NGN
            | Currency::GHS
            | Currency::KES
            | Currency::TZS
            | Currency::ZMW
            | Currency::MWK
            | Currency::ZAR
            | Currency::EUR => 2,
        }
    }

    /// How many minor units make one major unit (1 or 100).
    pub fn minor_per_major(self) -> u64 {
        10u64.pow(self.minor_units())
    }

    /// The symbol a shopper reads next to an amount.
    pub fn symbol(self) -> &'static str {
        match self {
            // A narrow no-break space, as CLDR writes it: "F CFA" never breaks across two lines.
            Currency::XOF | Currency::XAF => "F\u{202f}CFA",
            Currency::CDF => "FC",
            Currency::GNF => "FG",
            Currency::USD => "$",
            Currency::NGN => "₦",
            Currency::GHS => "GH₵",
            Currency::KES => "KSh",
            Currency::TZS => "TSh",
            Currency::UGX => "USh",
            Currency::RWF => "FRw",
            Currency::ZMW => "ZK",
            Currency::MWK => "MK",
            Currency::ZAR => "R",
            Currency::EUR => "€",
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a money operation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyError {
    /// The result is larger than [`MAX_AMOUNT`] (or below zero).
    Overflow,
    /// Two amounts in different currencies were combined.
    CurrencyMismatch {
        /// The currency of the left side.
        left: Currency,
        /// The currency of the right side.
        right: Currency,
    },
    /// A decimal text that is not an amount in this currency (sign, letters, too many
    /// decimals).
    Malformed,
    /// An amount in minor units that is not a whole number of major units, where a
    /// provider needs major units.
    Fractional,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoneyError::Overflow => f.write_str("amount out of range"),
            MoneyError::CurrencyMismatch { left, right } => {
                write!(f, "cannot combine {left} and {right}")
            }
            MoneyError::Malformed => f.write_str("not an amount"),
            MoneyError::Fractional => f.write_str("not a whole number of major units"),
        }
    }
}

impl std::error::Error for MoneyError {}

impl MoneyError {
    /// The violation to show for this error at `field`.
    pub fn violation(self, field: impl Into<String>) -> Violation {
        let (code, fr, en) = match self {
            MoneyError::Overflow => (
                "amount_overflow",
                "Le montant est trop élevé.",
                "The amount is too large.",
            ),
            MoneyError::CurrencyMismatch { .. } => (
                "currency_mismatch",
                "Tous les articles doivent être dans la même devise.",
                "Every item must be in the same currency.",
            ),
            MoneyError::Malformed => (
                "invalid_amount",
                "Ce montant n'est pas valide.",
                "This amount is not valid.",
            ),
            MoneyError::Fractional => (
                "fractional_amount",
                "Le montant doit être un nombre entier dans cette devise.",
                "The amount must be a whole number in this currency.",
            ),
        };
        Violation::texts(code, field.into(), fr, en)
    }
}

/// An amount of money: a count of the currency's minor units (francs for XOF, cents for
/// USD), from 0 to [`MAX_AMOUNT`]. All arithmetic is checked. On the wire it is
/// `{"amount": <minor units>, "currency": "XOF"}`, range-checked when read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "MoneyWire")]
pub struct Money {
    amount: u64,
    currency: Currency,
}

/// The unchecked shape of [`Money`] on the wire.
#[derive(Deserialize)]
struct MoneyWire {
    amount: u64,
    currency: Currency,
}

impl TryFrom<MoneyWire> for Money {
    type Error = MoneyError;
    fn try_from(wire: MoneyWire) -> Result<Self, Self::Error> {
        Money::from_minor(wire.amount, wire.currency)
    }
}

impl Money {
    /// An amount in minor units; refused above [`MAX_AMOUNT`].
    pub fn from_minor(amount: u64, currency: Currency) -> Result<Money, MoneyError> {
        if amount > MAX_AMOUNT {
            return Err(MoneyError::Overflow);
        }
        Ok(Money { amount, currency })
    }

    /// An amount in major units (`from_major(25, USD)` is 25.00 USD).
    pub fn from_major(amount: u64, currency: Currency) -> Result<Money, MoneyError> {
        let minor = amount
            .checked_mul(currency.minor_per_major())
            .ok_or(MoneyError::Overflow)?;
        Money::from_minor(minor, currency)
    }

    /// Zero in a currency.
    pub fn zero(currency: Currency) -> Money {
        Money {
            amount: 0,
            currency,
        }
    }

    /// Reads a decimal text in major units, as providers send them (`"1500"`,
    /// `"1500.00"`, `"12.5"`), without ever going through a float.
    pub fn parse_major(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let text = text.trim();
        let (whole, fraction) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (!fraction.is_empty() && !fraction.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(MoneyError::Malformed);
        }
        let units = currency.minor_units() as usize;
        // Trailing zeros beyond the currency's precision are harmless ("1500.00" in XOF).
        let significant = fraction.trim_end_matches('0');
        if significant.len() > units {
            return Err(MoneyError::Malformed);
        }
        let whole: u64 = whole.parse().map_err(|_| MoneyError::Overflow)?;
        let mut minor_fraction = 0u64;
        for i in 0..units {
            let digit = significant
                .as_bytes()
                .get(i)
                .map_or(0, |b| u64::from(b - b'0'));
            minor_fraction = minor_fraction * 10 + digit;
        }
        let minor = whole
            .checked_mul(currency.minor_per_major())
            .and_then(|m| m.checked_add(minor_fraction))
            .ok_or(MoneyError::Overflow)?;
        Money::from_minor(minor, currency)
    }

    /// The amount in minor units.
    pub fn minor(self) -> u64 {
        self.amount
    }

    /// The currency.
    pub fn currency(self) -> Currency {
        self.currency
    }

    /// The amount as a whole number of major units, as the providers take it; refused
    /// when there are cents left over.
    pub fn major_exact(self) -> Result<u64, MoneyError> {
        let per = self.currency.minor_per_major();
        if self.amount % per != 0 {
            return Err(MoneyError::Fractional);
        }
        Ok(self.amount / per)
    }

    /// `self + other`, same currency, within range.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let sum = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Money::from_minor(sum, self.currency)
    }

    /// `self - other`, same currency, never below zero.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let difference = self
            .amount
            .checked_sub(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Money::from_minor(difference, self.currency)
    }

    /// `self × quantity`, within range.
    pub fn checked_mul(self, quantity: u32) -> Result<Money, MoneyError> {
        let product = self
            .amount
            .checked_mul(u64::from(quantity))
            .ok_or(MoneyError::Overflow)?;
        Money::from_minor(product, self.currency)
    }

    /// Sums amounts of one currency; an empty list is zero in `currency`.
    pub fn sum(
        currency: Currency,
        amounts: impl IntoIterator<Item = Money>,
    ) -> Result<Money, MoneyError> {
        amounts
            .into_iter()
            .try_fold(Money::zero(currency), Money::checked_add)
    }

    /// The amount written for a shopper: `12 500 F CFA` (no-break spaces) in French, `F CFA 12,500` in
    /// English; cents shown only for currencies that have them.
    pub fn display(self, lang: super::Lang) -> String {
        let per = self.currency.minor_per_major();
        let whole = self.amount / per;
        let (group, decimal) = match lang {
            super::Lang::Fr => ('\u{202f}', ','),
            super::Lang::En => (',', '.'),
        };
        // Digits by hand: `core::fmt` would weigh several KB in the browser bundle.
        let digits = super::validation::decimal(whole);
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 8);
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(group);
            }
            grouped.push(ch);
        }
        if self.currency.minor_units() > 0 {
            grouped.push(decimal);
            let cents = super::validation::decimal(self.amount % per);
            for _ in cents.len()..self.currency.minor_units() as usize {
                grouped.push('0');
            }
            grouped.push_str(&cents);
        }
        let symbol = self.currency.symbol();
        match lang {
            super::Lang::Fr => cat(&[&grouped, "\u{a0}", symbol]),
            super::Lang::En => cat(&[symbol, "\u{a0}", &grouped]),
        }
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }
}

impl PartialOrd for Money {
    /// Amounts compare only within one currency.
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        (self.currency == other.currency).then(|| self.amount.cmp(&other.amount))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_major_reads_provider_strings_without_floats() {
        let xof = |s| Money::parse_major(s, Currency::XOF).map(Money::minor);
        assert_eq!(xof("1500"), Ok(1500));
        assert_eq!(xof("1500.00"), Ok(1500));
        assert_eq!(xof("1500.5"), Err(MoneyError::Malformed));
        assert_eq!(xof("-5"), Err(MoneyError::Malformed));
        assert_eq!(xof(""), Err(MoneyError::Malformed));
        let usd = |s| Money::parse_major(s, Currency::USD).map(Money::minor);
        assert_eq!(usd("12.5"), Ok(1250));
        assert_eq!(usd("0.07"), Ok(7));
        assert_eq!(usd("12.345"), Err(MoneyError::Malformed));
        assert_eq!(usd("99999999999999999999"), Err(MoneyError::Overflow));
    }

    #[test]
    fn amounts_beyond_javascript_precision_are_refused() {
        assert!(Money::from_minor(MAX_AMOUNT, Currency::XOF).is_ok());
        assert_eq!(
            Money::from_minor(MAX_AMOUNT + 1, Currency::XOF),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn display_follows_the_shoppers_language() {
        let price = Money::from_minor(1_250_000, Currency::XOF).unwrap();
        assert_eq!(
            price.display(super::super::Lang::Fr),
            "1\u{202f}250\u{202f}000\u{a0}F\u{202f}CFA"
        );
        assert_eq!(
            price.display(super::super::Lang::En),
            "F\u{202f}CFA\u{a0}1,250,000"
        );
        let dollars = Money::from_minor(1999, Currency::USD).unwrap();
        assert_eq!(dollars.display(super::super::Lang::En), "$\u{a0}19.99");
        assert_eq!(dollars.display(super::super::Lang::Fr), "19,99\u{a0}$");
    }

    #[test]
    fn major_units_refuse_leftover_cents() {
        let m = Money::from_minor(2550, Currency::USD).unwrap();
        assert_eq!(m.major_exact(), Err(MoneyError::Fractional));
        let m = Money::from_minor(2500, Currency::USD).unwrap();
        assert_eq!(m.major_exact(), Ok(25));
        let m = Money::from_minor(2550, Currency::XOF).unwrap();
        assert_eq!(m.major_exact(), Ok(2550));
    }
}
