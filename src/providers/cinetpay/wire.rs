//! CinetPay's own shapes and codes, field for field, named as CinetPay names them.
//!
//! Read leniently where CinetPay is inconsistent: codes come as `"00"` or `0`, `data` is an
//! object or `[]`, ids are strings or numbers. Money is never read through a float: the
//! check's `data.amount` stays raw JSON until [`super::payment`] reads it in major units.

use crate::domain::order::Entries;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::domain::PaymentStatus;
use crate::http::Fields;
use crate::secret::SecretKey;

/// The only serde path a credential takes: CinetPay wants the `apikey` in the JSON body,
/// so the request types carry it as an `Option<SecretKey>` (which is not `Serialize`)
/// written through here as the plain string. `None` (no key, or a body still being built)
/// is written `""`, which CinetPay refuses; reading back, a blank value is `None`.
mod apikey {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::secret::SecretKey;

    pub fn serialize<S: Serializer>(key: &Option<SecretKey>, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(key.as_ref().map_or("", SecretKey::expose))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<Option<SecretKey>, D::Error> {
        String::deserialize(input).map(SecretKey::new)
    }
}

/// The body of `POST /v2/payment`. `customer_name` is the family name ("nom") and
/// `customer_surname` the given name ("prénom"), as CinetPay's table defines them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CinetpayPaymentRequest {
    /// The merchant's apikey (see [`apikey`] for how it is written).
    #[serde(with = "apikey")]
    pub apikey: Option<SecretKey>,
    /// The merchant's site id.
    pub site_id: String,
    /// Our unique id for this payment (the order reference).
    pub transaction_id: String,
    /// Whole major units, a multiple of 5.
    pub amount: u64,
    /// XOF, XAF, CDF, GNF or USD.
    pub currency: String,
    /// What the shopper reads, without `# / $ _ &`.
    pub description: String,
    /// Where CinetPay posts the IPN.
    pub notify_url: String,
    /// Where the shopper comes back.
    pub return_url: String,
    /// `ALL`, `MOBILE_MONEY`, `CREDIT_CARD`, `WALLET`, comma-joined.
    pub channels: String,
    /// `fr` or `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Free text echoed by the check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<String>,
    /// Up to three lines printed on CinetPay's invoice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_data: Option<Entries>,
    /// Only this phone may pay (with `customer_phone_number`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_phone_number: Option<bool>,
    /// The shopper's id in the merchant's system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_surname: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_email: Option<String>,
    /// Phone, E.164.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_phone_number: Option<String>,
    /// Street address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_address: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_city: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_country: Option<String>,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_state: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_zip_code: Option<String>,
}

/// The body of `POST /v2/payment/check`: by `transaction_id`, or by payment `token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CinetpayCheckRequest {
    /// The merchant's apikey (see [`apikey`] for how it is written).
    #[serde(with = "apikey")]
    pub apikey: Option<SecretKey>,
    /// The merchant's site id.
    pub site_id: String,
    /// Our id of the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// CinetPay's payment token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// Every answer of both APIs: `{code, message, description, data, api_response_id}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CinetpayResponse {
    /// `"201"`, `"00"`, `"608"`, `0`, `"701"`... kept as text.
    pub code: Option<String>,
    /// `CREATED`, `SUCCES`, `MINIMUM_REQUIRED_FIELDS`...
    pub message: Option<String>,
    /// A human explanation (sometimes an object; then its JSON text).
    pub description: Option<String>,
    /// The payload: an object, an array, or `[]` on errors.
    pub data: Value,
    /// CinetPay's id of this answer, for support.
    pub api_response_id: Option<String>,
}

/// `data` of a `201 CREATED` answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct CinetpayPaymentData {
    /// The payment token.
    pub payment_token: Option<String>,
    /// The hosted page.
    pub payment_url: Option<String>,
}

/// `data` of a check answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CinetpayCheckData {
    /// The amount in major units, a string (`"100"`); kept raw so no float ever reads it.
    pub amount: Value,
    /// The currency code.
    pub currency: Option<String>,
    /// `ACCEPTED`, `REFUSED`, `WAITING_FOR_CUSTOMER`, `PENDING`, ...
    pub status: Option<String>,
    /// `OM`, `MOMO`, `FLOOZ`, `VISAM`, ...
    pub payment_method: Option<String>,
    /// The description sent at initialization.
    pub description: Option<String>,
    /// The metadata sent at initialization.
    pub metadata: Option<String>,
    /// The operator's transaction id.
    pub operator_id: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS`.
    pub payment_date: Option<String>,
    /// When the funds reach the merchant's balance.
    pub fund_availability_date: Option<String>,
}

/// `data.status` of a check, every value CinetPay or its integrations report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CinetpayPaymentStatus {
    /// `ACCEPTED`: paid.
    Accepted,
    /// `REFUSED`: declined or failed.
    Refused,
    /// `WAITING_FOR_CUSTOMER`: the shopper has not finished.
    WaitingForCustomer,
    /// `PENDING`: in progress.
    Pending,
    /// `CANCELED` (one L), seen by some integrations.
    Canceled,
    /// `CANCELLED` (two L), seen by others.
    Cancelled,
    /// A status this adapter does not know, kept as sent: treated as pending, so the
    /// payment is checked again rather than settled on a guess.
    Unknown(String),
}

impl CinetpayPaymentStatus {
    /// Reads the word, ignoring case and surrounding spaces.
    pub fn parse(word: &str) -> CinetpayPaymentStatus {
        let upper = word.trim().to_ascii_uppercase();
        match upper.as_str() {
            "ACCEPTED" => CinetpayPaymentStatus::Accepted,
            "REFUSED" => CinetpayPaymentStatus::Refused,
            "WAITING_FOR_CUSTOMER" => CinetpayPaymentStatus::WaitingForCustomer,
            "PENDING" => CinetpayPaymentStatus::Pending,
            "CANCELED" => CinetpayPaymentStatus::Canceled,
            "CANCELLED" => CinetpayPaymentStatus::Cancelled,
            other => CinetpayPaymentStatus::Unknown(other.to_owned()),
        }
    }

    /// The word as CinetPay writes it.
    pub fn as_str(&self) -> &str {
        match self {
            CinetpayPaymentStatus::Accepted => "ACCEPTED",
            CinetpayPaymentStatus::Refused => "REFUSED",
            CinetpayPaymentStatus::WaitingForCustomer => "WAITING_FOR_CUSTOMER",
            CinetpayPaymentStatus::Pending => "PENDING",
            CinetpayPaymentStatus::Canceled => "CANCELED",
            CinetpayPaymentStatus::Cancelled => "CANCELLED",
            CinetpayPaymentStatus::Unknown(word) => word,
        }
    }
}

impl From<&CinetpayPaymentStatus> for PaymentStatus {
    /// The status on its own. The check's `code` refines it (see
    /// [`super::payment`]): `ACCEPTED` counts only with code `00`, `REFUSED` with `627`
    /// is a cancellation.
    fn from(status: &CinetpayPaymentStatus) -> PaymentStatus {
        match status {
            CinetpayPaymentStatus::Accepted => PaymentStatus::Succeeded,
            CinetpayPaymentStatus::Refused => PaymentStatus::Failed,
            CinetpayPaymentStatus::WaitingForCustomer | CinetpayPaymentStatus::Pending => {
                PaymentStatus::Pending
            }
            CinetpayPaymentStatus::Canceled | CinetpayPaymentStatus::Cancelled => {
                PaymentStatus::Cancelled
            }
            CinetpayPaymentStatus::Unknown(_) => PaymentStatus::Pending,
        }
    }
}

/// `data` of a successful transfer login.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct CinetpayLoginData {
    /// The token, valid five minutes.
    pub token: Option<String>,
}

/// `data` of `GET /v1/transfer/check/balance`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct CinetpayBalanceData {
    /// The whole balance.
    pub amount: Option<String>,
    /// The part held by transfers in progress.
    #[serde(rename = "inUsing")]
    pub in_using: Option<String>,
    /// What can be sent now.
    pub available: Option<String>,
}

/// One contact in the form field `data` of `POST /v1/transfer/contact`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CinetpayTransferContact {
    /// The country's dialing code, without `+` (`225`).
    pub prefix: String,
    /// The national number (`0701020304`).
    pub phone: String,
    /// Family name.
    pub name: String,
    /// Given name.
    pub surname: String,
    /// E-mail.
    pub email: String,
}

/// One transfer in the form field `data` of `POST /v1/transfer/money/send/contact`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CinetpayTransferSend {
    /// The country's dialing code, without `+`.
    pub prefix: String,
    /// The national number.
    pub phone: String,
    /// Whole major units of the account's currency.
    pub amount: u64,
    /// Our id of the transfer.
    pub client_transaction_id: String,
    /// Where CinetPay posts the transfer's notifications.
    pub notify_url: String,
}

/// One line of a transfer answer (contacts added, transfers sent, transfer check): every
/// field CinetPay may put there, all optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct CinetpayTransferItem {
    /// Dialing code.
    pub prefix: Option<String>,
    /// National number.
    pub phone: Option<String>,
    /// Contact's family name.
    pub name: Option<String>,
    /// Contact's given name.
    pub surname: Option<String>,
    /// Contact's e-mail.
    pub email: Option<String>,
    /// This line's code (`0`, `726`...).
    pub code: Option<String>,
    /// This line's status word (`success`, `ERROR_PHONE_ALREADY_MY_CONTACT`...).
    pub status: Option<String>,
    /// The batch.
    pub lot: Option<String>,
    /// Amount in major units.
    pub amount: Option<String>,
    /// CinetPay's transfer id.
    pub transaction_id: Option<String>,
    /// Our transfer id.
    pub client_transaction_id: Option<String>,
    /// The receiving phone.
    pub receiver: Option<String>,
    /// The receiving phone, E.164.
    pub receiver_e164: Option<String>,
    /// The mobile money operator.
    pub operator: Option<String>,
    /// Confirmation state.
    pub sending_status: Option<String>,
    /// `Y` once validated.
    pub transfer_valid: Option<String>,
    /// `NEW`, `REC`, `VAL`, `REJ`, `NOS`.
    pub treatment_status: Option<String>,
    /// A comment on the transfer.
    pub comment: Option<String>,
    /// The operator's id of the transfer.
    pub operator_transaction_id: Option<String>,
    /// When it was validated.
    pub validated_at: Option<String>,
}

/// Reads any JSON value as text: strings as they are, `null` or absent as `None`, numbers
/// and the rest as their JSON text. CinetPay writes the same field as `"0"` or `0`. The
/// answers' types below are read field by field with it (`http::Fields`), not derived.
fn lenient(fields: &mut Fields, key: &str) -> Option<String> {
    fields.take(key).map(|value| match value {
        Value::String(text) => text,
        other => crate::http::json_text(&other),
    })
}

impl<'de> Deserialize<'de> for CinetpayResponse {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct CinetpayResponse", |f| {
            Ok(CinetpayResponse {
                code: lenient(f, "code"),
                message: lenient(f, "message"),
                description: lenient(f, "description"),
                data: f.take("data").unwrap_or(Value::Null),
                api_response_id: lenient(f, "api_response_id"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for CinetpayPaymentData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct CinetpayPaymentData", |f| {
            Ok(CinetpayPaymentData {
                payment_token: lenient(f, "payment_token"),
                payment_url: lenient(f, "payment_url"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for CinetpayCheckData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct CinetpayCheckData", |f| {
            Ok(CinetpayCheckData {
                amount: f.take("amount").unwrap_or(Value::Null),
                currency: lenient(f, "currency"),
                status: lenient(f, "status"),
                payment_method: lenient(f, "payment_method"),
                description: lenient(f, "description"),
                metadata: lenient(f, "metadata"),
                operator_id: lenient(f, "operator_id"),
                payment_date: lenient(f, "payment_date"),
                fund_availability_date: lenient(f, "fund_availability_date"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for CinetpayLoginData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct CinetpayLoginData", |f| {
            Ok(CinetpayLoginData {
                token: lenient(f, "token"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for CinetpayBalanceData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct CinetpayBalanceData", |f| {
            Ok(CinetpayBalanceData {
                amount: lenient(f, "amount"),
                in_using: lenient(f, "inUsing"),
                available: lenient(f, "available"),
            })
        })
    }
}

impl<'de> Deserialize<'de> for CinetpayTransferItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Fields::read(d, "struct CinetpayTransferItem", |f| {
            Ok(CinetpayTransferItem {
                prefix: lenient(f, "prefix"),
                phone: lenient(f, "phone"),
                name: lenient(f, "name"),
                surname: lenient(f, "surname"),
                email: lenient(f, "email"),
                code: lenient(f, "code"),
                status: lenient(f, "status"),
                lot: lenient(f, "lot"),
                amount: lenient(f, "amount"),
                transaction_id: lenient(f, "transaction_id"),
                client_transaction_id: lenient(f, "client_transaction_id"),
                receiver: lenient(f, "receiver"),
                receiver_e164: lenient(f, "receiver_e164"),
                operator: lenient(f, "operator"),
                sending_status: lenient(f, "sending_status"),
                transfer_valid: lenient(f, "transfer_valid"),
                treatment_status: lenient(f, "treatment_status"),
                comment: lenient(f, "comment"),
                operator_transaction_id: lenient(f, "operator_transaction_id"),
                validated_at: lenient(f, "validated_at"),
            })
        })
    }
}

/// The lines of a transfer answer's `data`: CinetPay's examples show both `[[...]]` and
/// `[...]` (and a lone object), so one level of nesting is flattened. Lines that are not
/// objects are skipped.
pub fn transfer_items(data: &Value) -> Result<Vec<CinetpayTransferItem>, crate::http::JsonError> {
    let mut lines = Vec::new();
    match data {
        Value::Array(outer) => {
            for entry in outer {
                match entry {
                    Value::Array(inner) => lines.extend(inner.iter().filter(|v| v.is_object())),
                    Value::Object(_) => lines.push(entry),
                    Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
                }
            }
        }
        Value::Object(_) => lines.push(data),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
    // A loop, not `collect::<Result<Vec<_>, _>>()` (its `GenericShunt`): the same first error.
    let mut items = Vec::with_capacity(lines.len());
    for line in lines {
        items.push(crate::http::from_value(line.clone())?);
    }
    Ok(items)
}

/// A code of the transfer API, from CinetPay's code table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferCode {
    /// `0` OPERATION_SUCCES.
    Success,
    /// `-1` OPERATION_ERROR: the request is malformed.
    OperationError,
    /// `701` INVALID_CREDENTIALS: wrong apikey or transfer password.
    InvalidCredentials,
    /// `702` COULD_NOT_CREATE_TOKEN.
    CouldNotCreateToken,
    /// `703` INVALID_USER: the merchant account is not valid.
    InvalidUser,
    /// `704` INVALID_PARAM.
    InvalidParam,
    /// `705` EXPIRED_TOKEN.
    ExpiredToken,
    /// `706` INVALID_TOKEN (also: the token was sent in the body, not the URL).
    InvalidToken,
    /// `707` CANT_REFRESH_TOKEN: log in again.
    CantRefreshToken,
    /// `708` NOT_ALLOWED: wrong URL or method.
    NotAllowed,
    /// `709` EXECUTION_ERROR.
    ExecutionError709,
    /// `710` EXECUTION_ERROR.
    ExecutionError710,
    /// `715` UNEXPECTED_ERROR.
    UnexpectedError,
    /// `716` DATA_NOT_VALID.
    DataNotValid,
    /// `717` ERROR_PHONE_NOT_PARTICULAR: not a personal mobile money account.
    PhoneNotParticular,
    /// `718` JSON_PARSE_ERROR: the `data` field is not valid JSON.
    JsonParseError,
    /// `719` AMOUNT_TOO_SMALL.
    AmountTooSmall,
    /// `720` AMOUNT_TOO_LARGE.
    AmountTooLarge,
    /// `721` OPERATOR_NOT_AVAILABLE.
    OperatorNotAvailable,
    /// `602` INSUFFICIENT_BALANCE: the merchant's transfer balance is too low.
    InsufficientBalance,
    /// `723` NOT_FOUND.
    NotFound,
    /// `724` ERROR_PHONE_NOT_MY_CONTACT: add the contact first.
    PhoneNotMyContact,
    /// `725` MISSING_NOTIFY_URL.
    MissingNotifyUrl,
    /// `726` ERROR_PHONE_ALREADY_MY_CONTACT: harmless when adding contacts.
    PhoneAlreadyMyContact,
    /// `801` INVALID_AMOUNT.
    InvalidAmount,
    /// `802` INVALID_PHONE.
    InvalidPhone,
    /// A code this adapter does not know, kept as sent.
    Unknown(String),
}

impl TransferCode {
    /// Reads a code as CinetPay writes it (`0`, `"701"`).
    pub fn parse(code: &str) -> TransferCode {
        match code.trim() {
            "0" => TransferCode::Success,
            "-1" => TransferCode::OperationError,
            "701" => TransferCode::InvalidCredentials,
            "702" => TransferCode::CouldNotCreateToken,
            "703" => TransferCode::InvalidUser,
            "704" => TransferCode::InvalidParam,
            "705" => TransferCode::ExpiredToken,
            "706" => TransferCode::InvalidToken,
            "707" => TransferCode::CantRefreshToken,
            "708" => TransferCode::NotAllowed,
            "709" => TransferCode::ExecutionError709,
            "710" => TransferCode::ExecutionError710,
            "715" => TransferCode::UnexpectedError,
            "716" => TransferCode::DataNotValid,
            "717" => TransferCode::PhoneNotParticular,
            "718" => TransferCode::JsonParseError,
            "719" => TransferCode::AmountTooSmall,
            "720" => TransferCode::AmountTooLarge,
            "721" => TransferCode::OperatorNotAvailable,
            "602" => TransferCode::InsufficientBalance,
            "723" => TransferCode::NotFound,
            "724" => TransferCode::PhoneNotMyContact,
            "725" => TransferCode::MissingNotifyUrl,
            "726" => TransferCode::PhoneAlreadyMyContact,
            "801" => TransferCode::InvalidAmount,
            "802" => TransferCode::InvalidPhone,
            other => TransferCode::Unknown(other.to_owned()),
        }
    }

    /// The code as CinetPay writes it.
    pub fn as_str(&self) -> &str {
        match self {
            TransferCode::Success => "0",
            TransferCode::OperationError => "-1",
            TransferCode::InvalidCredentials => "701",
            TransferCode::CouldNotCreateToken => "702",
            TransferCode::InvalidUser => "703",
            TransferCode::InvalidParam => "704",
            TransferCode::ExpiredToken => "705",
            TransferCode::InvalidToken => "706",
            TransferCode::CantRefreshToken => "707",
            TransferCode::NotAllowed => "708",
            TransferCode::ExecutionError709 => "709",
            TransferCode::ExecutionError710 => "710",
            TransferCode::UnexpectedError => "715",
            TransferCode::DataNotValid => "716",
            TransferCode::PhoneNotParticular => "717",
            TransferCode::JsonParseError => "718",
            TransferCode::AmountTooSmall => "719",
            TransferCode::AmountTooLarge => "720",
            TransferCode::OperatorNotAvailable => "721",
            TransferCode::InsufficientBalance => "602",
            TransferCode::NotFound => "723",
            TransferCode::PhoneNotMyContact => "724",
            TransferCode::MissingNotifyUrl => "725",
            TransferCode::PhoneAlreadyMyContact => "726",
            TransferCode::InvalidAmount => "801",
            TransferCode::InvalidPhone => "802",
            TransferCode::Unknown(code) => code,
        }
    }

    /// True when the same call may succeed after a new login: token problems. Execution
    /// errors are not retried: a transfer that may have gone out is checked, not resent.
    pub fn is_retryable(&self) -> bool {
        match self {
            TransferCode::CouldNotCreateToken
            | TransferCode::ExpiredToken
            | TransferCode::InvalidToken
            | TransferCode::CantRefreshToken => true,
            TransferCode::Success
            | TransferCode::OperationError
            | TransferCode::InvalidCredentials
            | TransferCode::InvalidUser
            | TransferCode::InvalidParam
            | TransferCode::NotAllowed
            | TransferCode::ExecutionError709
            | TransferCode::ExecutionError710
            | TransferCode::UnexpectedError
            | TransferCode::DataNotValid
            | TransferCode::PhoneNotParticular
            | TransferCode::JsonParseError
            | TransferCode::AmountTooSmall
            | TransferCode::AmountTooLarge
            | TransferCode::OperatorNotAvailable
            | TransferCode::InsufficientBalance
            | TransferCode::NotFound
            | TransferCode::PhoneNotMyContact
            | TransferCode::MissingNotifyUrl
            | TransferCode::PhoneAlreadyMyContact
            | TransferCode::InvalidAmount
            | TransferCode::InvalidPhone
            | TransferCode::Unknown(_) => false,
        }
    }
}

/// `treatment_status` of a transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreatmentStatus {
    /// `NEW`: waiting to be processed.
    New,
    /// `REC`: being processed.
    Rec,
    /// `VAL`: done (final).
    Val,
    /// `REJ`: rejected (final).
    Rej,
    /// `NOS`: waiting for confirmation or rejection.
    Nos,
    /// A status this adapter does not know (or none), kept as sent: pending.
    Unknown(String),
}

impl TreatmentStatus {
    /// Reads the word, ignoring case and surrounding spaces.
    pub fn parse(word: &str) -> TreatmentStatus {
        let upper = word.trim().to_ascii_uppercase();
        match upper.as_str() {
            "NEW" => TreatmentStatus::New,
            "REC" => TreatmentStatus::Rec,
            "VAL" => TreatmentStatus::Val,
            "REJ" => TreatmentStatus::Rej,
            "NOS" => TreatmentStatus::Nos,
            other => TreatmentStatus::Unknown(other.to_owned()),
        }
    }

    /// The word as CinetPay writes it.
    pub fn as_str(&self) -> &str {
        match self {
            TreatmentStatus::New => "NEW",
            TreatmentStatus::Rec => "REC",
            TreatmentStatus::Val => "VAL",
            TreatmentStatus::Rej => "REJ",
            TreatmentStatus::Nos => "NOS",
            TreatmentStatus::Unknown(word) => word,
        }
    }

    /// On our scale: `VAL` succeeded, `REJ` failed, the rest is still moving.
    pub fn payment_status(&self) -> PaymentStatus {
        match self {
            TreatmentStatus::Val => PaymentStatus::Succeeded,
            TreatmentStatus::Rej => PaymentStatus::Failed,
            TreatmentStatus::New
            | TreatmentStatus::Rec
            | TreatmentStatus::Nos
            | TreatmentStatus::Unknown(_) => PaymentStatus::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_the_same_as_strings_or_numbers() {
        let a: CinetpayResponse = serde_json::from_str(r#"{"code":0,"data":[]}"#).unwrap();
        let b: CinetpayResponse = serde_json::from_str(r#"{"code":"0"}"#).unwrap();
        assert_eq!(a.code.as_deref(), Some("0"));
        assert_eq!(b.code.as_deref(), Some("0"));
        let c: CinetpayResponse = serde_json::from_str(r#"{"code":null}"#).unwrap();
        assert_eq!(c.code, None);
    }

    #[test]
    fn transfer_lines_are_read_nested_or_flat() {
        let nested = serde_json::json!([[{"lot": "1"}, {"lot": "2"}]]);
        let flat = serde_json::json!([{"lot": "1"}, {"lot": "2"}]);
        let lots = |v: &Value| -> Vec<Option<String>> {
            transfer_items(v)
                .unwrap()
                .into_iter()
                .map(|i| i.lot)
                .collect()
        };
        assert_eq!(lots(&nested), lots(&flat));
        assert_eq!(lots(&nested).len(), 2);
        assert!(transfer_items(&serde_json::json!([])).unwrap().is_empty());
        assert_eq!(
            lots(&serde_json::json!({"lot": 7})),
            vec![Some("7".to_owned())]
        );
    }

    #[test]
    fn the_apikey_is_written_plain_only_in_the_body_and_never_printed() {
        let check = CinetpayCheckRequest {
            apikey: SecretKey::new("sk_live_123"),
            site_id: "445160".to_owned(),
            transaction_id: Some("ord-1".to_owned()),
            token: None,
        };
        assert!(!format!("{check:?}").contains("sk_live_123"));
        let json = serde_json::to_value(&check).unwrap();
        assert_eq!(json["apikey"], "sk_live_123");
        let back: CinetpayCheckRequest = serde_json::from_value(json).unwrap();
        assert_eq!(back, check);

        let unset = CinetpayCheckRequest {
            apikey: None,
            ..check
        };
        let json = serde_json::to_value(&unset).unwrap();
        assert_eq!(json["apikey"], "");
        let back: CinetpayCheckRequest = serde_json::from_value(json).unwrap();
        assert_eq!(back.apikey, None);
    }
}
