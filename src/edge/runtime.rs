//! What the backend needs from its runtime besides the network: the time, a pause
//! between retries, and random ids. A trait, so tests can move the clock.

use std::cell::RefCell;

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

/// How many bytes the generator is asked for at once.
const POOL: usize = 4096;

thread_local! {
    /// Bytes from the platform's secure generator not handed out yet: `pool[used..]`.
    /// One `crypto.getRandomValues` call per 4 KiB rather than one per id (each call
    /// crosses into JavaScript and, in Node, into OpenSSL: about 7 µs, the same for 12
    /// bytes as for 4 KiB). Node's `crypto.randomUUID` draws from such a pool too.
    static RANDOM: RefCell<(Box<[u8; POOL]>, usize)> = RefCell::new((Box::new([0; POOL]), POOL));
}

/// Fills `out` with bytes from the platform's secure generator (`crypto.getRandomValues`
/// in workers), through [`POOL`]. Each byte is handed out once and zeroed in the pool.
fn random_bytes(out: &mut [u8]) {
    // getrandom only fails where no secure source exists; an id from zeroes would be
    // guessable, so refuse to go on without one.
    let fill = |bytes: &mut [u8]| {
        if getrandom::getrandom(bytes).is_err() {
            panic!("no secure random source");
        }
    };
    if out.len() > POOL {
        return fill(out);
    }
    RANDOM.with(|pool| {
        let (bytes, used) = &mut *pool.borrow_mut();
        if POOL - *used < out.len() {
            fill(&mut bytes[..]);
            *used = 0;
        }
        let taken = &mut bytes[*used..*used + out.len()];
        out.copy_from_slice(taken);
        taken.fill(0);
        *used += out.len();
    });
}

/// `len` random bytes as lowercase hex, from the platform's secure generator.
pub fn random_hex(len: usize) -> String {
    let mut text = Vec::with_capacity(2 * len);
    push_random_hex(&mut text, len);
    String::from_utf8(text).unwrap_or_default()
}

/// `len` random bytes as lowercase hex, appended to `out`.
fn push_random_hex(out: &mut Vec<u8>, len: usize) {
    let mut bytes = vec![0u8; len];
    random_bytes(&mut bytes);
    crate::signature::push_hex(out, &bytes);
}

/// A new id with a prefix: `gs-` sessions, `ord-` orders, `po-` payouts. Hex and `-`
/// only, which every provider accepts as a transaction id.
pub fn new_id(prefix: &str) -> String {
    let mut id = Vec::with_capacity(prefix.len() + 25);
    id.extend_from_slice(prefix.as_bytes());
    id.push(b'-');
    push_random_hex(&mut id, 12);
    String::from_utf8(id).unwrap_or_default()
}

/// RFC 3339 UTC for Unix seconds (`2026-11-21T10:15:00Z`), without a date library.
pub fn rfc3339(seconds: u64) -> String {
    let mut out = Vec::with_capacity(20);
    push_rfc3339(&mut out, seconds);
    String::from_utf8(out).unwrap_or_default()
}

/// [`rfc3339`]'s text appended to `out`, digit by digit: `format!` with its paddings
/// cost about 2,900 instructions a time, and an answer writes two or three (issue #18
/// round 10).
pub fn push_rfc3339(out: &mut Vec<u8>, seconds: u64) {
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = crate::domain::calendar::civil_from_days(days as i64);
    let two = |out: &mut Vec<u8>, n: u64, after: u8| {
        out.extend_from_slice(&[b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8, after]);
    };
    // Unix seconds start in 1970: the year has four digits or more, never a sign.
    crate::http::json_text::push_u64(out, year.unsigned_abs());
    out.push(b'-');
    two(out, u64::from(month), b'-');
    two(out, u64::from(day), b'T');
    two(out, rest / 3600, b':');
    two(out, rest % 3600 / 60, b':');
    two(out, rest % 60, b'Z');
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

    /// The former `format!`, on every day of four centuries and at random seconds.
    #[test]
    fn rfc3339_writes_what_format_wrote() {
        let former = |seconds: u64| {
            let (days, rest) = (seconds / 86_400, seconds % 86_400);
            let (year, month, day) = crate::domain::calendar::civil_from_days(days as i64);
            format!(
                "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
                rest / 3600,
                rest % 3600 / 60,
                rest % 60
            )
        };
        let mut seconds = 7u64;
        for day in 0..146_097u64 {
            seconds = seconds
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let at = day * 86_400 + seconds % 86_400;
            assert_eq!(rfc3339(at), former(at), "{at}");
        }
        for at in [
            u64::from(u32::MAX),
            253_402_300_799,
            253_402_300_800,
            99_999_999_999_999,
        ] {
            assert_eq!(rfc3339(at), former(at), "{at}");
        }
    }

    #[test]
    fn the_pool_hands_out_fresh_bytes_across_refills() {
        let ids: std::collections::BTreeSet<String> = (0..1000).map(|_| random_hex(12)).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|id| id.len() == 24 && id != &"0".repeat(24)));
        assert_eq!(random_hex(POOL + 1).len(), 2 * (POOL + 1));
    }

    #[test]
    fn ids_are_random_hex() {
        let a = new_id("gs");
        assert_eq!(a.len(), 27);
        assert!(a.starts_with("gs-"));
        assert_ne!(a, new_id("gs"));
    }
}
