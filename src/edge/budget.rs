//! How often the backend may call a provider, per isolate, so that no visitor can spend
//! the merchant's rate limit (Moneroo publishes 120 requests a minute, then answers 429
//! for a minute: checkout would stop for the whole shop).
//!
//! Two rules, both kept in the isolate's memory (an isolate is one thread):
//!
//! - **A budget per provider** ([`spend`]): status calls (shoppers' reads, the sweep,
//!   notifications) may use [`per_minute`] calls in any sliding minute, below the
//!   published limit; payment creations and payout sends are counted in it
//!   ([`record`]) but never refused by it, so the room left above the budget stays for
//!   them. Past the budget a read answers from the ledger (the last known status) and a
//!   notification asks the provider to deliver again later.
//! - **One status call per session every [`SESSION_INTERVAL_MS`]** ([`status_turn`]):
//!   reads of one session in between answer from the ledger, and reads that arrive while
//!   a call is in flight wait for it and share its answer.
//!
//! The sweep draws on the same budget (its status calls go through the same
//! [`spend`]) and asks a provider only while more than [`SWEEP_RESERVE`] calls of the
//! minute are left ([`room`]), so shoppers' reads and notifications keep their share.
//!
//! Several isolates (or Node processes) each keep their own count: a shop that runs many
//! of them divides the budget by their number with `per_minute`'s caller in mind.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::rc::Rc;

use serde_json::{Map, Value};

use crate::domain::Provider;

/// The shortest time between two status calls for one session.
pub const SESSION_INTERVAL_MS: u64 = 3_000;

/// Sessions remembered at most; past it, the ones whose interval is over are forgotten.
const SESSIONS_REMEMBERED: usize = 4_096;

const MINUTE_MS: u64 = 60_000;

/// Calls a minute that status reads may use with `provider`: below each published limit
/// (Moneroo: 120), leaving room for payment creations.
pub fn per_minute(provider: Provider) -> usize {
    match provider {
        Provider::Moneroo | Provider::CinetPay | Provider::MoneyFusion => 100,
    }
}

/// Calls of a provider's sliding minute that the sweep leaves to shoppers' reads and
/// notifications.
pub const SWEEP_RESERVE: usize = 25;

thread_local! {
    /// Per provider, the times (ms) of the last calls in the sliding minute, at most
    /// `per_minute` of them.
    /// Indexed by `Provider as usize`: one window per provider, no map needed. Oldest
    /// first, in a `Vec` (100 times at most, moved down when the oldest go), not a
    /// `VecDeque`, whose ring code the edge has no other use for.
    static CALLS: RefCell<[Vec<u64>; Provider::ALL.len()]> = RefCell::default();
    /// Per session, its last status call and the one in flight.
    static SESSIONS: RefCell<Sessions> = RefCell::new(Sessions {
        last_read: Map::new(),
        in_flight: Vec::new(),
    });
}

/// What the isolate remembers of each session's status calls (one thread-local, read once
/// per decision).
struct Sessions {
    /// When its last status call started (ms, as a JSON number): serde_json's map type,
    /// the B-tree the edge has anyway, so that no `HashMap` (hashbrown and SipHash) is
    /// compiled for it.
    last_read: Map<String, Value>,
    /// The status calls in flight: a few at a time (one per session being read while its
    /// provider answers), searched in order.
    in_flight: Vec<(String, Rc<Flight>)>,
}

/// Takes one call from `provider`'s budget at `now_ms`; false, taking nothing, when the
/// budget of the sliding minute is spent.
pub fn spend(provider: Provider, now_ms: u64) -> bool {
    let limit = per_minute(provider);
    window(provider, now_ms, |window| {
        if window.len() >= limit {
            return false;
        }
        window.push(now_ms);
        true
    })
}

/// Status calls `provider`'s budget still allows in the sliding minute at `now_ms`.
pub fn room(provider: Provider, now_ms: u64) -> usize {
    per_minute(provider).saturating_sub(window(provider, now_ms, |window| window.len()))
}

/// Counts a call that must not be refused (a payment creation, a payout send).
pub fn record(provider: Provider, now_ms: u64) {
    let limit = per_minute(provider);
    window(provider, now_ms, |window| {
        // Full means spent: dropping the oldest keeps it full and the list bounded.
        if window.len() >= limit {
            window.remove(0);
        }
        window.push(now_ms);
    });
}

/// `provider`'s calls of the sliding minute at `now_ms`, given to `with`.
fn window<R>(provider: Provider, now_ms: u64, with: impl FnOnce(&mut Vec<u64>) -> R) -> R {
    CALLS.with(|calls| {
        let window = &mut calls.borrow_mut()[provider as usize];
        forget_before(window, now_ms);
        with(window)
    })
}

fn forget_before(window: &mut Vec<u64>, now_ms: u64) {
    let over = window
        .iter()
        .take_while(|t| now_ms.saturating_sub(**t) >= MINUTE_MS)
        .count();
    window.copy_within(over.., 0);
    window.truncate(window.len() - over);
}

/// What a read of a session that is not final may do about the provider.
pub enum StatusTurn {
    /// Call the provider; the call counts as in flight until the ticket is dropped.
    Call(Ticket),
    /// Another read is calling now: wait for it, then read the ledger.
    Wait(FlightDone),
    /// A call was made less than [`SESSION_INTERVAL_MS`] ago: read the ledger.
    Recent,
}

/// Decides whether a read of `session_id` at `now_ms` calls its provider.
pub fn status_turn(session_id: &str, now_ms: u64) -> StatusTurn {
    SESSIONS.with(|sessions| {
        let Sessions {
            last_read,
            in_flight,
        } = &mut *sessions.borrow_mut();
        for (id, flight) in in_flight.iter() {
            if id == session_id {
                return StatusTurn::Wait(FlightDone(Rc::clone(flight)));
            }
        }
        let within =
            |t: &Value| now_ms.saturating_sub(t.as_u64().unwrap_or(0)) < SESSION_INTERVAL_MS;
        if last_read.get(session_id).is_some_and(within) {
            return StatusTurn::Recent;
        }
        if last_read.len() >= SESSIONS_REMEMBERED {
            let mut over = Vec::new();
            for (id, t) in last_read.iter() {
                if !within(t) {
                    over.push(id.clone());
                }
            }
            for id in &over {
                last_read.remove(id.as_str());
            }
            if last_read.len() >= SESSIONS_REMEMBERED {
                last_read.clear();
            }
        }
        last_read.insert(session_id.to_owned(), Value::from(now_ms));
        let flight = Rc::new(Flight::default());
        in_flight.push((session_id.to_owned(), Rc::clone(&flight)));
        StatusTurn::Call(Ticket {
            session_id: session_id.to_owned(),
            flight,
        })
    })
}

/// The right to make a session's status call; dropping it (the call answered or failed)
/// lets the reads waiting on it go on.
pub struct Ticket {
    session_id: String,
    flight: Rc<Flight>,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        SESSIONS.with(|sessions| {
            let flights = &mut sessions.borrow_mut().in_flight;
            if let Some(at) = flights.iter().position(|(id, _)| *id == self.session_id) {
                flights.swap_remove(at);
            }
        });
        self.flight.done.set(true);
        let waiting = core::mem::take(&mut *self.flight.waiting.borrow_mut());
        for waker in &waiting {
            waker.wake_by_ref();
        }
    }
}

#[derive(Default)]
struct Flight {
    done: Cell<bool>,
    waiting: RefCell<Vec<Waker>>,
}

/// Resolves when the status call in flight is over.
pub struct FlightDone(Rc<Flight>);

impl Future for FlightDone {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.done.get() {
            return Poll::Ready(());
        }
        let mut waiting = self.0.waiting.borrow_mut();
        if !waiting.iter().any(|w| w.will_wake(cx.waker())) {
            waiting.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_refuses_reads_past_its_minute_and_frees_up_after() {
        let start = 1_000_000_000;
        let spent = (0..150)
            .filter(|i| spend(Provider::Moneroo, start + i * 10))
            .count();
        assert_eq!(spent, per_minute(Provider::Moneroo));
        assert!(!spend(Provider::Moneroo, start + 59_000));
        assert!(spend(Provider::Moneroo, start + 60_000));
        // Other providers have their own.
        assert!(spend(Provider::CinetPay, start + 59_000));
    }

    #[test]
    fn room_is_what_the_minute_has_left_and_spends_nothing() {
        let start = 3_000_000_000;
        assert_eq!(
            room(Provider::CinetPay, start),
            per_minute(Provider::CinetPay)
        );
        for i in 0..30 {
            record(Provider::CinetPay, start + i);
        }
        assert!(spend(Provider::CinetPay, start + 40));
        assert_eq!(
            room(Provider::CinetPay, start + 50),
            per_minute(Provider::CinetPay) - 31
        );
        assert_eq!(
            room(Provider::CinetPay, start + 50),
            per_minute(Provider::CinetPay) - 31
        );
        assert_eq!(
            room(Provider::CinetPay, start + 60_040),
            per_minute(Provider::CinetPay)
        );
    }

    #[test]
    fn creations_count_but_are_never_refused() {
        let start = 2_000_000_000;
        for i in 0..200 {
            record(Provider::MoneyFusion, start + i);
        }
        assert!(!spend(Provider::MoneyFusion, start + 300));
        assert!(CALLS.with(|c| c.borrow()[Provider::MoneyFusion as usize].len()) <= 100);
    }

    #[test]
    fn a_full_memory_forgets_the_sessions_whose_interval_is_over_first() {
        let now = 9_000_000;
        let call = |id: &str, at: u64| match status_turn(id, at) {
            StatusTurn::Call(ticket) => drop(ticket),
            _ => panic!("{id} at {at} should call"),
        };
        for i in 0..SESSIONS_REMEMBERED - 96 {
            call(&format!("old-{i}"), now);
        }
        for i in 0..96 {
            call(&format!("new-{i}"), now + 2_000);
        }
        // Full: the old ones (3.5 s ago) go, the new ones (1.5 s ago) stay.
        call("next", now + 3_500);
        assert!(matches!(
            status_turn("new-7", now + 3_600),
            StatusTurn::Recent
        ));
        call("old-7", now + 3_600);
        // Full of sessions still within their interval: all are forgotten.
        for i in 0..SESSIONS_REMEMBERED {
            call(&format!("late-{i}"), now + 10_000);
        }
        call("last", now + 10_001);
        call("late-3", now + 10_002);
        assert!(matches!(
            status_turn("last", now + 10_003),
            StatusTurn::Recent
        ));
    }

    #[test]
    fn one_status_call_per_session_per_interval_and_readers_wait_for_it() {
        let now = 5_000_000;
        let StatusTurn::Call(ticket) = status_turn("gs-a", now) else {
            panic!("the first read calls");
        };
        let StatusTurn::Wait(mut done) = status_turn("gs-a", now + 1) else {
            panic!("a read during the call waits");
        };
        let mut cx = Context::from_waker(Waker::noop());
        assert!(Pin::new(&mut done).poll(&mut cx).is_pending());
        drop(ticket);
        assert!(Pin::new(&mut done).poll(&mut cx).is_ready());
        assert!(matches!(status_turn("gs-a", now + 2), StatusTurn::Recent));
        assert!(matches!(status_turn("gs-b", now + 2), StatusTurn::Call(_)));
        assert!(matches!(
            status_turn("gs-a", now + SESSION_INTERVAL_MS),
            StatusTurn::Call(_)
        ));
    }
}
