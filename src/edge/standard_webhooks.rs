//! Signing our deliveries to the merchant as the Standard Webhooks specification says
//! (<https://www.standardwebhooks.com>), so a merchant verifies them with the maintained
//! `standardwebhooks` library of their language:
//!
//! - headers `webhook-id` (the event's id, the same on every attempt), `webhook-timestamp`
//!   (Unix seconds of this attempt) and `webhook-signature`;
//! - the signature is `v1,` and the base64 of HMAC-SHA256 over `id.timestamp.body`;
//! - the secret is written `whsec_` and the base64 of its bytes; a secret without the
//!   prefix is taken as raw base64, as the libraries do.

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
        let key = decode(encoded).filter(|k| !k.is_empty())?;
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
        let signature = format!("v1,{}", encode(&mac.finalize().into_bytes()));
        SignedHeaders {
            id: id.to_owned(),
            timestamp,
            signature,
        }
    }
}

/// Base64's standard alphabet.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `bytes` in standard base64, padded. Written here rather than with the `base64` crate,
/// whose general-purpose engine is about 5 KB of the edge wasm for a 32-byte signature.
fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize])
            } else {
                '='
            });
        }
    }
    out
}

/// Standard base64 read as the `base64` crate's `STANDARD` engine reads it: padded to a
/// multiple of four, `=` only at the end (two at most), no other character, and the
/// unused bits of the last symbol zero. `None` otherwise.
fn decode(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if text.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let quads = text.len() / 4;
    for (at, quad) in text.chunks(4).enumerate() {
        let pad = if at + 1 == quads {
            quad.iter().rev().take_while(|&&c| c == b'=').count()
        } else {
            0
        };
        if pad > 2 {
            return None;
        }
        let mut n = 0u32;
        for (i, &c) in quad[..4 - pad].iter().enumerate() {
            let value = ALPHABET.iter().position(|&a| a == c)? as u32;
            n |= value << (18 - 6 * i);
        }
        if n & ((1 << (8 * pad)) - 1) != 0 {
            return None;
        }
        for i in 0..3 - pad {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    /// The same text as the `base64` crate's standard engine writes, and the same bytes
    /// or refusal when reading: every string of four and eight symbols over an alphabet of
    /// edge cases (padding anywhere, unused bits set or not, characters outside the
    /// alphabet), and the encodings of every length up to 40 bytes.
    #[test]
    fn base64_reads_and_writes_as_the_base64_crate() {
        let bytes: Vec<u8> = (0..40u8)
            .map(|i| i.wrapping_mul(97).wrapping_add(13))
            .collect();
        for len in 0..=bytes.len() {
            let text = STANDARD.encode(&bytes[..len]);
            assert_eq!(encode(&bytes[..len]), text);
            assert_eq!(decode(&text), Some(bytes[..len].to_vec()), "{text}");
        }
        let symbols = ["A", "Q", "R", "g", "w", "/", "+", "=", "-", " ", "é"];
        let mut texts = vec![String::new(), "=".into(), "QQ".into(), "QQ=".into()];
        for a in symbols {
            for b in symbols {
                for c in symbols {
                    for d in symbols {
                        let quad = format!("{a}{b}{c}{d}");
                        texts.push(format!("QUJD{quad}"));
                        texts.push(format!("{quad}QUJD"));
                        texts.push(quad);
                    }
                }
            }
        }
        for text in texts {
            assert_eq!(decode(&text), STANDARD.decode(&text).ok(), "{text:?}");
        }
    }

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
