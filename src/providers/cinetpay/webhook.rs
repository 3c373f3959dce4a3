//! What CinetPay (or the shopper's browser) sends to us: the payment notification (IPN)
//! and its `x-token`, the return visit, transfer notifications, and the `GET` pings.
//!
//! None of it is the truth about a payment: the IPN names a transaction to check with
//! `/v2/payment/check`, the return visit names one to look up. The `x-token` only proves
//! the IPN came from CinetPay.

use core::fmt;

use super::wire::TreatmentStatus;
use super::Cinetpay;
use crate::domain::PaymentStatus;
use crate::form;
use crate::http::{HttpRequest, Method};
use crate::signature;

/// The IPN's fields, in exactly the order CinetPay concatenates them for the `x-token`.
pub const NOTIFICATION_FIELDS: [&str; 16] = [
    "cpm_site_id",
    "cpm_trans_id",
    "cpm_trans_date",
    "cpm_amount",
    "cpm_currency",
    "signature",
    "payment_method",
    "cel_phone_num",
    "cpm_phone_prefixe",
    "cpm_language",
    "cpm_version",
    "cpm_payment_config",
    "cpm_page_action",
    "cpm_custom",
    "cpm_designation",
    "cpm_error_message",
];

/// The fields of a transfer notification.
pub const TRANSFER_NOTIFICATION_FIELDS: [&str; 10] = [
    "transaction_id",
    "client_transaction_id",
    "lot",
    "amount",
    "receiver",
    "sending_status",
    "comment",
    "treatment_status",
    "operator_transaction_id",
    "validated_at",
];

/// What arrived at a notification or return URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound<T> {
    /// A bare `GET`: CinetPay checking the URL is alive. Answer 200, do nothing.
    Ping,
    /// A real message.
    Received(T),
}

/// Why an inbound message was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationError {
    /// No `x-token` header: the merchant's back office may not send it, or this is not
    /// CinetPay.
    MissingSignature,
    /// The `x-token` does not match the fields and our secret key.
    BadSignature,
    /// The body is not the form CinetPay sends (the reason says which part).
    BadParse(String),
}

impl fmt::Display for NotificationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotificationError::MissingSignature => f.write_str("notification has no x-token"),
            NotificationError::BadSignature => f.write_str("notification x-token does not match"),
            NotificationError::BadParse(why) => write!(f, "notification unreadable: {why}"),
        }
    }
}

impl std::error::Error for NotificationError {}

/// A payment notification (IPN) as CinetPay posts it. A field CinetPay left out is an
/// empty string, as in the `x-token` computation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentNotification {
    /// Our site id.
    pub cpm_site_id: String,
    /// Our `transaction_id`: the payment to check.
    pub cpm_trans_id: String,
    /// When (`2000-12-21 19:19:00`).
    pub cpm_trans_date: String,
    /// The amount, as text.
    pub cpm_amount: String,
    /// The currency.
    pub cpm_currency: String,
    /// CinetPay's own token for the payment (not the `x-token`).
    pub signature: String,
    /// `OM`, `MOMO`, `FLOOZ`, ...
    pub payment_method: String,
    /// The phone that paid.
    pub cel_phone_num: String,
    /// Its country prefix.
    pub cpm_phone_prefixe: String,
    /// The language of the payment page.
    pub cpm_language: String,
    /// The API version (`V4`).
    pub cpm_version: String,
    /// `SINGLE`.
    pub cpm_payment_config: String,
    /// `PAYMENT`.
    pub cpm_page_action: String,
    /// The metadata sent at initialization.
    pub cpm_custom: String,
    /// The description sent at initialization.
    pub cpm_designation: String,
    /// CinetPay's message (`SUCCES`, `PAYMENT_FAILED`...): not to be trusted, check.
    pub cpm_error_message: String,
}

impl PaymentNotification {
    /// The values in [`NOTIFICATION_FIELDS`] order.
    pub fn values(&self) -> [&str; 16] {
        [
            &self.cpm_site_id,
            &self.cpm_trans_id,
            &self.cpm_trans_date,
            &self.cpm_amount,
            &self.cpm_currency,
            &self.signature,
            &self.payment_method,
            &self.cel_phone_num,
            &self.cpm_phone_prefixe,
            &self.cpm_language,
            &self.cpm_version,
            &self.cpm_payment_config,
            &self.cpm_page_action,
            &self.cpm_custom,
            &self.cpm_designation,
            &self.cpm_error_message,
        ]
    }

    /// Builds a notification from values in [`NOTIFICATION_FIELDS`] order.
    fn from_values(values: [String; 16]) -> PaymentNotification {
        let [cpm_site_id, cpm_trans_id, cpm_trans_date, cpm_amount, cpm_currency, signature, payment_method, cel_phone_num, cpm_phone_prefixe, cpm_language, cpm_version, cpm_payment_config, cpm_page_action, cpm_custom, cpm_designation, cpm_error_message] =
            values;
        PaymentNotification {
            cpm_site_id,
            cpm_trans_id,
            cpm_trans_date,
            cpm_amount,
            cpm_currency,
            signature,
            payment_method,
            cel_phone_num,
            cpm_phone_prefixe,
            cpm_language,
            cpm_version,
            cpm_payment_config,
            cpm_page_action,
            cpm_custom,
            cpm_designation,
            cpm_error_message,
        }
    }

    /// The value of one field by its CinetPay name.
    pub fn get(&self, name: &str) -> Option<&str> {
        let values = self.values();
        NOTIFICATION_FIELDS
            .iter()
            .position(|field| *field == name)
            .map(|i| values[i])
    }

    /// The text the `x-token` signs: every value, in order, no separator.
    pub fn signed_message(&self) -> String {
        crate::http::text::join(&self.values(), "")
    }

    /// The form body CinetPay would post, every field present (the sandbox sends this).
    pub fn to_form(&self) -> String {
        form::encode(NOTIFICATION_FIELDS.into_iter().zip(self.values()))
    }
}

/// The `x-token` for a notification: lowercase hex HMAC-SHA256 of
/// [`PaymentNotification::signed_message`], keyed with the merchant's secret key. For the
/// sandbox and tests.
///
/// ```
/// use guichet::http::{HttpRequest, Method};
/// use guichet::providers::cinetpay::{sign_notification, verify_notification, Inbound, PaymentNotification};
///
/// let ipn = PaymentNotification { cpm_trans_id: "ord-1".into(), ..Default::default() };
/// let token = sign_notification("my-secret", &ipn);
/// let request = HttpRequest::new(Method::Post, "https://shop.example/webhooks/cinetpay")
///     .header("x-token", token)
///     .body(ipn.to_form());
/// assert_eq!(verify_notification("my-secret", &request), Ok(Inbound::Received(ipn)));
/// ```
pub fn sign_notification(secret_key: &str, notification: &PaymentNotification) -> String {
    let values = notification.values().map(str::as_bytes);
    signature::sign_hex(secret_key, &values)
}

/// Reads an IPN without checking its `x-token`: a `GET` is a [`Inbound::Ping`], a `POST`
/// must be a form naming `cpm_trans_id`. A field sent twice is refused rather than
/// guessed.
pub fn read_notification(
    request: &HttpRequest,
) -> Result<Inbound<PaymentNotification>, NotificationError> {
    match request.method {
        Method::Get => Ok(Inbound::Ping),
        Method::Post => {
            let raw = raw_notification(&request.body)?;
            Ok(Inbound::Received(notification_from_raw(raw)))
        }
    }
}

/// Reads an IPN and checks its `x-token` against `secret_key`, in constant time, over the
/// field values exactly as posted (decoded bytes, missing fields empty, documented order).
/// A `GET` ping needs no token.
pub fn verify_notification(
    secret_key: &str,
    request: &HttpRequest,
) -> Result<Inbound<PaymentNotification>, NotificationError> {
    if request.method == Method::Get {
        return Ok(Inbound::Ping);
    }
    let raw = raw_notification(&request.body)?;
    let token = request
        .header_value("x-token")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(NotificationError::MissingSignature)?;
    let mut values: Vec<&[u8]> = Vec::with_capacity(raw.len());
    for value in raw.iter() {
        values.push(value);
    }
    if !signature::verify_hex(secret_key, &values, token) {
        return Err(NotificationError::BadSignature);
    }
    Ok(Inbound::Received(notification_from_raw(raw)))
}

impl Cinetpay {
    /// [`verify_notification`] with this merchant's secret key; without one, every
    /// notification is refused as [`NotificationError::BadSignature`].
    pub fn verify_notification(
        &self,
        request: &HttpRequest,
    ) -> Result<Inbound<PaymentNotification>, NotificationError> {
        match &self.keys.secret_key {
            Some(key) => verify_notification(key.expose(), request),
            // No key, so no token can match (an empty HMAC key would let anyone sign).
            None if request.method == Method::Get => Ok(Inbound::Ping),
            None => Err(NotificationError::BadSignature),
        }
    }
}

/// The IPN's values as decoded bytes, in [`NOTIFICATION_FIELDS`] order.
fn raw_notification(body: &[u8]) -> Result<[Vec<u8>; 16], NotificationError> {
    let mut values: [Option<Vec<u8>>; 16] = Default::default();
    for (name, value) in form::decode_bytes(body) {
        if let Some(i) = NOTIFICATION_FIELDS
            .iter()
            .position(|field| field.as_bytes() == name.as_slice())
        {
            if values[i].is_some() {
                return Err(NotificationError::BadParse(format!(
                    "{} sent twice",
                    NOTIFICATION_FIELDS[i]
                )));
            }
            values[i] = Some(value);
        }
    }
    let values = values.map(Option::unwrap_or_default);
    if values[1].iter().all(u8::is_ascii_whitespace) {
        return Err(NotificationError::BadParse("no cpm_trans_id".to_owned()));
    }
    Ok(values)
}

fn notification_from_raw(raw: [Vec<u8>; 16]) -> PaymentNotification {
    PaymentNotification::from_values(raw.map(|v| String::from_utf8_lossy(&v).into_owned()))
}

/// Where the shopper's browser lands after paying: CinetPay posts `transaction_id` and
/// `token` there. Look the session up and check; never settle from this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnVisit {
    /// Our `transaction_id`.
    pub transaction_id: String,
    /// CinetPay's payment token, when sent.
    pub token: Option<String>,
}

/// Reads a return visit: the `POST`ed form, or a `GET` whose query names a
/// `transaction_id`; a `GET` without one is a ping.
pub fn read_return(request: &HttpRequest) -> Result<Inbound<ReturnVisit>, NotificationError> {
    let (source, is_get) = match request.method {
        Method::Get => (form::query_of(&request.url).as_bytes(), true),
        Method::Post => (request.body.as_slice(), false),
    };
    let [transaction_id, token] = single_fields(source, ["transaction_id", "token"])?;
    let transaction_id = transaction_id
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    match transaction_id {
        Some(transaction_id) => Ok(Inbound::Received(ReturnVisit {
            transaction_id,
            token: token.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()),
        })),
        None if is_get => Ok(Inbound::Ping),
        None => Err(NotificationError::BadParse("no transaction_id".to_owned())),
    }
}

/// A transfer notification, as CinetPay posts it. Unsigned: check the transfer before
/// believing it. Absent fields are empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferNotification {
    /// CinetPay's transfer id.
    pub transaction_id: String,
    /// Our transfer id.
    pub client_transaction_id: String,
    /// The batch.
    pub lot: String,
    /// The amount, as text.
    pub amount: String,
    /// The receiving phone.
    pub receiver: String,
    /// Confirmation state.
    pub sending_status: String,
    /// A comment on the transfer.
    pub comment: String,
    /// `NEW`, `REC`, `VAL`, `REJ`, `NOS`.
    pub treatment_status: String,
    /// The operator's id of the transfer.
    pub operator_transaction_id: String,
    /// When it was validated.
    pub validated_at: String,
}

impl TransferNotification {
    /// The treatment status, read.
    pub fn treatment(&self) -> TreatmentStatus {
        TreatmentStatus::parse(&self.treatment_status)
    }

    /// What the notification claims, on our scale (to be confirmed by a check).
    pub fn status(&self) -> PaymentStatus {
        self.treatment().payment_status()
    }

    /// The values in [`TRANSFER_NOTIFICATION_FIELDS`] order.
    pub fn values(&self) -> [&str; 10] {
        [
            &self.transaction_id,
            &self.client_transaction_id,
            &self.lot,
            &self.amount,
            &self.receiver,
            &self.sending_status,
            &self.comment,
            &self.treatment_status,
            &self.operator_transaction_id,
            &self.validated_at,
        ]
    }

    /// The form body CinetPay would post (the sandbox sends this).
    pub fn to_form(&self) -> String {
        form::encode(TRANSFER_NOTIFICATION_FIELDS.into_iter().zip(self.values()))
    }
}

/// Reads a transfer notification: a `GET` is a ping, a `POST` must be a form naming the
/// transfer (`transaction_id` or `client_transaction_id`).
pub fn read_transfer_notification(
    request: &HttpRequest,
) -> Result<Inbound<TransferNotification>, NotificationError> {
    if request.method == Method::Get {
        return Ok(Inbound::Ping);
    }
    let values =
        single_fields(&request.body, TRANSFER_NOTIFICATION_FIELDS)?.map(Option::unwrap_or_default);
    let [transaction_id, client_transaction_id, lot, amount, receiver, sending_status, comment, treatment_status, operator_transaction_id, validated_at] =
        values;
    if transaction_id.trim().is_empty() && client_transaction_id.trim().is_empty() {
        return Err(NotificationError::BadParse(
            "no transaction_id nor client_transaction_id".to_owned(),
        ));
    }
    Ok(Inbound::Received(TransferNotification {
        transaction_id,
        client_transaction_id,
        lot,
        amount,
        receiver,
        sending_status,
        comment,
        treatment_status,
        operator_transaction_id,
        validated_at,
    }))
}

/// The named fields of a UTF-8 form, each at most once; other fields are ignored.
fn single_fields<const N: usize>(
    body: &[u8],
    names: [&str; N],
) -> Result<[Option<String>; N], NotificationError> {
    let pairs = form::decode(body).map_err(|e| NotificationError::BadParse(e.to_string()))?;
    let mut values: [Option<String>; N] = core::array::from_fn(|_| None);
    for (name, value) in pairs {
        if let Some(i) = names.iter().position(|n| *n == name) {
            if values[i].is_some() {
                return Err(NotificationError::BadParse(format!(
                    "{} sent twice",
                    names[i]
                )));
            }
            values[i] = Some(value);
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_order_is_the_documented_one() {
        let ipn = PaymentNotification {
            cpm_site_id: "1".into(),
            cpm_trans_id: "2".into(),
            cpm_error_message: "16".into(),
            ..Default::default()
        };
        assert_eq!(ipn.signed_message(), "1216");
        assert_eq!(ipn.get("cpm_error_message"), Some("16"));
        assert_eq!(ipn.get("nope"), None);
    }
}
