//! The return page's query: which session the shopper is coming back from. Parameters are
//! read only to find the session; what they say about the payment (`paymentStatus`, ...)
//! is never believed: the outcome is asked of the backend.

use crate::domain::Provider;

/// The parameter the edge's `/return/:provider` route adds before sending the shopper on.
pub const SESSION_PARAM: &str = "guichet_session";

/// What a return URL tells about where the shopper comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReturnParams {
    /// Our session id, when the backend's `/return` route added it.
    pub session: Option<String>,
    /// The provider whose own return parameters are present (a return URL that did not
    /// pass through the backend).
    pub provider: Option<Provider>,
}

/// True for an id that may be put in a URL path as is: what the backend issues
/// (letters, digits, `_`, `-`; at most 128).
pub fn is_session_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Reads the return parameters through `get` (a query lookup). Moneroo comes back with
/// `paymentId` and `paymentStatus`, CinetPay with `transaction_id` and `token`,
/// MoneyFusion with `token` alone.
pub fn read(get: impl Fn(&str) -> Option<String>) -> ReturnParams {
    let present = |name: &str| get(name).is_some_and(|v| !v.is_empty());
    let provider = if present("paymentId") {
        Some(Provider::Moneroo)
    } else if present("transaction_id") {
        Some(Provider::CinetPay)
    } else if present("token") {
        Some(Provider::MoneyFusion)
    } else {
        None
    };
    ReturnParams {
        session: get(SESSION_PARAM).filter(|id| is_session_id(id)),
        provider,
    }
}
