//! One face over the three adapters, so routes say "initialize" and "check" without
//! caring which provider answers. Built per request from the [`Config`]. Every adapter
//! spells a step the same way: `initialize_payment`,
//! `read_created_payment`, `check_payment`, `read_payment_check` for payments;
//! `prepare_payout`, `initialize_payout` (CinetPay: `add_contacts` then `send_transfer`),
//! `read_created_payout`, `check_payout`, `read_payout_check` for payouts.

use crate::domain::{PaymentStatus, Provider, Violations};
use crate::http::{HttpRequest, HttpResponse};
use crate::providers::cinetpay::Cinetpay;
use crate::providers::moneroo::{self, MonerooKeys, MonerooPaymentOptions};
use crate::providers::moneyfusion::{MoneyFusion, PaymentToken};
use crate::providers::{CheckedPayment, CreatedPayment, PaymentRequest, ProviderError};

use super::Config;

/// A configured provider.
#[derive(Debug, Clone, Copy)]
pub enum Connector<'a> {
    /// Moneroo's keys.
    Moneroo(&'a MonerooKeys),
    /// CinetPay's adapter.
    CinetPay(&'a Cinetpay),
    /// MoneyFusion's adapter.
    MoneyFusion(&'a MoneyFusion),
}

impl<'a> Connector<'a> {
    /// The provider, when the merchant configured it.
    pub fn of(config: &'a Config, provider: Provider) -> Option<Connector<'a>> {
        match provider {
            Provider::Moneroo => config.moneroo.as_ref().map(Connector::Moneroo),
            Provider::CinetPay => config.cinetpay.as_ref().map(Connector::CinetPay),
            Provider::MoneyFusion => match &config.moneyfusion {
                Some(Ok(adapter)) => Some(Connector::MoneyFusion(adapter)),
                _ => None,
            },
        }
    }

    /// Which provider this is.
    pub fn provider(self) -> Provider {
        match self {
            Connector::Moneroo(_) => Provider::Moneroo,
            Connector::CinetPay(_) => Provider::CinetPay,
            Connector::MoneyFusion(_) => Provider::MoneyFusion,
        }
    }

    /// The initialization request, or every rule of the provider the payment breaks.
    pub fn initialize_payment(self, request: &PaymentRequest) -> Result<HttpRequest, Violations> {
        match self {
            Connector::Moneroo(keys) => {
                moneroo::initialize_payment(keys, request, &MonerooPaymentOptions::default())
            }
            Connector::CinetPay(adapter) => adapter.initialize_payment(request),
            Connector::MoneyFusion(adapter) => adapter.initialize_payment(request),
        }
    }

    /// Reads the initialization answer. `reference` is our id, which CinetPay does not
    /// echo.
    pub fn read_created_payment(
        self,
        response: &HttpResponse,
        reference: &str,
    ) -> Result<CreatedPayment, ProviderError> {
        match self {
            Connector::Moneroo(_) => moneroo::read_created_payment(response),
            Connector::CinetPay(adapter) => adapter.read_created_payment(response, reference),
            Connector::MoneyFusion(adapter) => adapter.read_created_payment(response),
        }
    }

    /// The server-side status call for a payment (Moneroo `verify`, CinetPay check by our
    /// transaction id, MoneyFusion status by token). `None` for an id that cannot be one
    /// of this provider's.
    pub fn check_payment(self, provider_ref: &str) -> Option<HttpRequest> {
        match self {
            Connector::Moneroo(keys) => Some(moneroo::check_payment(keys, provider_ref)),
            Connector::CinetPay(adapter) => Some(adapter.check_payment(provider_ref)),
            Connector::MoneyFusion(adapter) => {
                PaymentToken::parse(provider_ref).map(|token| adapter.check_payment(&token))
            }
        }
    }

    /// Reads the status call's answer about `provider_ref`.
    pub fn read_payment_check(
        self,
        provider_ref: &str,
        response: &HttpResponse,
    ) -> Result<CheckedPayment, ProviderError> {
        match self {
            Connector::Moneroo(_) => moneroo::read_payment_check(response),
            Connector::CinetPay(adapter) => adapter.read_payment_check(response, provider_ref),
            Connector::MoneyFusion(adapter) => match PaymentToken::parse(provider_ref) {
                Some(token) => adapter.read_payment_check(&token, response),
                None => Err(ProviderError {
                    provider: Provider::MoneyFusion,
                    code: "bad_token".to_owned(),
                    message: "not a MoneyFusion token".to_owned(),
                    http_status: None,
                    retryable: false,
                }),
            },
        }
    }
}

/// The settlement rule, whole: the provider's answer is about our payment (same id, and our
/// reference when the provider echoes one), then [`CheckedPayment::settle`] on the amount.
/// An answer about another payment is not believed: the session stays pending.
pub fn settle(
    checked: &CheckedPayment,
    provider_ref: &str,
    reference: &str,
    due: crate::domain::Money,
) -> PaymentStatus {
    let ours = checked.provider_ref == provider_ref
        && checked
            .reference
            .as_deref()
            .is_none_or(|echoed| echoed == reference);
    if ours {
        checked.settle(due)
    } else {
        PaymentStatus::Pending
    }
}
