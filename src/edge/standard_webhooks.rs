//! Signing our deliveries to the merchant as the Standard Webhooks specification says
//! (<https://www.standardwebhooks.com>), so a merchant verifies them with the maintained
//! `standardwebhooks` library of their language:
//!
//! - headers `webhook-id` (the event's id, the same on every attempt), `webhook-timestamp`
//!   (Unix seconds of this attempt) and `webhook-signature`;
//! - the signature is `v1,` and the base64 of HMAC-SHA256 over `id.timestamp.body`;
//! - the secret is written `whsec_` and the base64 of its bytes; a secret without the
//!   prefix is taken as raw base64, as the libraries do.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::secret::SecretKey;

/// The prefix of a Standard Webhooks secret.
const SECRET_PREFIX: &str = "whsec_";

/// The key our deliveries are signed with (`GUICHET_WEBHOOK_SECRET`).
#[derive(Clone)]
pub struct WebhookSigner {
    mac: Hmac<Sha256>,
}

impl core::fmt::Debug for WebhookSigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("WebhookSigner(***)")
    }
}

/// The three headers of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `webhook-id`.
    pub id: String,
    /// `webhook-timestamp`, Unix seconds.
    pub timestamp: String,
    /// `webhook-signature`: `v1,<base64>`.
    pub signature: String,
}

impl SignedHeaders {
    /// As header pairs, names lowercase.
    pub fn pairs(&self) -> [(String, String); 3] {
        [
            ("webhook-id".into(), self.id.clone()),
            ("webhook-timestamp".into(), self.timestamp.clone()),
            ("webhook-signature".into(), self.signature.clone()),
        ]
    }
}

impl WebhookSigner {
    /// Reads `whsec_<base64>` (or bare base64). `None` when it is not base64 or is empty.
    pub fn from_secret(secret: &SecretKey) -> Option<WebhookSigner> {
        let text = secret.expose().trim();
        let encoded = text.strip_prefix(SECRET_PREFIX).unwrap_or(text);
        let key = STANDARD.decode(encoded).ok().filter(|k| !k.is_empty())?;
        let mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
        Some(WebhookSigner { mac })
    }

    /// Signs one attempt of `body` for the event `id` at `timestamp` (Unix seconds).
    pub fn sign(&self, id: &str, timestamp: u64, body: &[u8]) -> SignedHeaders {
        let timestamp = timestamp.to_string();
        let mut mac = self.mac.clone();
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        let signature = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        SignedHeaders {
            id: id.to_owned(),
            timestamp,
            signature,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks reference libraries (their test suites sign
    /// this payload with this secret and expect this signature).
    #[test]
    fn signs_the_reference_example() {
        let secret =
            SecretKey::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned()).expect("a secret");
        let signer = WebhookSigner::from_secret(&secret).expect("base64");
        let signed = signer.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(
            signed.signature,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert_eq!(signed.timestamp, "1614265330");
    }

    #[test]
    fn a_secret_that_is_not_base64_is_refused() {
        let secret = SecretKey::new("whsec_not base64!".to_owned()).expect("a secret");
        assert!(WebhookSigner::from_secret(&secret).is_none());
        let secret = SecretKey::new("whsec_AQID".to_owned()).expect("a secret");
        let signer = WebhookSigner::from_secret(&secret).expect("base64");
        assert_eq!(format!("{signer:?}"), "WebhookSigner(***)");
    }
}
