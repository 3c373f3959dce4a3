//! MoneyFusion withdrawals: `POST https://pay.moneyfusion.net/api/v1/withdraw` with the
//! header `moneyfusion-private-key`.
//!
//! Three facts shape this module:
//!
//! - **There is no payout status endpoint.** The withdraw answer says only that the
//!   request was submitted; the outcome arrives, unsigned, as `payout.session.completed`
//!   or `payout.session.cancelled` (see [`super::webhook::UnverifiedPayoutEvent`]). A
//!   payout whose notification never comes stays pending until someone checks the
//!   MoneyFusion dashboard.
//! - **MoneyFusion requires a fixed server IP for payouts**: the IP sending the request
//!   must be registered in the dashboard. Most edge platforms (Workers, Deno Deploy) have
//!   no fixed outbound IP, so a payout from there is refused (`unauthorized_ip`). We still
//!   build the request anywhere: the merchant decides where it runs (a server with a fixed
//!   IP, or an egress proxy).
//! - **There is no idempotency key.** A 5xx or a timeout may come after the money left, so
//!   a withdrawal is never marked retryable except on 429.

use super::wire::{MoneyFusionWithdrawRequest, MoneyFusionWithdrawResponse};
use super::{
    invalid_url, is_http_url, is_success, json_bytes, json_post, major_units, MoneyFusion,
    PaymentToken,
};
use crate::domain::validation::text;
use crate::domain::{Country, Currency, Message, Money, Phone, Violation, Violations};
use crate::http::HttpResponse;
use crate::providers::{renamed, PayoutOrder, ProviderError};

/// The currency of every withdrawal: all the countries MoneyFusion pays out to are in
/// the West African CFA franc zone.
pub const PAYOUT_CURRENCY: Currency = Currency::XOF;

/// A `withdraw_mode` from MoneyFusion's payout docs (docs.moneyfusion.net/en/payout), each
/// tied to one country.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WithdrawMode {
    /// `orange-money-ci`.
    OrangeMoneyCi,
    /// `mtn-ci`.
    MtnCi,
    /// `moov-ci`.
    MoovCi,
    /// `wave-ci`.
    WaveCi,
    /// `orange-money-senegal`.
    OrangeMoneySenegal,
    /// `free-money-senegal`.
    FreeMoneySenegal,
    /// `wave-senegal`.
    WaveSenegal,
    /// `expresso-senegal`.
    ExpressoSenegal,
    /// `orange-money-burkina`.
    OrangeMoneyBurkina,
    /// `moov-burkina-faso`.
    MoovBurkinaFaso,
    /// `mtn-benin`.
    MtnBenin,
    /// `moov-benin`.
    MoovBenin,
    /// `t-money-togo`.
    TMoneyTogo,
    /// `moov-togo`.
    MoovTogo,
    /// `orange-money-mali`.
    OrangeMoneyMali,
}

impl WithdrawMode {
    /// Every published mode.
    pub const ALL: [WithdrawMode; 15] = [
        WithdrawMode::OrangeMoneyCi,
        WithdrawMode::MtnCi,
        WithdrawMode::MoovCi,
        WithdrawMode::WaveCi,
        WithdrawMode::OrangeMoneySenegal,
        WithdrawMode::FreeMoneySenegal,
        WithdrawMode::WaveSenegal,
        WithdrawMode::ExpressoSenegal,
        WithdrawMode::OrangeMoneyBurkina,
        WithdrawMode::MoovBurkinaFaso,
        WithdrawMode::MtnBenin,
        WithdrawMode::MoovBenin,
        WithdrawMode::TMoneyTogo,
        WithdrawMode::MoovTogo,
        WithdrawMode::OrangeMoneyMali,
    ];

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            WithdrawMode::OrangeMoneyCi => "orange-money-ci",
            WithdrawMode::MtnCi => "mtn-ci",
            WithdrawMode::MoovCi => "moov-ci",
            WithdrawMode::WaveCi => "wave-ci",
            WithdrawMode::OrangeMoneySenegal => "orange-money-senegal",
            WithdrawMode::FreeMoneySenegal => "free-money-senegal",
            WithdrawMode::WaveSenegal => "wave-senegal",
            WithdrawMode::ExpressoSenegal => "expresso-senegal",
            WithdrawMode::OrangeMoneyBurkina => "orange-money-burkina",
            WithdrawMode::MoovBurkinaFaso => "moov-burkina-faso",
            WithdrawMode::MtnBenin => "mtn-benin",
            WithdrawMode::MoovBenin => "moov-benin",
            WithdrawMode::TMoneyTogo => "t-money-togo",
            WithdrawMode::MoovTogo => "moov-togo",
            WithdrawMode::OrangeMoneyMali => "orange-money-mali",
        }
    }

    /// Reads a mode name, ignoring case and surrounding spaces.
    pub fn parse(name: &str) -> Option<WithdrawMode> {
        let name = name.trim();
        WithdrawMode::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(name))
    }

    /// The one country this mode pays out in.
    pub fn country(self) -> Country {
        match self {
            WithdrawMode::OrangeMoneyCi
            | WithdrawMode::MtnCi
            | WithdrawMode::MoovCi
            | WithdrawMode::WaveCi => Country::CI,
            WithdrawMode::OrangeMoneySenegal
            | WithdrawMode::FreeMoneySenegal
            | WithdrawMode::WaveSenegal
            | WithdrawMode::ExpressoSenegal => Country::SN,
            WithdrawMode::OrangeMoneyBurkina | WithdrawMode::MoovBurkinaFaso => Country::BF,
            WithdrawMode::MtnBenin | WithdrawMode::MoovBenin => Country::BJ,
            WithdrawMode::TMoneyTogo | WithdrawMode::MoovTogo => Country::TG,
            WithdrawMode::OrangeMoneyMali => Country::ML,
        }
    }
}

/// What the merchant asks to send, before any check. Field paths in violations are these
/// names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithdrawalInput {
    /// `countryCode`, any case (`ci`, `CI`). Taken from the mode when absent.
    pub country: Option<String>,
    /// `withdraw_mode` (`mtn-ci`, ...).
    pub method: Option<String>,
    /// The number to pay, in any usual form.
    pub phone: Option<String>,
    /// How much, in XOF.
    pub amount: Money,
    /// Where MoneyFusion posts `payout.session.*`.
    pub webhook_url: Option<String>,
}

/// A checked withdrawal: a published mode, a country that agrees with it, a phone number
/// of that country, a whole amount in XOF above zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawal {
    mode: WithdrawMode,
    phone: Phone,
    amount: Money,
    major: u64,
    webhook_url: Option<String>,
}

impl Withdrawal {
    /// Checks a withdrawal, reporting every problem at once.
    pub fn parse(input: &WithdrawalInput) -> Result<Withdrawal, Violations> {
        let mut found = Violations::new();
        let mode = text(input.method.as_deref(), "method", true, 40, &mut found).and_then(
            |name| {
                WithdrawMode::parse(&name).or_else(|| {
                    found.push(crate::providers::rule("invalid_method", "method", "Mode de retrait inconnu de MoneyFusion (par exemple mtn-ci, wave-senegal).", "MoneyFusion does not know this withdraw mode (for example mtn-ci, wave-senegal)."));
                    None
                })
            },
        );
        let country = match text(input.country.as_deref(), "country", false, 8, &mut found) {
            Some(code) => match (Country::parse(&code), mode) {
                (Some(country), Some(mode)) if country != mode.country() => {
                    found.push(Violation::new(
                        "country_mismatch",
                        "country",
                        Message::new(
                            format!("Ce mode de retrait paie en {}.", mode.country()),
                            format!("This withdraw mode pays out in {}.", mode.country()),
                        ),
                    ));
                    None
                }
                (Some(country), _) => Some(country),
                (None, _) => {
                    found.push(crate::providers::rule(
                        "invalid_country",
                        "country",
                        "Le pays doit être un code ISO à deux lettres (par exemple ci).",
                        "The country must be a two-letter ISO code (for example ci).",
                    ));
                    None
                }
            },
            None => mode.map(WithdrawMode::country),
        };
        let phone = text(input.phone.as_deref(), "phone", true, 32, &mut found).and_then(|raw| {
            let country = country?;
            match Phone::parse(&raw, Some(country)) {
                Ok(phone) if phone.country() == Some(country) => Some(phone),
                Ok(_) => {
                    found.push(Violation::new(
                        "invalid_phone",
                        "phone",
                        Message::new(
                            format!(
                                "Le numéro doit être un numéro du pays du retrait ({country})."
                            ),
                            format!(
                                "The number must belong to the withdrawal's country ({country})."
                            ),
                        ),
                    ));
                    None
                }
                Err(error) => {
                    found.push(error.violation("phone"));
                    None
                }
            }
        });
        let major = major_units(input.amount, PAYOUT_CURRENCY, "amount", &mut found);
        let webhook_url = match input.webhook_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) if is_http_url(url) => Some(url.to_owned()),
            Some(_) => {
                found.push(invalid_url("webhook_url"));
                None
            }
        };
        match (mode, phone, major) {
            (Some(mode), Some(phone), Some(major)) if found.is_empty() => Ok(Withdrawal {
                mode,
                phone,
                amount: input.amount,
                major,
                webhook_url,
            }),
            _ => Err(found),
        }
    }

    /// The operator.
    pub fn mode(&self) -> WithdrawMode {
        self.mode
    }

    /// The country (the mode's).
    pub fn country(&self) -> Country {
        self.mode.country()
    }

    /// The number paid.
    pub fn phone(&self) -> &Phone {
        &self.phone
    }

    /// The amount.
    pub fn amount(&self) -> Money {
        self.amount
    }

    /// The body MoneyFusion publishes: `countryCode` lowercase, `phone` in national form
    /// (`0501020304`, as in MoneyFusion's sample `05xxxxxxxxx`), `amount` in major units.
    pub fn body(&self) -> MoneyFusionWithdrawRequest {
        MoneyFusionWithdrawRequest {
            country_code: self.country().as_str().to_ascii_lowercase(),
            phone: self.phone.national_number().to_owned(),
            amount: self.major.into(),
            withdraw_mode: self.mode.as_str().to_owned(),
            webhook_url: self.webhook_url.clone(),
        }
    }
}

/// A withdrawal MoneyFusion accepted for processing (not yet paid out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmittedWithdrawal {
    /// `tokenPay`: the only link to the `payout.session.*` notifications.
    pub provider_ref: String,
    /// MoneyFusion's message (`Retrait soumis avec succès`).
    pub message: Option<String>,
}

impl MoneyFusion {
    /// A payout order as MoneyFusion takes it: its `recipient.method`, `recipient.phone`
    /// and `recipient.country` checked as a [`Withdrawal`], violations at the order's paths.
    pub fn prepare_payout(&self, order: &PayoutOrder) -> Result<Withdrawal, Violations> {
        let input = WithdrawalInput {
            country: order.recipient.country.clone(),
            method: order.recipient.method.clone(),
            phone: order.recipient.phone.clone(),
            amount: order.amount,
            webhook_url: order.notify_url.clone(),
        };
        Withdrawal::parse(&input).map_err(|violations| {
            renamed(violations, |field| match field {
                "method" | "phone" | "country" => format!("recipient.{field}"),
                other => other.to_owned(),
            })
        })
    }

    /// `POST <payout base>/api/v1/withdraw` with the private key header. Refused with
    /// `payouts_not_configured` when no private key is set.
    pub fn initialize_payout(
        &self,
        withdrawal: &Withdrawal,
    ) -> Result<crate::http::HttpRequest, ProviderError> {
        let Some(key) = &self.config.private_key else {
            return Err(self.error(
                "payouts_not_configured",
                Some("no MoneyFusion private key is set for withdrawals"),
                None,
                false,
            ));
        };
        let url = format!("{}/api/v1/withdraw", self.config.payout_base_url);
        Ok(json_post(&url, json_bytes(&withdrawal.body()))
            .header("moneyfusion-private-key", key.expose()))
    }

    /// Reads the answer to [`MoneyFusion::initialize_payout`]. `statut: false` is
    /// `unauthorized_ip` (the server's IP is not registered), `rejected` otherwise; only 429
    /// is retryable (see the module docs).
    pub fn read_created_payout(
        &self,
        response: &HttpResponse,
    ) -> Result<SubmittedWithdrawal, ProviderError> {
        let not_retryable = |mut error: ProviderError| {
            error.retryable = response.status == 429;
            error
        };
        let body: MoneyFusionWithdrawResponse = self.read(response).map_err(not_retryable)?;
        if !(body.statut && is_success(response.status)) {
            return Err(not_retryable(
                self.refusal(response.status, body.message.as_deref()),
            ));
        }
        match body.token_pay.as_deref().and_then(PaymentToken::parse) {
            Some(token) => Ok(SubmittedWithdrawal {
                provider_ref: token.as_str().to_owned(),
                message: body.message,
            }),
            None => Err(self.bad_response(response.status, "the answer has no usable tokenPay")),
        }
    }
}
