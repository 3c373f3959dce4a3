//! Delivering events to the merchant's endpoints (`GUICHET_WEBHOOK_URL`), at least once.
//!
//! Each event waits in the ledger (the outbox) until every endpoint answered a 2xx within
//! the transport's deadline. An attempt that fails is tried again later on a fixed
//! schedule with jitter, about three days in all; every attempt carries the event's own
//! `webhook-id`, so the merchant deduplicates. One deliverer at a time holds an event (a
//! short lease in the ledger), so the sweep and the request that wrote the event do not
//! both send it.
//!
//! Delivery never runs inside a provider's notification or a shopper's request: the
//! runtime binding runs [`deliver_due`] after the answer is sent (`ctx.waitUntil` on
//! Workers, a task after the response on Node and Deno) and in every sweep.

use std::cell::Cell;

use crate::http::{redact_url, HttpRequest, Method, Transport};

use super::context::{Edge, Effects};
use super::ledger::{DeliveryState, Ledger, LedgerError, StoredEvent};
use super::runtime::Runtime;

/// The pauses between attempts, in units of `GUICHET_WEBHOOK_RETRY_BASE` seconds (5 by
/// default): 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, then 12 h five times;
/// 15 attempts over about 3 days and 3 hours.
pub const SCHEDULE: [u64; 14] = [
    1, 6, 24, 120, 360, 720, 1440, 2880, 5760, 8640, 8640, 8640, 8640, 8640,
];

/// Seconds one deliverer holds an event before another may try it.
const LEASE_SECS: u64 = 60;

thread_local! {
    /// Set when a request wrote an event, so the binding delivers after answering.
    static WOKEN: Cell<bool> = const { Cell::new(false) };
}

/// Notes that an event was written during this request.
pub fn wake() {
    WOKEN.with(|w| w.set(true));
}

/// True (once) when an event was written since the last call.
pub fn take_wake() -> bool {
    WOKEN.with(|w| w.replace(false))
}

/// The pause after `attempts` failed attempts, jitter included (up to a fifth more);
/// `None` once the schedule is spent.
pub fn pause_after(base_secs: u64, attempts: u32) -> Option<u64> {
    let step = *SCHEDULE.get((attempts as usize).checked_sub(1)?)?;
    let pause = base_secs.saturating_mul(step);
    let mut byte = [0u8; 1];
    let jitter = match getrandom::getrandom(&mut byte) {
        Ok(()) => pause * u64::from(byte[0]) / (5 * 255),
        Err(_) => pause / 10,
    };
    Some(pause + jitter)
}

/// A short tag naming an endpoint in the ledger without storing its URL (which may hold
/// a credential): the first 8 hex digits of its SHA-256.
pub fn endpoint_tag(url: &str) -> String {
    use sha2::{Digest, Sha256};
    crate::signature::encode_hex(&Sha256::digest(url.as_bytes())[..4])
}

/// What one delivery run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Deliveries {
    /// Events tried.
    pub attempted: u64,
    /// Events now delivered to every endpoint.
    pub delivered: u64,
    /// Events that failed somewhere and wait for another attempt.
    pub retrying: u64,
    /// Events whose schedule is spent.
    pub abandoned: u64,
}

/// Delivers up to `limit` events that are due. Does nothing when no endpoint or no
/// secret is set.
pub async fn deliver_due(
    edge: &Edge<'_, impl Effects>,
    limit: u32,
) -> Result<Deliveries, LedgerError> {
    let mut done = Deliveries::default();
    let webhooks = &edge.config.webhooks;
    let Some(Ok(signer)) = webhooks.signer.as_ref() else {
        return Ok(done);
    };
    if webhooks.urls.is_empty() {
        return Ok(done);
    }
    let now = edge.runtime.now();
    for event in edge.ledger.due_events(now, limit).await? {
        let Some(seen) = event.next_attempt_at else {
            continue;
        };
        if !edge
            .ledger
            .lease_event(&event.id, seen, now + LEASE_SECS)
            .await?
        {
            continue;
        }
        done.attempted += 1;
        let state = attempt(edge, signer, &event).await;
        match (&state.next_attempt_at, &state.last_error) {
            (None, None) => done.delivered += 1,
            (Some(_), _) => done.retrying += 1,
            (None, Some(_)) => done.abandoned += 1,
        }
        edge.ledger.record_delivery(&event.id, &state).await?;
    }
    Ok(done)
}

/// One attempt of one event to every endpoint that has not answered 2xx yet.
async fn attempt(
    edge: &Edge<'_, impl Effects>,
    signer: &super::standard_webhooks::WebhookSigner,
    event: &StoredEvent,
) -> DeliveryState {
    let webhooks = &edge.config.webhooks;
    let mut delivered: Vec<String> = Vec::new();
    for tag in event.delivered_to.split(',') {
        if !tag.is_empty() {
            delivered.push(tag.to_owned());
        }
    }
    let mut failure = None;
    for url in &webhooks.urls {
        let tag = endpoint_tag(url);
        if delivered.contains(&tag) {
            continue;
        }
        let signed = signer.sign(&event.id, edge.runtime.now(), event.payload.as_bytes());
        let mut request = HttpRequest::new(Method::Post, url.as_str())
            .header("content-type", "application/json")
            .header("user-agent", format!("Guichet-Webhooks/{}", crate::VERSION))
            .body(event.payload.as_bytes().to_vec());
        request.headers.extend(signed.pairs());
        match edge.transport.send(&request).await {
            Ok(answer) if (200..300).contains(&answer.status) => delivered.push(tag),
            Ok(answer) => {
                failure = Some(format!(
                    "{} answered {}",
                    redact_url(url),
                    u64::from(answer.status)
                ));
            }
            Err(error) => failure = Some(format!("{}: {error}", redact_url(url))),
        }
    }
    let attempts = event.attempts + 1;
    let delivered_to = crate::http::text::join(&delivered, ",");
    // Delivered everywhere; or tried again after a pause; or, the schedule spent, given up.
    let (next_attempt_at, last_error) = match failure {
        None => (None, None),
        Some(why) => match pause_after(webhooks.retry_base, attempts) {
            Some(pause) => (Some(edge.runtime.now() + pause), Some(why)),
            None => (
                None,
                Some(format!("gave up after {attempts} attempts: {why}")),
            ),
        },
    };
    DeliveryState {
        attempts,
        next_attempt_at,
        delivered_to,
        last_error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_spans_about_three_days_and_ends() {
        let total: u64 = (1..=SCHEDULE.len() as u32).map(|n| base_pause(5, n)).sum();
        assert!((3 * 86_400..4 * 86_400).contains(&total), "{total}");
        assert_eq!(pause_after(5, SCHEDULE.len() as u32 + 1), None);
        assert_eq!(pause_after(5, 0), None);
        let first = pause_after(5, 1).expect("a pause");
        assert!((5..=6).contains(&first), "{first}");
        assert_eq!(pause_after(0, 3), Some(0));
    }

    fn base_pause(base: u64, attempts: u32) -> u64 {
        base * SCHEDULE[attempts as usize - 1]
    }

    #[test]
    fn endpoints_are_named_without_their_url() {
        let tag = endpoint_tag("https://shop.ci/hooks?key=secret");
        assert_eq!(tag.len(), 8);
        assert_ne!(tag, endpoint_tag("https://shop.ci/other"));
    }
}
