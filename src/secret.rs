//! The one secret type: never printed, never serialized, compared in constant time.

use core::fmt;

/// A key, password or token: the merchant's settings (the admin key, the providers' API
/// keys and webhook secrets, MoneyFusion's API URL) and the short-lived tokens a provider
/// hands back. `Debug` shows `***`; there is no `Display` and no `Serialize`, so a secret
/// reaches the wire only where an adapter calls [`SecretKey::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(String);

impl SecretKey {
    /// A secret, or `None` for an empty or blank value (an unset variable).
    pub fn new(value: impl Into<String>) -> Option<SecretKey> {
        let value = value.into();
        (!value.trim().is_empty()).then(|| SecretKey(value.trim().to_owned()))
    }

    /// The value, to hand to an adapter or a MAC. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when `candidate` is this secret. Both are passed through HMAC under the
    /// secret and the digests compared in constant time, so timing tells nothing about a
    /// shared prefix or the secret's length.
    pub fn matches(&self, candidate: &str) -> bool {
        use crate::signature::{sign_hex, verify_hex};
        let own = sign_hex(&self.0, &[self.0.as_bytes()]);
        verify_hex(&self.0, &[candidate.as_bytes()], &own)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_unset_and_matching_is_exact() {
        assert_eq!(SecretKey::new("  "), None);
        let key = SecretKey::new(" admin-key ").expect("set");
        assert!(key.matches("admin-key"));
        assert!(!key.matches("admin-ke"));
        assert!(!key.matches("admin-key "));
        assert!(!key.matches(""));
        assert_eq!(format!("{key:?}"), "SecretKey(***)");
    }
}
