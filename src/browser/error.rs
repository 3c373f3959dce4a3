//! Errors as the page receives them: a JavaScript `Error` named `GuichetError` with a
//! stable `code`, a message in the shopper's language and, for validation, every
//! violation.

use js_sys::{Array, Object};
use wasm_bindgen::JsValue;

use crate::domain::{Lang, Violations};

/// The errors the SDK raises itself (the backend's own codes pass through as they are).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The `new Guichet(options)` options are unusable.
    InvalidOptions,
    /// The order breaks the checkout rules; `violations` lists them.
    InvalidOrder,
    /// The backend could not be reached.
    Network,
    /// The backend answered something that is not its contract.
    BadResponse,
    /// The checkout URL is not on one of the provider's hosts.
    UnexpectedHost,
    /// No session to follow (nothing stored, or another tab's).
    SessionNotFound,
    /// A checkout is already showing in the provider's window.
    UnderWay,
}

impl Code {
    /// The wire code.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidOptions => "invalid_options",
            Code::InvalidOrder => "invalid_order",
            Code::Network => "network",
            Code::BadResponse => "bad_response",
            Code::UnexpectedHost => "unexpected_host",
            Code::SessionNotFound => "session_not_found",
            Code::UnderWay => "checkout_under_way",
        }
    }

    fn message(self, lang: Lang) -> &'static str {
        let (fr, en) = match self {
            Code::InvalidOptions => (
                "Configuration de Guichet invalide.",
                "Invalid Guichet configuration.",
            ),
            Code::InvalidOrder => (
                "Certaines informations sont à corriger.",
                "Some details need correcting.",
            ),
            Code::Network => (
                "Le serveur de paiement est injoignable. Vérifiez votre connexion et réessayez.",
                "The payment server cannot be reached. Check your connection and try again.",
            ),
            Code::BadResponse => (
                "Réponse inattendue du serveur de paiement.",
                "Unexpected answer from the payment server.",
            ),
            Code::UnexpectedHost => (
                "Adresse de paiement inattendue : le paiement est interrompu par sécurité.",
                "Unexpected payment address: the payment was stopped for safety.",
            ),
            Code::SessionNotFound => (
                "Session de paiement introuvable.",
                "Payment session not found.",
            ),
            Code::UnderWay => (
                "Un paiement est déjà en cours dans la fenêtre du prestataire : terminez-le là, ou fermez cette fenêtre pour recommencer.",
                "A payment is already under way in the provider's window: finish it there, or close that window to start again.",
            ),
        };
        match lang {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }
}

pub(crate) use super::set;

/// A `GuichetError` with one of our codes.
pub fn ours(code: Code, lang: Lang) -> JsValue {
    error(code.as_str(), code.message(lang))
}

/// A `GuichetError` with the given code and message (the backend's own).
pub fn error(code: &str, message: &str) -> JsValue {
    let error: JsValue = js_sys::Error::new(message).into();
    set(&error, "name", &"GuichetError".into());
    set(&error, "code", &code.into());
    error
}

/// Violations as `[{code, field, message}]`, messages in `lang`.
pub fn violations(found: &Violations, lang: Lang) -> Array {
    let list = Array::new();
    for violation in found.as_slice() {
        let shown = Object::new();
        set(&shown, "code", &violation.code.as_str().into());
        set(&shown, "field", &violation.field.as_str().into());
        set(&shown, "message", &violation.message.get(lang).into());
        list.push(&shown);
    }
    list
}

/// The `invalid_order` error for these violations.
pub fn invalid_order(found: &Violations, lang: Lang) -> JsValue {
    let error = ours(Code::InvalidOrder, lang);
    set(&error, "violations", &violations(found, lang));
    if let Some(first) = found.as_slice().first() {
        set(&error, "field", &first.field.as_str().into());
    }
    error
}
