//! How often the backend is asked while a payment is pending: soon at first (a shopper
//! paying by mobile money approves within seconds), then less and less often, so a
//! forgotten tab does not hammer the edge.

/// The delays between two status requests, in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    delay: f64,
    max: f64,
}

impl Backoff {
    /// Starts at `interval` and grows by half each time, up to 10 s (or `interval` if
    /// larger).
    pub fn new(interval: f64) -> Backoff {
        let interval = interval.max(100.0);
        Backoff {
            delay: interval,
            max: interval.max(10_000.0),
        }
    }

    /// The next delay.
    pub fn next_delay(&mut self) -> f64 {
        let delay = self.delay;
        self.delay = (delay * 1.5).min(self.max);
        delay
    }
}
