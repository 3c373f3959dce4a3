//! HMAC-SHA256 in lowercase hex: how Moneroo signs a webhook body and CinetPay an IPN's
//! fields. One implementation, so both are checked in constant time the same way.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// An HMAC-SHA256 key made ready once: HMAC hashes the key's inner and outer padded
/// blocks before any message, so a key that signs many messages (the session tokens) keeps
/// that state and each message starts from a copy of it. `Debug` shows no key.
#[derive(Clone)]
pub struct MacKey(HmacSha256);

impl MacKey {
    /// The key `secret`, its padded blocks hashed.
    pub fn new(secret: &str) -> MacKey {
        // HMAC takes a key of any length, so `new_from_slice` cannot fail; the fallback
        // key is never reached.
        MacKey(
            HmacSha256::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| {
                <HmacSha256 as hmac::digest::KeyInit>::new(&Default::default())
            }),
        )
    }

    fn mac_over(&self, parts: &[&[u8]]) -> HmacSha256 {
        let mut mac = self.0.clone();
        for part in parts {
            mac.update(part);
        }
        mac
    }

    /// The lowercase hex HMAC-SHA256 of the concatenated `parts`.
    pub fn sign_hex(&self, parts: &[&[u8]]) -> String {
        encode_hex(&self.sign(parts))
    }

    /// The HMAC-SHA256 of `parts`, as bytes.
    pub fn sign(&self, parts: &[&[u8]]) -> [u8; 32] {
        self.mac_over(parts).finalize().into_bytes().into()
    }

    /// True when `signature` (hex, either case) is the HMAC-SHA256 of `parts`. The
    /// comparison is constant-time; a signature that is not hex is simply wrong.
    pub fn verify_hex(&self, parts: &[&[u8]], signature: &str) -> bool {
        match decode_hex(signature.trim()) {
            Some(expected) => self.mac_over(parts).verify_slice(&expected).is_ok(),
            None => false,
        }
    }
}

impl core::fmt::Debug for MacKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MacKey(***)")
    }
}

/// The lowercase hex HMAC-SHA256 of the concatenated `parts`, keyed with `secret`.
pub fn sign_hex(secret: &str, parts: &[&[u8]]) -> String {
    MacKey::new(secret).sign_hex(parts)
}

/// Bytes as lowercase hex.
pub fn encode_hex(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() * 2);
    push_hex(&mut out, bytes);
    String::from_utf8(out).unwrap_or_default()
}

/// `bytes` in lowercase hex, appended to `out` byte by byte: `String::push` encoded
/// each digit as a `char`, about 50 instructions a digit (issue #18 round 10).
pub fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let start = out.len();
    out.resize(start + bytes.len() * 2, 0);
    for (digits, byte) in out[start..].chunks_exact_mut(2).zip(bytes) {
        digits[0] = HEX[usize::from(byte >> 4)];
        digits[1] = HEX[usize::from(byte & 0x0f)];
    }
}

/// True when `signature` (hex, either case) is the HMAC-SHA256 of `parts` keyed with
/// `secret`, compared in constant time (see [`MacKey::verify_hex`]).
pub fn verify_hex(secret: &str, parts: &[&[u8]], signature: &str) -> bool {
    MacKey::new(secret).verify_hex(parts, signature)
}

/// Decodes hex (either case); `None` for odd lengths or other characters.
pub fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if digits.len() % 2 != 0 {
        return None;
    }
    let value = |d: u8| char::from(d).to_digit(16);
    // A loop, not `collect::<Option<Vec<_>>>()` (an adapter chain compiled for this one use).
    let mut bytes = Vec::with_capacity(digits.len() / 2);
    for pair in digits.chunks_exact(2) {
        bytes.push(u8::try_from(value(pair[0])? << 4 | value(pair[1])?).ok()?);
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_known_vector_and_refuses_changes() {
        // RFC 4231, test case 2, split in two parts to show parts are concatenated.
        let parts: [&[u8]; 2] = [b"what do ya want ", b"for nothing?"];
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(sign_hex("Jefe", &parts), expected);
        assert!(verify_hex("Jefe", &parts, expected));
        assert!(verify_hex("Jefe", &parts, &expected.to_uppercase()));
        assert!(!verify_hex("jefe", &parts, expected));
        assert!(!verify_hex(
            "Jefe",
            &[b"what do ya want for nothing!"],
            expected
        ));
        assert!(!verify_hex("Jefe", &parts, &expected[..62]));
        assert!(!verify_hex("Jefe", &parts, "zz"));
    }

    #[test]
    fn a_kept_key_signs_every_message_from_the_same_start() {
        let parts: [&[u8]; 2] = [b"what do ya want ", b"for nothing?"];
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        let key = MacKey::new("Jefe");
        assert_eq!(
            key.sign_hex(&[b"something else"]),
            sign_hex("Jefe", &[b"something else"])
        );
        assert_eq!(key.sign_hex(&parts), expected);
        assert_eq!(key.sign_hex(&parts), expected);
        assert!(key.verify_hex(&parts, expected));
        assert!(!key.verify_hex(&[b"what do ya want"], expected));
        assert!(key.verify_hex(&parts, expected));
        assert_eq!(format!("{key:?}"), "MacKey(***)");
    }

    #[test]
    fn hex_is_every_byte_in_two_lowercase_digits() {
        let bytes: Vec<u8> = (0..=255).collect();
        let expected: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(encode_hex(&bytes), expected);
        assert_eq!(decode_hex(&expected), Some(bytes));
        let mut out = b"x.".to_vec();
        push_hex(
            &mut out,
            &MacKey::new("Jefe").sign(&[b"what do ya want for nothing?"]),
        );
        assert_eq!(
            out,
            b"x.5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn hex_decoding_refuses_odd_lengths_and_non_hex() {
        assert_eq!(decode_hex("0001ABff"), Some(vec![0, 1, 0xab, 0xff]));
        for bad in ["0", "abc", "zz", "+1", "é0"] {
            assert_eq!(decode_hex(bad), None, "{bad}");
        }
    }
}
