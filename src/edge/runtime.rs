//! What the backend needs from its runtime besides the network: the time, a pause
//! between retries, and random ids. A trait, so tests can move the clock.

/// The clock and the pause.
#[allow(async_fn_in_trait)] // wasm futures are not Send; callers are single-threaded.
pub trait Runtime {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;

    /// Waits `ms` milliseconds (between two tries of a provider call).
    async fn sleep(&self, ms: u64);

    /// Seconds since the Unix epoch.
    fn now(&self) -> u64 {
        self.now_ms() / 1000
    }
}

/// `len` random bytes as lowercase hex, from the platform's secure generator
/// (`crypto.getRandomValues` in workers).
pub fn random_hex(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    // getrandom only fails where no secure source exists; an id from zeroes would be
    // guessable, so refuse to go on without one.
    if getrandom::getrandom(&mut bytes).is_err() {
        panic!("no secure random source");
    }
    crate::signature::encode_hex(&bytes)
}

/// A new id with a prefix: `gs-` sessions, `ord-` orders, `po-` payouts. Hex and `-`
/// only, which every provider accepts as a transaction id.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}-{}", random_hex(12))
}

/// RFC 3339 UTC for Unix seconds (`2026-11-21T10:15:00Z`), without a date library.
pub fn rfc3339(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    let (year, month, day) = crate::domain::calendar::civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_256_100), "2026-11-21T10:15:00Z");
    }

    #[test]
    fn ids_are_random_hex() {
        let a = new_id("gs");
        assert_eq!(a.len(), 27);
        assert!(a.starts_with("gs-"));
        assert_ne!(a, new_id("gs"));
    }
}
