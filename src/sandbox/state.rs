//! The state every handler shares: configuration, settings changeable at run time, the
//! books, the faults, the notifier and the clock.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::config::{Credentials, SandboxConfig};
use super::faults::FaultBook;
use super::notify::Notifier;
use super::store::{Outcome, Store};
use super::support::{lock, Rng};

/// The handle handlers receive.
pub type SharedState = Arc<Shared>;

/// What a run may change while it runs (`PATCH /_sandbox/settings`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// Multiplies provider delays.
    pub time_scale: f64,
    /// Moneroo's dashboard webhook URLs.
    pub moneroo_webhook_urls: Vec<String>,
    /// Moneroo requests per minute per key.
    pub moneroo_rate_limit: u32,
    /// Currencies the CinetPay account may use.
    pub cinetpay_currencies: Vec<String>,
    /// Server IPs MoneyFusion accepts (`null`: any).
    pub moneyfusion_allowed_ips: Option<Vec<IpAddr>>,
    /// Receiver answer deadline, milliseconds.
    pub notify_timeout_ms: u64,
    /// Time between payout steps, milliseconds.
    pub payout_delay_ms: u64,
    /// How payouts end when nothing else decides.
    pub payout_outcome: Outcome,
    /// Moneroo abandons an initiated payment after this many ms (`null`: five minutes,
    /// scaled).
    #[serde(default)]
    pub moneroo_abandon_ms: Option<u64>,
}

impl Settings {
    fn from_config(config: &SandboxConfig) -> Settings {
        Settings {
            time_scale: config.time_scale,
            moneroo_webhook_urls: config.moneroo_webhook_urls.clone(),
            moneroo_rate_limit: config.moneroo_rate_limit,
            cinetpay_currencies: config.cinetpay_currencies.clone(),
            moneyfusion_allowed_ips: config.moneyfusion_allowed_ips.clone(),
            notify_timeout_ms: config.notify_timeout.as_millis() as u64,
            payout_delay_ms: config.payout_delay.as_millis() as u64,
            payout_outcome: config.payout_outcome,
            moneroo_abandon_ms: config
                .moneroo_abandon_after
                .map(|after| after.as_millis() as u64),
        }
    }
}

/// A login token of CinetPay's transfer API.
#[derive(Debug, Clone)]
pub struct TransferToken {
    /// When it stops working.
    pub expires: Instant,
}

/// CinetPay's transfer account: balance, contacts, tokens.
#[derive(Debug, Default)]
pub struct TransferAccount {
    /// Money available to send.
    pub available: u64,
    /// Money committed to transfers not yet final.
    pub in_use: u64,
    /// `prefix` + `phone` of every contact.
    pub contacts: Vec<(String, String)>,
    /// Tokens handed out by `/v1/auth/login`.
    pub tokens: HashMap<String, TransferToken>,
}

/// Moneroo's per-key request counter (sliding minute).
#[derive(Debug, Default)]
pub struct RateLimiter {
    hits: HashMap<String, VecDeque<Instant>>,
}

impl RateLimiter {
    /// Counts one request for `key`; false when the key is over `limit` this minute.
    pub fn allow(&mut self, key: &str, limit: u32, now: Instant) -> bool {
        let window = Duration::from_secs(60);
        let hits = self.hits.entry(key.to_owned()).or_default();
        while hits
            .front()
            .is_some_and(|&at| now.saturating_duration_since(at) >= window)
        {
            hits.pop_front();
        }
        if hits.len() >= limit as usize {
            return false;
        }
        hits.push_back(now);
        true
    }
}

/// Everything the handlers share.
#[derive(Debug)]
pub struct Shared {
    /// What the run was started with.
    pub credentials: Credentials,
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// One line per request on stdout.
    pub verbose: bool,
    /// The seed this run draws from.
    pub seed: u64,
    /// CinetPay's transfer balance at start (and after a reset).
    pub initial_transfer_balance: u64,
    /// Settings a run may change.
    pub settings: Mutex<Settings>,
    /// Ids and tokens.
    pub ids: Mutex<Rng>,
    /// The books.
    pub store: Mutex<Store>,
    /// Faults in force.
    pub faults: Mutex<FaultBook>,
    /// Moneroo's rate limiter.
    pub moneroo_rate: Mutex<RateLimiter>,
    /// CinetPay's transfer account.
    pub transfers: Mutex<TransferAccount>,
    /// Sends notifications.
    pub notifier: Notifier,
    /// Becomes true when the sandbox stops.
    pub shutdown: watch::Receiver<bool>,
}

impl Shared {
    /// Builds the shared state for a run reachable at `base_url`.
    pub fn new(
        config: &SandboxConfig,
        base_url: String,
        shutdown: watch::Receiver<bool>,
    ) -> Shared {
        let seed = config.seed.unwrap_or_else(Rng::os_seed);
        Shared {
            credentials: config.credentials.clone(),
            base_url,
            verbose: config.verbose,
            seed,
            initial_transfer_balance: config.cinetpay_transfer_balance,
            settings: Mutex::new(Settings::from_config(config)),
            ids: Mutex::new(Rng::seeded(seed)),
            store: Mutex::new(Store::default()),
            faults: Mutex::new(FaultBook::new(&config.faults, seed)),
            moneroo_rate: Mutex::new(RateLimiter::default()),
            transfers: Mutex::new(TransferAccount {
                available: config.cinetpay_transfer_balance,
                ..TransferAccount::default()
            }),
            notifier: Notifier::new(shutdown.clone()),
            shutdown,
        }
    }

    /// Forgets every payment, payout, fault and token, and restarts the random streams
    /// from `seed` (or the run's seed): a test can replay a scenario on a running sandbox.
    pub fn reset(&self, seed: Option<u64>, transfer_balance: Option<u64>) {
        let seed = seed.unwrap_or(self.seed);
        let transfer_balance = transfer_balance.unwrap_or(self.initial_transfer_balance);
        *lock(&self.ids) = Rng::seeded(seed);
        *lock(&self.store) = Store::default();
        *lock(&self.faults) = FaultBook::new(&[], seed);
        *lock(&self.moneroo_rate) = RateLimiter::default();
        *lock(&self.transfers) = TransferAccount {
            available: transfer_balance,
            ..TransferAccount::default()
        };
        self.notifier.clear_log();
    }

    /// A copy of the current settings.
    pub fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }

    /// How long a notification receiver has to answer.
    pub fn notify_timeout(&self) -> Duration {
        Duration::from_millis(lock(&self.settings).notify_timeout_ms)
    }

    /// A provider delay, scaled by the run's time scale.
    pub fn scaled(&self, real: Duration) -> Duration {
        let scale = lock(&self.settings).time_scale;
        real.mul_f64(scale.max(0.0))
    }

    /// Draws an id or token from the run's random stream.
    pub fn draw<T>(&self, make: impl FnOnce(&mut Rng) -> T) -> T {
        make(&mut lock(&self.ids))
    }

    /// The wall clock.
    pub fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    /// Sleeps, waking early when the sandbox stops.
    pub async fn sleep(&self, duration: Duration) {
        let mut shutdown = self.shutdown.clone();
        tokio::select! {
            _ = tokio::time::sleep(duration) => {}
            _ = shutdown.wait_for(|stopped| *stopped) => {}
        }
    }

    /// Runs `work` after `delay`, unless the sandbox stops first.
    pub fn after(&self, delay: Duration, work: impl Future<Output = ()> + Send + 'static) {
        let mut shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = async { tokio::time::sleep(delay).await; work.await } => {}
                _ = shutdown.wait_for(|stopped| *stopped) => {}
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limiter_refuses_past_the_limit_and_forgets_after_a_minute() {
        let mut limiter = RateLimiter::default();
        let start = Instant::now();
        assert!(limiter.allow("k", 2, start));
        assert!(limiter.allow("k", 2, start));
        assert!(!limiter.allow("k", 2, start));
        assert!(limiter.allow("other", 2, start));
        assert!(limiter.allow("k", 2, start + Duration::from_secs(61)));
    }
}
