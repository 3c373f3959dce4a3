//! Sends notifications as the providers do, and keeps a log of every attempt.
//!
//! Notifications about one payment leave in order (each waits for the previous one's
//! first attempt), unless a fault reorders, delays, duplicates or drops them. Retries
//! follow the provider's policy (Moneroo: 3 more tries, 10 minutes apart, scaled).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use tokio::sync::{oneshot, watch};

use crate::domain::Provider;
use crate::http::Method;

use super::faults::NotificationPlan;
use super::state::Shared;
use super::support::{lock, UtcTime};

/// One notification to send.
#[derive(Debug, Clone)]
pub struct Notification {
    /// Who sends it.
    pub provider: Provider,
    /// The payment or payout it is about (keeps their order).
    pub subject: String,
    /// `payment.success`, `ping`, `ipn`, `payin.session.pending`...
    pub event: String,
    /// GET (CinetPay's ping) or POST.
    pub method: Method,
    /// The receiver.
    pub url: String,
    /// Headers, signature included.
    pub headers: Vec<(String, String)>,
    /// The exact bytes sent (and signed).
    pub body: Vec<u8>,
    /// Tries after the first when not answered in time.
    pub retries: u32,
    /// Time between tries.
    pub retry_every: Duration,
    /// How long the receiver has to answer.
    pub timeout: Duration,
    /// Moneroo counts only a 200; others take any 2xx.
    pub only_200: bool,
}

impl Notification {
    /// A notification sent once, counted delivered on any 2xx (CinetPay's and
    /// MoneyFusion's way; Moneroo adds retries and wants a 200).
    pub fn once(
        shared: &Shared,
        provider: Provider,
        subject: &str,
        event: impl Into<String>,
        method: Method,
        url: String,
    ) -> Notification {
        Notification {
            provider,
            subject: subject.to_owned(),
            event: event.into(),
            method,
            url,
            headers: Vec::new(),
            body: Vec::new(),
            retries: 0,
            retry_every: Duration::ZERO,
            timeout: shared.notify_timeout(),
            only_200: false,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Notification {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Sets the body, as sent (and signed).
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Notification {
        self.body = body.into();
        self
    }
}

/// One attempt, as the notification log shows it (`GET /_sandbox/notifications`).
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// Order in the log.
    pub seq: u64,
    /// Who sent it.
    pub provider: Provider,
    /// The payment or payout it is about.
    pub subject: String,
    /// The event.
    pub event: String,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The receiver.
    pub url: String,
    /// 1 for the first try; 0 when a fault dropped it.
    pub attempt: u32,
    /// True for the copy a `duplicate` fault added.
    pub duplicate: bool,
    /// True when a `drop` fault kept it from leaving.
    pub dropped: bool,
    /// The receiver's HTTP status.
    pub status: Option<u16>,
    /// Why no status (timeout, refused...).
    pub error: Option<String>,
    /// True when the provider counts it as delivered.
    pub delivered: bool,
    /// When it was attempted.
    pub at: String,
    /// Headers sent.
    pub headers: Vec<(String, String)>,
    /// Body sent, as text.
    pub body: String,
}

#[derive(Debug, Default)]
struct Book {
    log: Vec<Delivery>,
    seq: u64,
    /// Per subject, the signal that the previous notification's first try is over.
    tails: HashMap<String, oneshot::Receiver<()>>,
    /// Per subject, notifications a `reorder` fault holds back, and whether each is the
    /// copy a `duplicate` fault added.
    held: HashMap<String, Vec<(Notification, bool)>>,
}

/// Sends notifications. Cheap to clone; clones share the log.
#[derive(Debug, Clone)]
pub struct Notifier {
    client: reqwest::Client,
    book: Arc<Mutex<Book>>,
    shutdown: watch::Receiver<bool>,
}

impl Notifier {
    /// A notifier that stops retrying when `shutdown` turns true.
    pub fn new(shutdown: watch::Receiver<bool>) -> Notifier {
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Notifier {
            client,
            book: Arc::new(Mutex::new(Book::default())),
            shutdown,
        }
    }

    /// Every attempt so far.
    pub fn log(&self) -> Vec<Delivery> {
        lock(&self.book).log.clone()
    }

    /// Forgets the log (and anything held back).
    pub fn clear_log(&self) {
        let mut book = lock(&self.book);
        book.log.clear();
        book.held.clear();
    }

    /// Sends a notification as `plan` says.
    pub fn dispatch(&self, notification: Notification, plan: NotificationPlan) {
        if plan.drop {
            self.record(
                &notification,
                0,
                false,
                true,
                Err("dropped by a fault".to_owned()),
            );
            return;
        }
        let copies: &[bool] = if plan.duplicate {
            &[false, true]
        } else {
            &[false]
        };
        for &duplicate in copies {
            let notification = notification.clone();
            if let Some(hold) = plan.reorder {
                self.hold(notification, duplicate, hold);
            } else if !plan.delay.is_zero() {
                let this = self.clone();
                let delay = plan.delay;
                self.spawn(async move {
                    tokio::time::sleep(delay).await;
                    this.deliver(notification, duplicate, None).await;
                });
            } else {
                let previous = {
                    let mut book = lock(&self.book);
                    let (done, next_tail) = oneshot::channel();
                    let previous = book.tails.insert(notification.subject.clone(), next_tail);
                    (previous, done)
                };
                let this = self.clone();
                self.spawn(async move {
                    let (previous, done) = previous;
                    if let Some(previous) = previous {
                        // Err means the previous task ended without signalling: go on.
                        let _ = previous.await;
                    }
                    this.deliver(notification, duplicate, Some(done)).await;
                });
            }
        }
    }

    /// Holds a notification back until another one about the same subject has gone
    /// out, or `longest` passed.
    fn hold(&self, notification: Notification, duplicate: bool, longest: Duration) {
        let subject = notification.subject.clone();
        lock(&self.book)
            .held
            .entry(subject.clone())
            .or_default()
            .push((notification, duplicate));
        let this = self.clone();
        self.spawn(async move {
            tokio::time::sleep(longest).await;
            this.release(&subject);
        });
    }

    /// Sends what was held back about `subject`.
    fn release(&self, subject: &str) {
        let held = lock(&self.book).held.remove(subject).unwrap_or_default();
        for (notification, duplicate) in held {
            let this = self.clone();
            self.spawn(async move { this.deliver(notification, duplicate, None).await });
        }
    }

    /// Tries, and retries as the provider does. `first_done` is signalled after the
    /// first try, letting the next notification about the subject go.
    async fn deliver(
        &self,
        notification: Notification,
        duplicate: bool,
        mut first_done: Option<oneshot::Sender<()>>,
    ) {
        let tries = notification.retries.saturating_add(1);
        for attempt in 1..=tries {
            let result = self.attempt(&notification).await;
            let delivered = match &result {
                Ok(status) if notification.only_200 => *status == 200,
                Ok(status) => (200..300).contains(status),
                Err(_) => false,
            };
            self.record(&notification, attempt, duplicate, false, result);
            if let Some(done) = first_done.take() {
                let _ = done.send(());
                self.release(&notification.subject);
            }
            if delivered || attempt == tries || *self.shutdown.borrow() {
                return;
            }
            tokio::time::sleep(notification.retry_every).await;
        }
    }

    async fn attempt(&self, notification: &Notification) -> Result<u16, String> {
        let method = match notification.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut request = self
            .client
            .request(method, &notification.url)
            .timeout(notification.timeout);
        for (name, value) in &notification.headers {
            request = request.header(name, value);
        }
        if notification.method == Method::Post {
            request = request.body(notification.body.clone());
        }
        match request.send().await {
            Ok(response) => Ok(response.status().as_u16()),
            Err(error) if error.is_timeout() => Err("timeout".to_owned()),
            Err(error) if error.is_connect() => Err("connection refused".to_owned()),
            Err(_) => Err("network error".to_owned()),
        }
    }

    fn record(
        &self,
        notification: &Notification,
        attempt: u32,
        duplicate: bool,
        dropped: bool,
        result: Result<u16, String>,
    ) {
        let (status, error) = match result {
            Ok(status) => (Some(status), None),
            Err(why) => (None, Some(why)),
        };
        let delivered = match status {
            Some(status) if notification.only_200 => status == 200,
            Some(status) => (200..300).contains(&status),
            None => false,
        };
        let mut book = lock(&self.book);
        book.seq += 1;
        let seq = book.seq;
        book.log.push(Delivery {
            seq,
            provider: notification.provider,
            subject: notification.subject.clone(),
            event: notification.event.clone(),
            method: notification.method.as_str(),
            url: notification.url.clone(),
            attempt,
            duplicate,
            dropped,
            status,
            error,
            delivered,
            at: UtcTime::from_system(SystemTime::now()).iso_millis(),
            headers: notification.headers.clone(),
            body: String::from_utf8_lossy(&notification.body).into_owned(),
        });
    }

    /// Runs a delivery task that gives up when the sandbox stops.
    fn spawn(&self, work: impl std::future::Future<Output = ()> + Send + 'static) {
        let mut shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = work => {}
                _ = shutdown.wait_for(|stopped| *stopped) => {}
            }
        });
    }
}

/// Sends a notification through the run's notification faults.
pub fn send(shared: &Shared, notification: Notification) {
    let plan = lock(&shared.faults).plan_notification(notification.provider);
    shared.notifier.dispatch(notification, plan);
}
