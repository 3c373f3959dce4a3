//! What survives a reload during payment: the session id, its read token and the
//! provider, in `sessionStorage` (this tab only, gone when it closes). The token only reads
//! one session's status; no provider secret ever reaches the browser.

use crate::domain::Provider;

use super::params::is_session_id;

/// The `sessionStorage` key.
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
}

impl Stored {
    /// The stored text: three lines, no JSON machinery needed.
    pub fn encode(&self) -> String {
        [self.id.as_str(), &self.token, self.provider.as_str()].join("\n")
    }

    /// Reads what [`Stored::encode`] wrote; anything else (an older format, a hand-edited
    /// value) reads as nothing.
    pub fn decode(text: &str) -> Option<Stored> {
        let mut parts = text.split('\n');
        let (id, token, provider) = (parts.next()?, parts.next()?, parts.next()?);
        let token_ok = !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic());
        (parts.next().is_none() && is_session_id(id) && token_ok).then_some(())?;
        Some(Stored {
            id: id.to_owned(),
            token: token.to_owned(),
            provider: Provider::parse(provider)?,
        })
    }
}

/// This tab's `sessionStorage`, when the page may use it (it throws in some privacy
/// modes, which simply disables resuming).
fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// Remembers the session for a reload or the return page.
pub fn save(stored: &Stored) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(KEY, &stored.encode());
    }
}

/// The session this tab remembers, if any.
pub fn load() -> Option<Stored> {
    Stored::decode(&storage()?.get_item(KEY).ok()??)
}

/// Forgets the session (final status, or refused by the backend).
pub fn clear() {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(KEY);
    }
}
