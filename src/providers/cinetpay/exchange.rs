//! A payout as one exchange of calls with `client.cinetpay.com`: login, contact, send; or
//! login, check. The adapter does no I/O: the edge sends each [`PayoutCall`] and hands the
//! answer back, and the answer read gives the next call (the token riding along in it) or
//! what CinetPay says of the payout, as a [`CheckedPayout`].

use crate::domain::{Currency, Money, PaymentStatus, Violations};
use crate::http::{HttpRequest, HttpResponse};
use crate::providers::{CheckedPayout, PayoutAnswer, PayoutCall, PayoutStep, ProviderError};

use super::payout::{CinetpayPayout, TransferRecord, TransferToken};
use super::Cinetpay;

impl TransferRecord {
    /// What the record says of the payout, its amount read in `currency` (CinetPay gives
    /// major units without a currency).
    pub fn checked(&self, currency: Currency) -> CheckedPayout {
        let status = self.status();
        let word = self.treatment_status.as_str().to_owned();
        let failure = (status == PaymentStatus::Failed).then(|| match &self.code {
            Some(code) if code.as_str() != "0" => {
                format!("CinetPay refused the transfer (code {})", code.as_str())
            }
            _ => format!("CinetPay reports the transfer {word}"),
        });
        CheckedPayout {
            provider_ref: self.transaction_id.clone(),
            reference: self.client_transaction_id.clone(),
            status,
            provider_status: word,
            amount: self
                .amount
                .as_deref()
                .and_then(|a| Money::parse_major(a, currency).ok()),
            failure,
        }
    }
}

impl Cinetpay {
    /// The first call of a payout's send or check: the login, for a token valid five
    /// minutes (see [`Cinetpay::read_created_payout`], [`Cinetpay::read_payout_check`]).
    pub fn initialize_payout(&self) -> Result<PayoutCall, ProviderError> {
        Ok(PayoutCall {
            step: PayoutStep::Login,
            request: self.login()?,
            token: None,
        })
    }

    /// Reads one answer of a payout's send, at `now` (seconds since the epoch): the login
    /// gives the contact call, the contact the send, the send what CinetPay says of our
    /// transfer (its line, or the first). A contact refused stops before the send.
    pub fn read_created_payout(
        &self,
        payout: &CinetpayPayout,
        call: &PayoutCall,
        response: &HttpResponse,
        now: u64,
    ) -> Result<PayoutAnswer, ProviderError> {
        let token = call.token.as_ref();
        match call.step {
            PayoutStep::Login => {
                let token = self.read_login(response, now)?;
                let built = self.add_contacts(&token, core::slice::from_ref(&payout.contact));
                Ok(next(PayoutStep::Contact, built, token, "the contact"))
            }
            PayoutStep::Contact => {
                let outcomes = self.read_contacts(response)?;
                match outcomes.first() {
                    Some(outcome) if outcome.is_registered() => {}
                    first => {
                        let code = first.map_or("none", |o| o.code.as_str());
                        return Ok(PayoutAnswer::Refused(
                            PayoutStep::Contact,
                            format!("CinetPay refused the contact (code {code})"),
                        ));
                    }
                }
                let Some(token) = token.cloned() else {
                    return Ok(PayoutAnswer::Refused(
                        PayoutStep::Login,
                        "no login token came before the contact".to_owned(),
                    ));
                };
                let built = self.send_transfer(&token, core::slice::from_ref(&payout.transfer));
                Ok(next(PayoutStep::Send, built, token, "the transfer"))
            }
            PayoutStep::Send | PayoutStep::Check => {
                let records = self.read_sent_transfers(response)?;
                let id = payout.transfer.client_transaction_id.as_str();
                let ours = records
                    .iter()
                    .find(|r| r.client_transaction_id.as_deref() == Some(id))
                    .or(records.first());
                Ok(PayoutAnswer::Said(
                    ours.map(|r| r.checked(payout.transfer.amount.currency())),
                ))
            }
        }
    }

    /// Reads one answer of a payout check by our id, at `now`: the login gives the check
    /// call, the check the line about our payout (amount read in `currency`), if any.
    pub fn read_payout_check(
        &self,
        client_transaction_id: &str,
        currency: Currency,
        call: &PayoutCall,
        response: &HttpResponse,
        now: u64,
    ) -> Result<PayoutAnswer, ProviderError> {
        if call.step == PayoutStep::Login {
            let token = self.read_login(response, now)?;
            return Ok(PayoutAnswer::Next(PayoutCall {
                step: PayoutStep::Check,
                request: self.check_payout(&token, client_transaction_id),
                token: Some(token),
            }));
        }
        let records = self.read_transfer_check(response)?;
        Ok(PayoutAnswer::Said(
            records
                .iter()
                .find(|r| r.client_transaction_id.as_deref() == Some(client_transaction_id))
                .map(|r| r.checked(currency)),
        ))
    }
}

/// The `step` call built with the login's token, or a refusal before anything is sent
/// when CinetPay's rules refuse `what`.
fn next(
    step: PayoutStep,
    built: Result<HttpRequest, Violations>,
    token: TransferToken,
    what: &str,
) -> PayoutAnswer {
    match built {
        Ok(request) => PayoutAnswer::Next(PayoutCall {
            step,
            request,
            token: Some(token),
        }),
        Err(_) => PayoutAnswer::Refused(step, format!("{what} was refused")),
    }
}
