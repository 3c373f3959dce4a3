//! The pause before trying again: doubling backoff with jitter, for provider calls
//! ([`super::gateway`]) and ledger statements that failed with a transient error.

/// `base_ms × 2^(attempt-1)` (doubling at most six times), plus random jitter of up to as
/// much again, so that many requests retrying together do not come back in step.
/// `attempt` counts from 1: the pause after the first try.
pub fn pause(base_ms: u64, attempt: u32) -> u64 {
    let backoff = base_ms.saturating_mul(1 << attempt.saturating_sub(1).min(6));
    let mut byte = [0u8; 2];
    let jitter = match getrandom::getrandom(&mut byte) {
        Ok(()) => backoff * u64::from(u16::from_le_bytes(byte)) / u64::from(u16::MAX),
        Err(_) => backoff / 2,
    };
    backoff + jitter
}

#[cfg(test)]
mod tests {
    use super::pause;

    #[test]
    fn each_pause_doubles_with_up_to_as_much_again_of_jitter() {
        for _ in 0..50 {
            assert!((50..=100).contains(&pause(50, 1)));
            assert!((100..=200).contains(&pause(50, 2)));
            assert!((200..=400).contains(&pause(50, 3)));
            assert!(
                (3200..=6400).contains(&pause(50, 20)),
                "doubles at most six times"
            );
        }
        assert_eq!(pause(0, 3), 0);
    }
}
