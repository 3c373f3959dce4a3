//! Transfers (payouts) through `client.cinetpay.com`.
//!
//! The flow: log in with the apikey and the transfer password for a token valid five
//! minutes; add the receiver to the merchant's contacts; send; then wait for the transfer
//! notification and confirm with a check. Requests are forms; the token rides in the
//! query string (CinetPay refuses it in the body, code 706).

use crate::domain::{
    Currency, Customer, CustomerRules, Money, MoneyError, PaymentStatus, Phone, Provider,
    Violation, Violations,
};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::providers::{deduplicated, renamed, PayoutOrder, ProviderError};
use crate::secret::SecretKey;

use super::wire::{
    transfer_items, CinetpayBalanceData, CinetpayLoginData, CinetpayResponse,
    CinetpayTransferContact, CinetpayTransferItem, CinetpayTransferSend, TransferCode,
    TreatmentStatus,
};
use super::Cinetpay;
use super::{check_url, is_transaction_id, json_bytes, major_multiple_of_five, ALLOWED_CURRENCIES};
use crate::form;

/// How long a transfer token lives, in seconds.
pub const TOKEN_LIFETIME_SECS: u64 = 300;

/// A token is not used in its last seconds, so that a request does not expire in flight.
pub const TOKEN_SAFETY_MARGIN_SECS: u64 = 30;

/// A payout ready for CinetPay: the contact to add, then the transfer to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CinetpayPayout {
    /// The recipient, as a contact of the merchant's.
    pub contact: TransferContact,
    /// The transfer.
    pub transfer: TransferOrder,
}

/// A transfer token and when it expires. `Debug` hides the token: for five minutes it moves
/// the merchant's money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferToken {
    /// `None` for a blank token, sent as an empty one (CinetPay refuses it).
    token: Option<SecretKey>,
    issued_at: u64,
}

impl TransferToken {
    /// A token obtained at `issued_at` (seconds since the Unix epoch, from the caller's
    /// clock).
    pub fn new(token: impl Into<String>, issued_at: u64) -> TransferToken {
        TransferToken {
            token: SecretKey::new(token),
            issued_at,
        }
    }

    /// When it was obtained, in seconds since the epoch.
    pub fn issued_at(&self) -> u64 {
        self.issued_at
    }

    /// When CinetPay stops accepting it: five minutes after it was obtained.
    pub fn expires_at(&self) -> u64 {
        self.issued_at.saturating_add(TOKEN_LIFETIME_SECS)
    }

    /// True while it has more than [`TOKEN_SAFETY_MARGIN_SECS`] left at `now`.
    pub fn is_usable_at(&self, now: u64) -> bool {
        now.saturating_add(TOKEN_SAFETY_MARGIN_SECS) < self.expires_at()
    }
}

/// The merchant's transfer balance, in major units of the account's currency, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferBalance {
    /// The whole balance.
    pub amount: String,
    /// Held by transfers in progress.
    pub in_using: String,
    /// What can be sent now.
    pub available: String,
}

impl TransferBalance {
    /// The available balance as money, in the account's currency (CinetPay does not say
    /// which; the merchant knows).
    pub fn available_in(&self, currency: Currency) -> Result<Money, MoneyError> {
        Money::parse_major(&self.available, currency)
    }
}

/// A receiver to add to the merchant's CinetPay contacts before sending to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferContact {
    /// Their mobile money number, in a country CinetPay serves.
    pub phone: Phone,
    /// Family name.
    pub name: String,
    /// Given name.
    pub surname: String,
    /// E-mail.
    pub email: String,
}

/// One transfer to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferOrder {
    /// The receiving mobile money number (already a contact).
    pub phone: Phone,
    /// How much: whole major units, a multiple of 5, in the account's currency.
    pub amount: Money,
    /// Our unique id of the transfer.
    pub client_transaction_id: String,
    /// Where CinetPay posts this transfer's notifications.
    pub notify_url: String,
}

/// What CinetPay did with one contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactOutcome {
    /// Dialing code.
    pub prefix: String,
    /// National number.
    pub phone: String,
    /// This line's code.
    pub code: TransferCode,
    /// This line's status word.
    pub status: String,
    /// The batch.
    pub lot: Option<String>,
}

impl ContactOutcome {
    /// True when the contact can now receive money: added, or already there.
    pub fn is_registered(&self) -> bool {
        matches!(
            self.code,
            TransferCode::Success | TransferCode::PhoneAlreadyMyContact
        )
    }
}

/// One transfer as CinetPay reports it (after sending, or in a check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRecord {
    /// CinetPay's transfer id.
    pub transaction_id: Option<String>,
    /// Our transfer id.
    pub client_transaction_id: Option<String>,
    /// The batch.
    pub lot: Option<String>,
    /// The amount in major units, as text.
    pub amount: Option<String>,
    /// The receiving phone.
    pub receiver: Option<String>,
    /// The mobile money operator.
    pub operator: Option<String>,
    /// This line's code, when the answer gives one per line.
    pub code: Option<TransferCode>,
    /// `NEW`, `REC`, `VAL`, `REJ`, `NOS`.
    pub treatment_status: TreatmentStatus,
    /// Confirmation state.
    pub sending_status: Option<String>,
    /// A comment on the transfer.
    pub comment: Option<String>,
    /// The operator's id of the transfer.
    pub operator_transaction_id: Option<String>,
    /// When it was validated.
    pub validated_at: Option<String>,
}

impl TransferRecord {
    /// On our scale: a line refused with its own code failed; otherwise the treatment
    /// status decides.
    pub fn status(&self) -> PaymentStatus {
        match &self.code {
            Some(TransferCode::Success) | None => self.treatment_status.payment_status(),
            Some(_) => PaymentStatus::Failed,
        }
    }

    fn from_item(item: CinetpayTransferItem) -> TransferRecord {
        let non_empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        TransferRecord {
            transaction_id: non_empty(item.transaction_id),
            client_transaction_id: non_empty(item.client_transaction_id),
            lot: non_empty(item.lot),
            amount: non_empty(item.amount),
            receiver: non_empty(item.receiver_e164.or(item.receiver)),
            operator: non_empty(item.operator),
            code: item.code.as_deref().map(TransferCode::parse),
            treatment_status: TreatmentStatus::parse(
                item.treatment_status.as_deref().unwrap_or(""),
            ),
            sending_status: non_empty(item.sending_status),
            comment: non_empty(item.comment),
            operator_transaction_id: non_empty(item.operator_transaction_id),
            validated_at: non_empty(item.validated_at),
        }
    }
}

/// The dialing code and national number CinetPay wants, or a violation at `field`.
fn prefix_and_phone(
    phone: &Phone,
    field: String,
    found: &mut Violations,
) -> Option<(String, String)> {
    match phone.dial_code() {
        Some(prefix) => Some((prefix.to_owned(), phone.national_number().to_owned())),
        None => {
            found.push(crate::providers::rule(
                "invalid_phone",
                field,
                "CinetPay ne dessert pas le pays de ce numéro.",
                "CinetPay does not serve this number's country.",
            ));
            None
        }
    }
}

fn required_text(value: &str, field: String, found: &mut Violations) -> Option<String> {
    let text = value.trim();
    if text.is_empty() {
        found.push(Violation::required(field));
        None
    } else if text.chars().any(char::is_control) {
        found.push(crate::providers::rule(
            "invalid_characters",
            field,
            "Ce champ contient des caractères non autorisés.",
            "This field contains characters that are not allowed.",
        ));
        None
    } else {
        Some(text.to_owned())
    }
}

fn empty_batch(field: &str) -> Violation {
    crate::providers::rule(
        "empty_batch",
        field,
        "La liste est vide.",
        "The list is empty.",
    )
}

/// `pairs` form-encoded onto `out` as [`form::encode`] writes them (`&` between pairs):
/// one non-generic copy for the login, the token's query and the data posts.
fn push_form(out: &mut String, pairs: &[(&str, &str)]) {
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        form::encode_component(name, out);
        out.push('=');
        form::encode_component(value, out);
    }
}

impl Cinetpay {
    /// `POST /v1/auth/login` with the apikey and the transfer password, as a form. Fails
    /// when the keys hold no transfer password.
    pub fn login(&self) -> Result<HttpRequest, ProviderError> {
        let Some(password) = &self.keys.transfer_password else {
            return Err(ProviderError {
                provider: Provider::CinetPay,
                code: "missing_transfer_password".to_owned(),
                message: "transfers need the CinetPay API password in the keys".to_owned(),
                http_status: None,
                retryable: false,
            });
        };
        let mut body = String::new();
        push_form(
            &mut body,
            &[
                (
                    "apikey",
                    self.keys.apikey.as_ref().map_or("", SecretKey::expose),
                ),
                ("password", password.expose()),
            ],
        );
        Ok(self.form_post(format!("{}/v1/auth/login", self.transfer_base), body))
    }

    /// Reads a login answer into a token obtained at `now` (seconds since the epoch),
    /// valid [`TOKEN_LIFETIME_SECS`]. `701` (wrong credentials) and every other code are
    /// errors.
    pub fn read_login(
        &self,
        response: &HttpResponse,
        now: u64,
    ) -> Result<TransferToken, ProviderError> {
        let envelope = self.transfer_envelope(response, "a transfer login")?;
        let data: CinetpayLoginData = crate::http::from_value(envelope.data)
            .map_err(|_| self.unreadable(response, "a transfer login"))?;
        match data.token.filter(|t| !t.trim().is_empty()) {
            Some(token) => Ok(TransferToken::new(token, now)),
            None => Err(self.error(
                "bad_response",
                "CinetPay's login succeeded without a token",
                response.status,
                false,
            )),
        }
    }

    /// `GET /v1/transfer/check/balance?token=`.
    pub fn check_balance(&self, token: &TransferToken) -> HttpRequest {
        self.with_headers(HttpRequest::new(
            Method::Get,
            self.transfer_url("/v1/transfer/check/balance", token, &[]),
        ))
    }

    /// Reads the balance answer.
    pub fn read_balance(&self, response: &HttpResponse) -> Result<TransferBalance, ProviderError> {
        let envelope = self.transfer_envelope(response, "a transfer balance")?;
        let data: CinetpayBalanceData = crate::http::from_value(envelope.data)
            .map_err(|_| self.unreadable(response, "a transfer balance"))?;
        match (data.amount, data.in_using, data.available) {
            (Some(amount), in_using, Some(available)) => Ok(TransferBalance {
                amount,
                in_using: in_using.unwrap_or_else(|| "0".to_owned()),
                available,
            }),
            _ => Err(self.unreadable(response, "a transfer balance")),
        }
    }

    /// `POST /v1/transfer/contact?token=` with the form field `data` = the JSON array of
    /// contacts. Every contact is checked first (paths `contacts[i].phone`, ...).
    pub fn add_contacts(
        &self,
        token: &TransferToken,
        contacts: &[TransferContact],
    ) -> Result<HttpRequest, Violations> {
        let wire = contacts_wire(contacts)?;
        Ok(self.data_post("/v1/transfer/contact", token, &json_bytes(&wire)))
    }

    /// A payout order as CinetPay sends it: the recipient made a contact, then the
    /// transfer of our id, with every rule of both checked now (no token needed), at the
    /// order's paths (`recipient.last_name` for a contact's `name`). Gives the recipient's
    /// phone too, for the masked copy we keep; [`super::exchange`] sends it.
    pub fn prepare_payout(
        &self,
        order: &PayoutOrder,
    ) -> Result<(CinetpayPayout, Phone), Violations> {
        let mut found = Violations::new();
        let customer = found.collect(Customer::parse(
            &order.recipient.customer_input(true),
            CustomerRules {
                email: true,
                names: true,
                phone: true,
                ..CustomerRules::default()
            },
            "recipient",
        ));
        let Some(customer) = customer else {
            return Err(found);
        };
        let (Some(phone), Some(email), Some(first_name), Some(last_name)) = (
            customer.phone,
            customer.email,
            customer.first_name,
            customer.last_name,
        ) else {
            return Err(found);
        };
        let contact = TransferContact {
            phone: phone.clone(),
            name: last_name,
            surname: first_name,
            email,
        };
        let transfer = TransferOrder {
            phone: phone.clone(),
            amount: order.amount,
            client_transaction_id: order.id.clone(),
            notify_url: order.notify_url.clone().unwrap_or_default(),
        };
        let to_order = |field: &str| {
            let rest = crate::http::text::find(field, "].").map_or(field, |at| &field[at + 2..]);
            match rest {
                "phone" => "recipient.phone".to_owned(),
                "name" => "recipient.last_name".to_owned(),
                "surname" => "recipient.first_name".to_owned(),
                "email" => "recipient.email".to_owned(),
                "amount" => "amount".to_owned(),
                other => other.to_owned(),
            }
        };
        if let Err(violations) = contacts_wire(core::slice::from_ref(&contact)) {
            found.extend(renamed(violations, to_order));
        }
        if let Err(violations) = transfers_wire(core::slice::from_ref(&transfer)) {
            found.extend(renamed(violations, to_order));
        }
        let payout = CinetpayPayout { contact, transfer };
        deduplicated(found).into_result((payout, phone))
    }
}

/// The contacts as CinetPay takes them, every one checked (paths `contacts[i].phone`, ...).
fn contacts_wire(contacts: &[TransferContact]) -> Result<Vec<CinetpayTransferContact>, Violations> {
    let mut found = Violations::new();
    if contacts.is_empty() {
        found.push(empty_batch("contacts"));
    }
    let mut wire = Vec::with_capacity(contacts.len());
    for (i, contact) in contacts.iter().enumerate() {
        let at = |name: &str| format!("contacts[{i}].{name}");
        let phone = prefix_and_phone(&contact.phone, at("phone"), &mut found);
        let name = required_text(&contact.name, at("name"), &mut found);
        let surname = required_text(&contact.surname, at("surname"), &mut found);
        let email = required_text(&contact.email, at("email"), &mut found).and_then(|email| {
            if email.as_bytes().contains(&b'@') {
                Some(email)
            } else {
                found.push(crate::providers::rule(
                    "invalid_email",
                    at("email"),
                    "Cette adresse e-mail n'est pas valide.",
                    "This e-mail address is not valid.",
                ));
                None
            }
        });
        if let (Some((prefix, phone)), Some(name), Some(surname), Some(email)) =
            (phone, name, surname, email)
        {
            wire.push(CinetpayTransferContact {
                prefix,
                phone,
                name,
                surname,
                email,
            });
        }
    }
    found.into_result(wire)
}

impl Cinetpay {
    /// Reads the contacts answer: one outcome per contact. A contact already known
    /// (`726`) is [`ContactOutcome::is_registered`] too.
    pub fn read_contacts(
        &self,
        response: &HttpResponse,
    ) -> Result<Vec<ContactOutcome>, ProviderError> {
        let envelope = self.transfer_envelope(response, "a contact list")?;
        let items = transfer_items(&envelope.data)
            .map_err(|_| self.unreadable(response, "a contact list"))?;
        let mut outcomes = Vec::with_capacity(items.len());
        for item in items {
            outcomes.push(ContactOutcome {
                prefix: item.prefix.unwrap_or_default(),
                phone: item.phone.unwrap_or_default(),
                code: TransferCode::parse(item.code.as_deref().unwrap_or("0")),
                status: item.status.unwrap_or_default(),
                lot: item.lot,
            });
        }
        Ok(outcomes)
    }

    /// `POST /v1/transfer/money/send/contact?token=` with the form field `data` = the JSON
    /// array of transfers. Amounts follow CinetPay's rule (whole, multiple of 5, a
    /// CinetPay currency); ids are checked like payment ids (paths `transfers[i]....`).
    pub fn send_transfer(
        &self,
        token: &TransferToken,
        transfers: &[TransferOrder],
    ) -> Result<HttpRequest, Violations> {
        let wire = transfers_wire(transfers)?;
        Ok(self.data_post("/v1/transfer/money/send/contact", token, &json_bytes(&wire)))
    }
}

/// The transfers as CinetPay takes them, every one checked (paths `transfers[i]....`).
fn transfers_wire(transfers: &[TransferOrder]) -> Result<Vec<CinetpayTransferSend>, Violations> {
    let mut found = Violations::new();
    if transfers.is_empty() {
        found.push(empty_batch("transfers"));
    }
    let mut wire = Vec::with_capacity(transfers.len());
    for (i, order) in transfers.iter().enumerate() {
        let at = |name: &str| format!("transfers[{i}].{name}");
        let phone = prefix_and_phone(&order.phone, at("phone"), &mut found);
        if !ALLOWED_CURRENCIES.contains(&order.amount.currency()) {
            found.push(crate::providers::rule(
                "currency_not_supported",
                at("amount"),
                "CinetPay n'accepte que les devises XOF, XAF, CDF, GNF et USD.",
                "CinetPay only accepts XOF, XAF, CDF, GNF and USD.",
            ));
        }
        let amount = major_multiple_of_five(order.amount, &at("amount"), &mut found);
        let id = order.client_transaction_id.trim();
        if !is_transaction_id(id) {
            found.push(crate::providers::rule("invalid_reference", at("client_transaction_id"), "La référence du transfert ne doit contenir que des lettres, des chiffres et des tirets.", "The transfer reference must hold only letters, digits and dashes."));
        }
        let notify_url = check_url(&order.notify_url, &at("notify_url"), &mut found);
        if let (Some((prefix, phone)), Some(amount), Some(notify_url)) = (phone, amount, notify_url)
        {
            wire.push(CinetpayTransferSend {
                prefix,
                phone,
                amount,
                client_transaction_id: id.to_owned(),
                notify_url,
            });
        }
    }
    found.into_result(wire)
}

impl Cinetpay {
    /// Reads the send answer: one record per transfer, usually `NEW` (pending).
    pub fn read_sent_transfers(
        &self,
        response: &HttpResponse,
    ) -> Result<Vec<TransferRecord>, ProviderError> {
        self.read_transfer_records(response, "a transfer")
    }

    /// `GET /v1/transfer/check/money?token=&client_transaction_id=`: the truth about a
    /// transfer, to ask after each (unsigned) transfer notification.
    pub fn check_payout(&self, token: &TransferToken, client_transaction_id: &str) -> HttpRequest {
        self.with_headers(HttpRequest::new(
            Method::Get,
            self.transfer_url(
                "/v1/transfer/check/money",
                token,
                &[("client_transaction_id", client_transaction_id)],
            ),
        ))
    }

    /// Reads a transfer check: the records CinetPay holds for that id.
    pub fn read_transfer_check(
        &self,
        response: &HttpResponse,
    ) -> Result<Vec<TransferRecord>, ProviderError> {
        self.read_transfer_records(response, "a transfer check")
    }

    fn read_transfer_records(
        &self,
        response: &HttpResponse,
        what: &str,
    ) -> Result<Vec<TransferRecord>, ProviderError> {
        let envelope = self.transfer_envelope(response, what)?;
        let items = transfer_items(&envelope.data).map_err(|_| self.unreadable(response, what))?;
        let mut records = Vec::with_capacity(items.len());
        for item in items {
            records.push(TransferRecord::from_item(item));
        }
        Ok(records)
    }

    /// The envelope of a transfer answer whose code is `0`, or the error its code means,
    /// whatever the HTTP status.
    fn transfer_envelope(
        &self,
        response: &HttpResponse,
        what: &str,
    ) -> Result<CinetpayResponse, ProviderError> {
        let envelope = self.envelope(response, what)?;
        let Some(code) = envelope
            .code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        else {
            return Err(self.unreadable(response, what));
        };
        let code = TransferCode::parse(code);
        if code == TransferCode::Success {
            return Ok(envelope);
        }
        let said = super::said(envelope.message.as_deref(), envelope.description.as_deref());
        let retryable = code.is_retryable()
            || (matches!(code, TransferCode::Unknown(_))
                && super::transient_status(response.status));
        Err(self.error(
            code.as_str(),
            if said.is_empty() {
                "CinetPay transfer error"
            } else {
                &said
            },
            response.status,
            retryable,
        ))
    }

    fn transfer_url(&self, path: &str, token: &TransferToken, extra: &[(&str, &str)]) -> String {
        let mut url = String::new();
        url.push_str(&self.transfer_base);
        url.push_str(path);
        url.push('?');
        push_form(
            &mut url,
            &[("token", token.token.as_ref().map_or("", SecretKey::expose))],
        );
        if !extra.is_empty() {
            url.push('&');
            push_form(&mut url, extra);
        }
        url
    }

    /// A form post of `data` = the JSON text (one copy for every body type: the caller
    /// writes the JSON).
    fn data_post(&self, path: &str, token: &TransferToken, json: &[u8]) -> HttpRequest {
        let json = String::from_utf8_lossy(json);
        let mut body = String::new();
        push_form(&mut body, &[("data", &json)]);
        self.form_post(self.transfer_url(path, token, &[]), body)
    }

    fn form_post(&self, url: String, body: String) -> HttpRequest {
        self.with_headers(HttpRequest::new(Method::Post, url))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
    }

    fn with_headers(&self, request: HttpRequest) -> HttpRequest {
        request
            .header("Accept", "application/json")
            .header("User-Agent", self.user_agent.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_form_writes_what_form_encode_wrote() {
        let texts = [
            "",
            "a",
            "token",
            "x y",
            "a&b=c",
            "é€😀",
            "%41+",
            "*-._~",
            "\u{0}\n",
            "[0].phone",
        ];
        let mut compared = 0;
        for count in 0..4 {
            for start in 0..texts.len() {
                let pairs: Vec<(&str, &str)> = (0..count)
                    .map(|k| {
                        (
                            texts[(start + k) % texts.len()],
                            texts[(start * 3 + k) % texts.len()],
                        )
                    })
                    .collect();
                for before in ["", "https://x/v1?"] {
                    let mut out = before.to_owned();
                    push_form(&mut out, &pairs);
                    assert_eq!(
                        out,
                        format!("{before}{}", form::encode(pairs.iter().copied()))
                    );
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, 80);
    }

    #[test]
    fn a_token_is_usable_until_thirty_seconds_before_its_five_minutes() {
        let token = TransferToken::new("tok", 1_000);
        assert_eq!(token.expires_at(), 1_300);
        assert!(token.is_usable_at(1_000));
        assert!(token.is_usable_at(1_269));
        assert!(!token.is_usable_at(1_270));
        assert!(!token.is_usable_at(u64::MAX));
        assert_eq!(
            format!("{token:?}"),
            "TransferToken { token: Some(SecretKey(***)), issued_at: 1000 }"
        );
    }

    #[test]
    fn every_transfer_code_reads_back_as_itself() {
        for code in [
            "0", "-1", "701", "702", "703", "704", "705", "706", "707", "708", "709", "710", "715",
            "716", "717", "718", "719", "720", "721", "602", "723", "724", "725", "726", "801",
            "802",
        ] {
            let parsed = TransferCode::parse(code);
            assert!(!matches!(parsed, TransferCode::Unknown(_)), "{code}");
            assert_eq!(parsed.as_str(), code);
        }
    }

    #[test]
    fn treatment_statuses_map_onto_ours() {
        assert_eq!(
            TreatmentStatus::parse("val").payment_status(),
            PaymentStatus::Succeeded
        );
        assert_eq!(
            TreatmentStatus::parse("REJ").payment_status(),
            PaymentStatus::Failed
        );
        for word in ["NEW", "REC", "NOS", "", "LATER"] {
            assert_eq!(
                TreatmentStatus::parse(word).payment_status(),
                PaymentStatus::Pending,
                "{word}"
            );
        }
    }
}
