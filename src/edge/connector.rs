//! One face over the three adapters, so routes say "initialize" and "check" without
//! caring which provider answers. Built per request from the [`Config`]. Every adapter
//! spells a step the same way: `initialize_payment`,
//! `read_created_payment`, `check_payment`, `read_payment_check` for payments;
//! `prepare_payout`, `initialize_payout`, `read_created_payout`, `check_payout`,
//! `read_payout_check` for payouts.
//!
//! A payout's send or check may take several calls (CinetPay logs in, then makes the
//! recipient a contact, then sends): each answer goes back to the adapter, which gives the
//! next [`PayoutCall`] or what the provider says ([`PayoutAnswer`]); the edge only sends.

use crate::domain::{Currency, PaymentStatus, Phone, Provider, Violations};
use crate::http::{HttpRequest, HttpResponse};
use crate::providers::cinetpay::{Cinetpay, CinetpayPayout};
use crate::providers::moneroo::{self, MonerooKeys, MonerooPaymentOptions};
use crate::providers::moneyfusion::{MoneyFusion, PaymentToken};
use crate::providers::{
    CheckedPayment, CheckedPayout, CreatedPayment, PaymentRequest, PayoutAnswer, PayoutCall,
    PayoutOrder, PayoutStep, ProviderError,
};

use super::context::{Edge, Effects};
use super::gateway::{self, Retry};
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
                None => Err(gateway::failure(
                    Provider::MoneyFusion,
                    "bad_token",
                    "not a MoneyFusion token",
                    false,
                )),
            },
        }
    }
}

/// One provider call through [`gateway::call`], its answer read by `read`. Every route
/// shares one compiled copy of the retry loop and the transport's future: `read` sets its
/// value aside and the loop is boxed behind a `dyn Future`, so no route's state machine
/// holds (or inlines) a copy of its own.
pub async fn ask<V>(
    edge: &Edge<'_, impl Effects>,
    provider: Provider,
    request: &HttpRequest,
    retry: Retry,
    read: impl Fn(&HttpResponse) -> Result<V, ProviderError>,
) -> Result<V, ProviderError> {
    let value = std::cell::Cell::new(None);
    let keep = |response: &HttpResponse| read(response).map(|read| value.set(Some(read)));
    shared_call(edge, provider, request, retry, &keep).await?;
    // `gateway::call` succeeds only with an answer `keep` read.
    value.into_inner().ok_or_else(|| {
        gateway::failure(
            provider,
            "bad_response",
            "the provider's answer was not read",
            false,
        )
    })
}

type Read<'a> = &'a dyn Fn(&HttpResponse) -> Result<(), ProviderError>;

fn shared_call<'a, E: Effects>(
    edge: &'a Edge<'_, E>,
    provider: Provider,
    request: &'a HttpRequest,
    retry: Retry,
    read: Read<'a>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ProviderError>> + 'a>> {
    Box::pin(gateway::call(
        edge.transport,
        edge.runtime,
        provider,
        request,
        retry,
        read,
    ))
}

/// Why a payout cannot be prepared: nothing is claimed, nothing sent.
pub enum Unprepared {
    /// A provider setting the payout needs is not set (its name, never a value).
    Setting(&'static str),
    /// The provider posts notifications, and `GUICHET_PUBLIC_URL` is not set.
    PublicUrl,
    /// Every rule of the provider the payout breaks, at the request's paths.
    Invalid(Violations),
}

impl From<Violations> for Unprepared {
    fn from(violations: Violations) -> Unprepared {
        Unprepared::Invalid(violations)
    }
}

/// A payout checked against the provider's rules, ready to send.
pub struct PreparedPayout<'a> {
    /// The first call: the send itself, or CinetPay's login.
    pub first: PayoutCall,
    /// The recipient's phone as the provider reads it, for the masked copy we keep.
    pub phone: Option<Phone>,
    sender: Sender<'a>,
}

enum Sender<'a> {
    Moneroo,
    CinetPay(&'a Cinetpay, CinetpayPayout),
    MoneyFusion(&'a MoneyFusion),
}

impl PreparedPayout<'_> {
    /// Reads one answer of the send, at `now` (seconds since the epoch): the next call, a
    /// refusal before the send, or what the provider says of the payout sent.
    pub fn read_created_payout(
        &self,
        call: &PayoutCall,
        response: &HttpResponse,
        now: u64,
    ) -> Result<PayoutAnswer, ProviderError> {
        let accepted = |provider_ref, word| {
            PayoutAnswer::Said(Some(CheckedPayout::accepted(provider_ref, word)))
        };
        match &self.sender {
            Sender::Moneroo => moneroo::read_created_payout(response)
                .map(|created| accepted(created.provider_ref, "initiated")),
            Sender::MoneyFusion(adapter) => adapter
                .read_created_payout(response)
                .map(|submitted| accepted(submitted.provider_ref, "submitted")),
            Sender::CinetPay(adapter, payout) => {
                adapter.read_created_payout(payout, call, response, now)
            }
        }
    }
}

impl<'a> Connector<'a> {
    /// Checks the payout against the provider's rules and prepares its first call.
    /// `webhooks` is where this backend takes notifications (`.../webhooks/`), when its
    /// public URL is known.
    pub fn prepare_payout(
        self,
        mut order: PayoutOrder,
        webhooks: Option<&str>,
    ) -> Result<PreparedPayout<'a>, Unprepared> {
        let send = |request| PayoutCall {
            step: PayoutStep::Send,
            request,
            token: None,
        };
        match self {
            Connector::Moneroo(keys) => {
                let (request, phone) = moneroo::prepare_payout(keys, &order)?;
                Ok(PreparedPayout {
                    first: send(request),
                    phone,
                    sender: Sender::Moneroo,
                })
            }
            Connector::CinetPay(adapter) => {
                let Ok(first) = adapter.initialize_payout() else {
                    return Err(Unprepared::Setting("CINETPAY_TRANSFER_PASSWORD"));
                };
                order.notify_url = Some(notify_url(webhooks, "cinetpay/transfers")?);
                let (payout, phone) = adapter.prepare_payout(&order)?;
                Ok(PreparedPayout {
                    first,
                    phone: Some(phone),
                    sender: Sender::CinetPay(adapter, payout),
                })
            }
            Connector::MoneyFusion(adapter) => {
                order.notify_url = Some(notify_url(webhooks, "moneyfusion")?);
                let withdrawal = adapter.prepare_payout(&order)?;
                let Ok(request) = adapter.initialize_payout(&withdrawal) else {
                    return Err(Unprepared::Setting("MONEYFUSION_PRIVATE_KEY"));
                };
                Ok(PreparedPayout {
                    first: send(request),
                    phone: Some(withdrawal.phone().clone()),
                    sender: Sender::MoneyFusion(adapter),
                })
            }
        }
    }

    /// The first call of a payout's status check (CinetPay: the login), by our id or the
    /// provider's. `None` when the provider cannot be asked: MoneyFusion has no payout
    /// status call, a Moneroo payout whose id we never learnt.
    pub fn check_payout(self, provider_ref: Option<&str>) -> Option<PayoutCall> {
        match self {
            Connector::Moneroo(keys) => provider_ref.map(|provider_ref| PayoutCall {
                step: PayoutStep::Check,
                request: moneroo::check_payout(keys, provider_ref),
                token: None,
            }),
            Connector::CinetPay(adapter) => adapter.initialize_payout().ok(),
            Connector::MoneyFusion(_) => None,
        }
    }

    /// Reads one answer of a payout's status check, at `now`: the next call, or what the
    /// provider says of *our* payout (`id`, the provider's `provider_ref`, amounts in
    /// `currency`); an answer about another payout says nothing.
    pub fn read_payout_check(
        self,
        (id, provider_ref, currency): (&str, Option<&str>, Currency),
        call: &PayoutCall,
        response: &HttpResponse,
        now: u64,
    ) -> Result<PayoutAnswer, ProviderError> {
        match self {
            Connector::Moneroo(_) => moneroo::read_payout_check(response).map(|checked| {
                PayoutAnswer::Said(
                    Some(checked).filter(|c| c.provider_ref.as_deref() == provider_ref),
                )
            }),
            Connector::CinetPay(adapter) => {
                adapter.read_payout_check(id, currency, call, response, now)
            }
            Connector::MoneyFusion(_) => Ok(PayoutAnswer::Said(None)),
        }
    }

    /// The ledger's key for what a status check said of payout `id`: Moneroo's answers
    /// are keyed by its payout id, CinetPay's checks by ours.
    pub fn checked_payout_key(self, id: &str, checked: &CheckedPayout) -> String {
        let word = &checked.provider_status;
        match self {
            Connector::CinetPay(_) => format!("{}:{id}:check:{word}", Provider::CinetPay),
            Connector::Moneroo(_) | Connector::MoneyFusion(_) => format!(
                "{}:{}:{word}",
                self.provider(),
                checked.provider_ref.as_deref().unwrap_or(id)
            ),
        }
    }
}

/// Where a provider posts its payout notifications (`leaf` under `webhooks`): one copy
/// for the two providers that post them.
#[inline(never)]
fn notify_url(webhooks: Option<&str>, leaf: &str) -> Result<String, Unprepared> {
    webhooks
        .map(|base| format!("{base}{leaf}"))
        .ok_or(Unprepared::PublicUrl)
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
