//! Small tools the three simulated providers share: a seeded random source, the clock
//! and its date formats, HMAC signatures, HTML escaping and URL building.
//!
//! Written here rather than pulled from crates because each is a few lines and the
//! sandbox must be repeatable from a seed, which rules out thread-local randomness.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

/// Locks a mutex, carrying on with the data if another thread panicked while holding it:
/// the sandbox's state stays readable, and a test sees the panic through its own failure.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// SplitMix64: tiny, fast, and the same sequence for the same seed on every machine.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const MIXED_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &[u8] = b"0123456789abcdef";
const DIGITS: &[u8] = b"0123456789";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

impl Rng {
    /// A generator that replays the same sequence for the same seed.
    pub fn seeded(seed: u64) -> Self {
        Rng { state: seed }
    }

    /// A seed from the operating system, for runs that need not repeat.
    pub fn os_seed() -> u64 {
        let mut bytes = [0u8; 8];
        match getrandom::getrandom(&mut bytes) {
            Ok(()) => u64::from_le_bytes(bytes),
            // No OS randomness: the clock still gives distinct runs.
            Err(_) => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0x5EED, |d| d.as_nanos() as u64),
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }

    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| char::from(alphabet[self.below(alphabet.len() as u64) as usize]))
            .collect()
    }

    /// Lowercase letters and digits, as Moneroo's ids (`k4su1ii7abdz`).
    pub fn lower_alnum(&mut self, len: usize) -> String {
        self.pick(LOWER_ALNUM, len)
    }

    /// Letters of both cases and digits, as MoneyFusion's tokens.
    pub fn mixed_alnum(&mut self, len: usize) -> String {
        self.pick(MIXED_ALNUM, len)
    }

    /// Uppercase letters and digits.
    pub fn upper_alnum(&mut self, len: usize) -> String {
        self.pick(UPPER_ALNUM, len)
    }

    /// Lowercase hexadecimal digits.
    pub fn hex(&mut self, len: usize) -> String {
        self.pick(HEX, len)
    }

    /// Decimal digits.
    pub fn digits(&mut self, len: usize) -> String {
        self.pick(DIGITS, len)
    }
}

/// Lowercase hex of HMAC-SHA256(key, message): the signature Moneroo and CinetPay send.
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    // HMAC takes keys of any length, so this never fails.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(message);
    hex_lower(&mac.finalize().into_bytes())
}

/// Lowercase hex of some bytes.
pub fn hex_lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

/// Wall-clock time, broken down in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub micros: u32,
}

impl UtcTime {
    /// Breaks a system time down (times before 1970 are clamped to the epoch).
    pub fn from_system(time: SystemTime) -> Self {
        let since = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
        let secs = since.as_secs() as i64;
        let days = secs.div_euclid(86_400);
        let rest = secs.rem_euclid(86_400);
        let (year, month, day) = crate::domain::calendar::civil_from_days(days);
        UtcTime {
            year,
            month,
            day,
            hour: (rest / 3600) as u32,
            minute: ((rest % 3600) / 60) as u32,
            second: (rest % 60) as u32,
            micros: since.subsec_micros(),
        }
    }

    /// `2024-01-01T12:00:00.000000Z`, as Laravel (Moneroo) prints dates.
    pub fn iso_micros(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.micros
        )
    }

    /// `2024-02-28T11:17:15.285Z`, as MongoDB/JavaScript (MoneyFusion) print dates.
    pub fn iso_millis(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.micros / 1000
        )
    }

    /// `2022-09-15 22:57:15`, as CinetPay prints dates.
    pub fn plain(&self) -> String {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// `220915`, the date part of CinetPay's operator ids.
    pub fn yymmdd(&self) -> String {
        format!(
            "{:02}{:02}{:02}",
            self.year.rem_euclid(100),
            self.month,
            self.day
        )
    }
}

/// Seconds since the epoch with four decimals, as CinetPay's `api_response_id`.
pub fn api_response_id(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    format!("{}.{:04}", since.as_secs(), since.subsec_micros() / 100)
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// Percent-encodes a query or form value (`application/x-www-form-urlencoded`).
pub fn form_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(char::from(byte))
            }
            b' ' => out.push('+'),
            other => {
                out.push('%');
                out.push(char::from(
                    HEX[usize::from(other >> 4)].to_ascii_uppercase(),
                ));
                out.push(char::from(
                    HEX[usize::from(other & 0x0f)].to_ascii_uppercase(),
                ));
            }
        }
    }
    out
}

/// Encodes pairs as an `application/x-www-form-urlencoded` body, in the given order.
pub fn form_encode(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", form_escape(name), form_escape(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Adds query parameters to a URL, keeping any it already has and any `#fragment` last.
pub fn with_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let (base, fragment) = match url.find('#') {
        Some(at) => (&url[..at], &url[at..]),
        None => (url, ""),
    };
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{}={}", form_escape(name), form_escape(value)))
        .collect();
    let separator = if !base.contains('?') {
        "?"
    } else if base.ends_with('?') || base.ends_with('&') {
        ""
    } else {
        "&"
    };
    format!("{base}{separator}{}{fragment}", encoded.join("&"))
}

/// The host of an `http(s)` URL, lowercased, or `None` when it is not one.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        None
    } else {
        Some(host.to_ascii_lowercase())
    }
}

/// True for an absolute `http` or `https` URL with a host.
pub fn is_http_url(url: &str) -> bool {
    url_host(url).is_some() && !url.chars().any(char::is_whitespace)
}

/// Groups digits by thousands: `1 000` in French (narrow no-break space), `1,000` in English.
pub fn group_thousands(amount: u64, separator: &str) -> String {
    let digits = amount.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push_str(separator);
        }
        out.push(c);
    }
    out
}

/// A JSON field as trimmed text: strings, and numbers as PHP and JavaScript servers
/// read them; `None` for blanks and other types.
pub fn json_text(input: &Map<String, Value>, field: &str) -> Option<String> {
    match input.get(field)? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null | Value::Bool(_) | Value::Array(_) | Value::Object(_) => None,
    }
}

/// Only the digits of a phone number as typed (`+229 41-49` -> `2294149`).
pub fn digits_only(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_ids() {
        let mut a = Rng::seeded(42);
        let mut b = Rng::seeded(42);
        assert_eq!(a.lower_alnum(12), b.lower_alnum(12));
        assert_ne!(Rng::seeded(1).hex(16), Rng::seeded(2).hex(16));
    }

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn dates_print_in_each_provider_format() {
        let t = UtcTime::from_system(UNIX_EPOCH + Duration::from_millis(1_663_282_635_285));
        assert_eq!(t.plain(), "2022-09-15 22:57:15");
        assert_eq!(t.iso_millis(), "2022-09-15T22:57:15.285Z");
        assert_eq!(t.iso_micros(), "2022-09-15T22:57:15.285000Z");
        assert_eq!(t.yymmdd(), "220915");
        let leap = UtcTime::from_system(UNIX_EPOCH + Duration::from_secs(951_782_400));
        assert_eq!((leap.year, leap.month, leap.day), (2000, 2, 29));
    }

    #[test]
    fn query_is_appended_after_existing_parameters_and_before_fragment() {
        assert_eq!(
            with_query("http://a/b", &[("paymentId", "x y")]),
            "http://a/b?paymentId=x+y"
        );
        assert_eq!(
            with_query("http://a/b?s=1#top", &[("token", "t&")]),
            "http://a/b?s=1&token=t%26#top"
        );
    }

    #[test]
    fn hosts_are_read_from_urls() {
        assert_eq!(
            url_host("http://LocalHost:80/x").as_deref(),
            Some("localhost")
        );
        assert_eq!(
            url_host("https://u:p@127.0.0.1/").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(url_host("ftp://x"), None);
        assert!(!is_http_url("http:///nohost"));
    }

    #[test]
    fn amounts_group_by_thousands() {
        assert_eq!(group_thousands(1_234_567, ","), "1,234,567");
        assert_eq!(group_thousands(100, ","), "100");
    }
}
