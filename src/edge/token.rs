//! The session token: what lets one browser read one session's status, and nothing else.
//!
//! `v1.<kid>.<session>.<provider>.<amount>.<currency>.<expires>.<signature>`: the
//! signature is HMAC-SHA256 (hex) over everything before it, under the key named `kid`.
//! Binding the amount and currency means a token cannot be replayed for another price;
//! the key id lets the merchant rotate keys without cutting off sessions in flight.

use crate::domain::{Currency, Provider};
use crate::http::json_text::push_u64;
use crate::secret::SecretKey;
use crate::signature::{push_hex, MacKey};

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The session.
    pub session_id: String,
    /// Its provider.
    pub provider: Provider,
    /// The amount due, minor units.
    pub amount: u64,
    /// The currency due.
    pub currency: Currency,
    /// Unix seconds after which the token is refused.
    pub expires_at: u64,
}

/// Signing keys, newest first: the first signs, every one verifies. Each is kept with its
/// key id, made ready once (the config is kept between requests), not per token.
#[derive(Debug, Clone, Default)]
pub struct SessionKeys(Vec<(String, MacKey)>);

impl SessionKeys {
    /// Reads `GUICHET_SESSION_SECRETS` (`k2:secret,k1:older`) or, failing that,
    /// `GUICHET_SESSION_SECRET` (key id `k1`). Entries with a bad key id are skipped.
    pub fn from_env(many: Option<&str>, one: Option<&str>) -> SessionKeys {
        let mut keys = Vec::new();
        for entry in many.unwrap_or_default().split(',') {
            if let Some((kid, secret)) = entry.split_once(':') {
                let kid = kid.trim();
                if let (true, Some(secret)) = (is_kid(kid), SecretKey::new(secret)) {
                    keys.push((kid.to_owned(), MacKey::new(secret.expose())));
                }
            }
        }
        if keys.is_empty() {
            if let Some(secret) = one.and_then(SecretKey::new) {
                keys.push(("k1".to_owned(), MacKey::new(secret.expose())));
            }
        }
        SessionKeys(keys)
    }

    /// True when no key is configured: sessions cannot be opened.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A token for `claims`, under the newest key; `None` without keys.
    pub fn sign(&self, claims: &Claims) -> Option<String> {
        let (kid, key) = self.0.first()?;
        // Written into one buffer (two `format!`s cost about 4,000 instructions a token,
        // issue #18 round 10); every part is ASCII but the session id, which is ours.
        let mut token = Vec::with_capacity(128);
        for part in [
            b"v1",
            kid.as_bytes(),
            claims.session_id.as_bytes(),
            claims.provider.as_str().as_bytes(),
        ] {
            token.extend_from_slice(part);
            token.push(b'.');
        }
        push_u64(&mut token, claims.amount);
        token.push(b'.');
        token.extend_from_slice(claims.currency.code().as_bytes());
        token.push(b'.');
        push_u64(&mut token, claims.expires_at);
        let signature = key.sign(&[&token]);
        token.push(b'.');
        push_hex(&mut token, &signature);
        String::from_utf8(token).ok()
    }

    /// The claims of a token that is well formed, signed by one of our keys (constant
    /// time), and not expired at `now`. Any other token gets `None`: the caller answers
    /// 401 without saying which check failed.
    pub fn verify(&self, token: &str, now: u64) -> Option<Claims> {
        let token = token.trim();
        // A byte search, not `rsplit_once('.')` (core's reverse `char` searcher).
        let dot = token.bytes().rposition(|b| b == b'.')?;
        let (body, signature) = (&token[..dot], &token[dot + 1..]);
        let mut parts: Vec<&str> = Vec::new();
        for part in body.split('.') {
            parts.push(part);
        }
        let ["v1", kid, session_id, provider, amount, currency, expires] = parts[..] else {
            return None;
        };
        let (_, key) = self.0.iter().find(|(k, _)| k == kid)?;
        if !key.verify_hex(&[body.as_bytes()], signature) {
            return None;
        }
        let claims = Claims {
            session_id: session_id.to_owned(),
            provider: Provider::parse(provider)?,
            amount: amount.parse().ok()?,
            currency: Currency::from_code(currency)?,
            expires_at: expires.parse().ok()?,
        };
        (now < claims.expires_at).then_some(claims)
    }
}

fn is_kid(kid: &str) -> bool {
    !kid.is_empty()
        && kid.len() <= 16
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            session_id: "gs-0123456789abcdef01234567".into(),
            provider: Provider::CinetPay,
            amount: 15_000,
            currency: Currency::XOF,
            expires_at: 2_000,
        }
    }

    #[test]
    fn a_token_verifies_until_it_expires() {
        let keys = SessionKeys::from_env(None, Some("s3cret"));
        let token = keys.sign(&claims()).expect("a key");
        assert!(token.starts_with("v1.k1.gs-0123456789abcdef01234567.cinetpay.15000.XOF.2000."));
        assert_eq!(keys.verify(&token, 1_999), Some(claims()));
        assert_eq!(keys.verify(&token, 2_000), None);
    }

    /// The token written into one buffer is the text the former `format!`s wrote.
    #[test]
    fn a_token_is_the_text_format_wrote() {
        let keys = SessionKeys::from_env(Some("k2:newer,k1:older"), None);
        let key = MacKey::new("newer");
        for (amount, expires_at) in [(0, 0), (15_000, 1_790_001_800), (u64::MAX, u64::MAX)] {
            let claims = Claims {
                amount,
                expires_at,
                ..claims()
            };
            let body = format!(
                "v1.k2.{}.{}.{}.{}.{}",
                claims.session_id,
                claims.provider.as_str(),
                claims.amount,
                claims.currency.code(),
                claims.expires_at
            );
            let former = format!("{body}.{}", key.sign_hex(&[body.as_bytes()]));
            assert_eq!(keys.sign(&claims).as_deref(), Some(former.as_str()));
        }
    }

    #[test]
    fn every_changed_byte_is_refused() {
        let keys = SessionKeys::from_env(None, Some("s3cret"));
        let token = keys.sign(&claims()).expect("a key");
        for i in 0..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[i] = if bytes[i] == b'1' { b'2' } else { b'1' };
            let changed = String::from_utf8(bytes).expect("ascii");
            assert_eq!(
                keys.verify(&changed, 0),
                None,
                "byte {i} changed: {changed}"
            );
        }
    }

    #[test]
    fn rotation_keeps_old_tokens_and_drops_removed_keys() {
        let old = SessionKeys::from_env(Some("k1:first"), None);
        let token = old.sign(&claims()).expect("a key");
        let rotated = SessionKeys::from_env(Some("k2:second, k1:first"), None);
        assert!(rotated
            .sign(&claims())
            .expect("a key")
            .starts_with("v1.k2."));
        assert_eq!(rotated.verify(&token, 0), Some(claims()));
        let retired = SessionKeys::from_env(Some("k2:second"), Some("first"));
        assert_eq!(retired.verify(&token, 0), None);
        let foreign = SessionKeys::from_env(None, Some("someone-else"));
        assert_eq!(foreign.verify(&token, 0), None);
    }

    #[test]
    fn no_key_no_token() {
        let keys = SessionKeys::from_env(Some("bad kid:x"), Some(" "));
        assert!(keys.is_empty());
        assert_eq!(keys.sign(&claims()), None);
    }
}
