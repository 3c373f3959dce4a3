//! What survives a reload during payment: the session id, its read token, the provider
//! and whether the checkout page lives in a window of its own, in `sessionStorage` (this tab only, gone when it closes). The token only reads
//! one session's status; no provider secret ever reaches the browser.

use crate::domain::Provider;

use super::params::is_session_id;
use crate::domain::validation::cat;

/// The `sessionStorage` key. The checkout's driver writes and removes it (js/browser/flow.js,
/// effects `save` and `forget`); the return page's lookup reads it.
pub const KEY: &str = "guichet.session";

/// A session the browser may ask the backend about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The backend's session id.
    pub id: String,
    /// The bearer token of `GET /sessions/:id`.
    pub token: String,
    /// The provider paying it.
    pub provider: Provider,
    /// True when the provider's page is in a popup, which outlives a reload of the shop;
    /// false for the overlay (its frame goes with the page) and the redirect.
    pub popup: bool,
}

impl Stored {
    /// The stored text: four lines, no JSON machinery needed.
    pub fn encode(&self) -> String {
        let shown = if self.popup { "popup" } else { "page" };
        let provider = self.provider.as_str();
        cat(&[&self.id, "\n", &self.token, "\n", provider, "\n", shown])
    }

    /// Reads what [`Stored::encode`] wrote (three lines, from before the fourth existed,
    /// read as a popup: followed as before); anything else (a hand-edited value) reads as
    /// nothing.
    pub fn decode(text: &str) -> Option<Stored> {
        let mut parts = text.split('\n');
        let (id, token, provider) = (parts.next()?, parts.next()?, parts.next()?);
        let popup = match parts.next() {
            None | Some("popup") => true,
            Some("page") => false,
            Some(_) => return None,
        };
        let token_ok = !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic());
        (parts.next().is_none() && is_session_id(id) && token_ok).then_some(())?;
        Some(Stored {
            id: id.to_owned(),
            token: token.to_owned(),
            provider: Provider::parse(provider)?,
            popup,
        })
    }
}

/// This tab's `sessionStorage`, when the page may use it (it throws in some privacy
/// modes, which simply disables resuming).
fn storage() -> Option<web_sys::Storage> {
    super::window()?.session_storage().ok()?
}

/// The session this tab remembers, if any.
pub fn load() -> Option<Stored> {
    Stored::decode(&storage()?.get_item(KEY).ok()??)
}
