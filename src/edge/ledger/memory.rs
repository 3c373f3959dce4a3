//! The in-memory ledger, for the demo and tests (`GUICHET_LEDGER=memory`). It lives as
//! long as the worker's isolate (or the Node/Deno process), so a restart forgets
//! everything: never for real money.
//!
//! Records sit in vectors in the order written; every lookup and every ordering (the
//! ordered queries, [`first`]) goes through one map type, [`Index`]: each distinct
//! `BTreeMap<K, V>` or sort key type is its own copy of that code in the wasm (issue #18
//! rounds 5, 6 and 9, bench/PROFILE.md).

use core::future::{ready, Future, Ready};
use std::cell::RefCell;
use std::collections::BTreeMap;

use serde_json::Value;

use super::{
    Applied, DeliveryState, EventRecord, Ledger, LedgerError, NewEvent, OrderInsert, OrderRecord,
    PayoutChange, PayoutClaim, PayoutRecord, Recheck, SessionRecord, StatusChange, StoredEvent,
    Subject,
};
use crate::domain::{PaymentStatus, Provider};
use crate::signature::encode_hex;

/// The ledger's only map type: a text key to a position in one of the vectors (or, for
/// `checked`, a time; for the sets of event keys, 0). Iterating it goes in key order.
///
/// The numbers are kept as JSON numbers so that the map is serde_json's own map type
/// (`BTreeMap<String, Value>`), whose B-tree the edge compiles anyway: a
/// `BTreeMap<String, u64>` was one more copy of it, about 8 KB of the wasm.
#[derive(Default)]
struct Index(BTreeMap<String, Value>);

impl Index {
    fn get(&self, key: &str) -> Option<u64> {
        self.0.get(key).and_then(Value::as_u64)
    }

    fn contains_key(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    fn insert(&mut self, key: String, value: u64) {
        self.0.insert(key, value.into());
    }

    /// Inserts `value` unless `key` holds one already: true when inserted. One walk
    /// of the tree for the check and the insert.
    fn insert_new(&mut self, key: String, value: u64) -> bool {
        match self.0.entry(key) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(value.into());
                true
            }
            std::collections::btree_map::Entry::Occupied(_) => false,
        }
    }

    fn remove(&mut self, key: &str) -> Option<u64> {
        self.0.remove(key).as_ref().and_then(Value::as_u64)
    }

    /// The values in key order: the B-tree's walk compiled once, here, rather than
    /// inlined into every query that walks an index.
    #[inline(never)]
    fn positions(&self) -> Vec<usize> {
        let mut positions = Vec::with_capacity(self.0.len());
        for value in self.0.values() {
            if let Some(at) = value.as_u64() {
                positions.push(at as usize);
            }
        }
        positions
    }
}

#[derive(Default)]
struct Books {
    sessions: Vec<SessionRecord>,
    /// Position in `sessions` by session id.
    session_ids: Index,
    /// The session that first took each provider reference ([`ref_key`]): the lookup of
    /// every notification and every new session's uniqueness check, without a scan of all
    /// the sessions (which made `POST /sessions` slower as the ledger grew).
    session_refs: Index,
    events: Vec<EventRecord>,
    event_keys: Index,
    orders: Vec<OrderRecord>,
    /// Position in `orders` by order id.
    order_ids: Index,
    payouts: Vec<PayoutRecord>,
    /// Position in `payouts` by payout id.
    payout_ids: Index,
    payout_event_keys: Index,
    /// The merchant's events, in the order written (seq = index + 1).
    outbox: Vec<StoredEvent>,
    /// Notification marks.
    rechecks: Vec<Recheck>,
    /// Position in `rechecks` by (subject, provider, key) ([`recheck_key`]).
    recheck_keys: Index,
    /// When the sweep last asked about a session or payout, by [`checked_key`].
    checked: Index,
}

/// A provider reference's key in `session_refs`.
fn ref_key(provider: Provider, provider_ref: &str) -> String {
    let mut key = String::with_capacity(provider_ref.len() + 2);
    key.push((b'0' + provider as u8) as char);
    key.push('\0');
    key.push_str(provider_ref);
    key
}

/// A mark's key in `recheck_keys`, ordered as (subject, provider, key) are: subject names
/// sort as the enum does ("payment" < "payout"), providers by their place in the enum.
fn recheck_key(mark: &Recheck) -> String {
    let mut key = checked_key(mark.subject, "");
    key.push((b'0' + mark.provider as u8) as char);
    key.push('\0');
    key.push_str(mark.key());
    key
}

/// A session's or payout's key in `checked`.
fn checked_key(subject: Subject, id: &str) -> String {
    let mut key = String::with_capacity(id.len() + 8);
    key.push_str(subject.as_str());
    key.push('\0');
    key.push_str(id);
    key
}

/// The positions (third field) of the first `limit` of `keyed` by their key (the first
/// two), equal keys in the order given (what a stable sort does). No sort: each entry
/// goes into an [`Index`] under its key and its rank written as fixed-width hex, whose
/// text order is the numbers' order, and the index's walk gives them back in order (the
/// B-tree is compiled anyway; a sort was 3 KB of the wasm, issue #18 round 9).
fn first(keyed: Vec<(u64, u64, usize)>, limit: usize) -> Vec<usize> {
    let mut order = Index::default();
    for (rank, (a, b, at)) in keyed.into_iter().enumerate() {
        let mut key = [0u8; 24];
        key[..8].copy_from_slice(&a.to_be_bytes());
        key[8..16].copy_from_slice(&b.to_be_bytes());
        key[16..].copy_from_slice(&(rank as u64).to_be_bytes());
        order.insert(encode_hex(&key), at as u64);
    }
    let mut positions = order.positions();
    positions.truncate(limit);
    positions
}

/// Copies of the records of `records` that [`first`] picks from `keyed`, in its order.
fn first_of<T: Clone>(records: &[T], keyed: Vec<(u64, u64, usize)>, limit: usize) -> Vec<T> {
    let mut out = Vec::new();
    for at in first(keyed, limit) {
        out.push(records[at].clone());
    }
    out
}

impl Books {
    /// Writes `event` unless its subject has one already.
    fn announce(&mut self, event: Option<&NewEvent>) {
        let Some(event) = event else {
            return;
        };
        if self.outbox.iter().any(|e| e.subject_id == event.subject_id) {
            return;
        }
        self.outbox.push(StoredEvent {
            seq: self.outbox.len() as u64 + 1,
            id: event.id.clone(),
            event_type: event.event_type.clone(),
            subject_id: event.subject_id.clone(),
            payload: event.payload.clone(),
            created_at: event.created_at,
            attempts: 0,
            next_attempt_at: Some(event.created_at),
            delivered_to: String::new(),
            last_error: None,
        });
    }

    /// Notes that the session at `at` holds `provider_ref`, unless an earlier session took it.
    fn take_ref(&mut self, provider: Provider, provider_ref: &str, at: u64) {
        self.session_refs
            .insert_new(ref_key(provider, provider_ref), at);
    }

    fn checked_at(&self, subject: Subject, id: &str) -> u64 {
        self.checked.get(&checked_key(subject, id)).unwrap_or(0)
    }

    /// Where session `id` is. The last one written is found without a walk of the index:
    /// it is the one `POST /sessions` asks for next (its payment is attached right after
    /// it is written), and ids are unique, so its place is what the index holds.
    fn session_at(&self, id: &str) -> Option<usize> {
        match self.sessions.last() {
            Some(last) if last.id == id => Some(self.sessions.len() - 1),
            _ => self.session_ids.get(id).map(|at| at as usize),
        }
    }

    fn payout_at(&self, id: &str) -> Option<usize> {
        self.payout_ids.get(id).map(|at| at as usize)
    }
}

/// A method's answer, worked out when the method is called: the memory ledger never
/// waits, so each method returns a ready future rather than being an `async fn` (a state
/// machine each in the wasm). Every caller awaits the future at once.
fn answer<T>(work: impl FnOnce() -> T) -> Ready<T> {
    ready(work())
}

/// A ledger in the isolate's memory.
#[derive(Default)]
pub struct MemoryLedger {
    books: RefCell<Books>,
}

impl MemoryLedger {
    /// An empty ledger.
    pub fn new() -> MemoryLedger {
        MemoryLedger::default()
    }
}

impl Ledger for MemoryLedger {
    fn kind(&self) -> &'static str {
        "memory"
    }

    fn create_session(
        &self,
        session: &SessionRecord,
    ) -> impl Future<Output = Result<(), LedgerError>> {
        answer(|| {
            let mut books = self.books.borrow_mut();
            let at = books.sessions.len() as u64;
            if !books.session_ids.insert_new(session.id.clone(), at) {
                return Err(LedgerError(format!("session {} exists", session.id)));
            }
            if let Some(provider_ref) = &session.provider_ref {
                books.take_ref(session.provider, provider_ref, at);
            }
            books.sessions.push(session.clone());
            Ok(())
        })
    }

    fn session(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<SessionRecord>, LedgerError>> {
        answer(|| {
            let books = self.books.borrow();
            Ok(books.session_at(id).map(|at| books.sessions[at].clone()))
        })
    }

    fn session_by_provider_ref(
        &self,
        provider: Provider,
        provider_ref: &str,
    ) -> impl Future<Output = Result<Option<SessionRecord>, LedgerError>> {
        answer(|| {
            let books = self.books.borrow();
            Ok(books
                .session_refs
                .get(&ref_key(provider, provider_ref))
                .map(|at| books.sessions[at as usize].clone()))
        })
    }

    fn attach_payment(
        &self,
        id: &str,
        provider_ref: &str,
        checkout_url: &str,
        at: u64,
    ) -> impl Future<Output = Result<bool, LedgerError>> {
        answer(|| {
            let mut books = self.books.borrow_mut();
            let Some(position) = books.session_at(id) else {
                return Err(LedgerError(format!("no session {id}")));
            };
            let session = &mut books.sessions[position];
            if session.provider_ref.is_some() {
                return Ok(false);
            }
            session.provider_ref = Some(provider_ref.to_owned());
            session.checkout_url = Some(checkout_url.to_owned());
            session.updated_at = at;
            let provider = session.provider;
            books.take_ref(provider, provider_ref, position as u64);
            Ok(true)
        })
    }

    fn apply(
        &self,
        session_id: &str,
        change: &StatusChange,
        event: Option<&NewEvent>,
    ) -> impl Future<Output = Result<Applied, LedgerError>> {
        answer(|| {
            let mut books = self.books.borrow_mut();
            if books.event_keys.contains_key(&change.event_key) {
                return Ok(Applied::Duplicate);
            }
            let Some(position) = books.session_at(session_id) else {
                return Err(LedgerError(format!("no session {session_id}")));
            };
            let session = &mut books.sessions[position];
            let applied = Applied::after(session.status, change.status);
            let finished = matches!(applied, Applied::Moved(_, to) if to.is_final());
            if !matches!(applied, Applied::Refused(_)) {
                session.status = change.status;
                session.provider_status = Some(change.provider_status.clone());
                if change.paid_amount.is_some() {
                    session.paid_amount = change.paid_amount;
                }
                session.updated_at = change.at;
            }
            books.event_keys.insert(change.event_key.clone(), 0);
            books.events.push(EventRecord {
                event_key: change.event_key.clone(),
                session_id: session_id.to_owned(),
                source: change.source,
                status: change.status,
                provider_status: change.provider_status.clone(),
                moved: matches!(applied, Applied::Moved(..)),
                at: change.at,
            });
            if finished {
                books.announce(event);
            }
            Ok(applied)
        })
    }

    fn events(
        &self,
        session_id: &str,
    ) -> impl Future<Output = Result<Vec<EventRecord>, LedgerError>> {
        answer(|| {
            let mut found = Vec::new();
            for e in &self.books.borrow().events {
                if e.session_id == session_id {
                    found.push(e.clone());
                }
            }
            Ok(found)
        })
    }

    fn order_is_paid(&self, order_id: &str) -> impl Future<Output = Result<bool, LedgerError>> {
        answer(|| {
            Ok(self.books.borrow().sessions.iter().any(|s| {
                s.order_id.as_deref() == Some(order_id) && s.status == PaymentStatus::Succeeded
            }))
        })
    }

    fn create_order(
        &self,
        order: &OrderRecord,
    ) -> impl Future<Output = Result<OrderInsert, LedgerError>> {
        answer(|| {
            let mut books = self.books.borrow_mut();
            // References are unique (this check guards every insert): any order is the one.
            if let Some(existing) = books.orders.iter().find(|o| o.reference == order.reference) {
                return Ok(OrderInsert::Existing(existing.clone()));
            }
            let at = books.orders.len() as u64;
            books.order_ids.insert(order.id.clone(), at);
            books.orders.push(order.clone());
            Ok(OrderInsert::Created)
        })
    }

    fn order(&self, id: &str) -> impl Future<Output = Result<Option<OrderRecord>, LedgerError>> {
        answer(|| {
            let books = self.books.borrow();
            Ok(books
                .order_ids
                .get(id)
                .map(|at| books.orders[at as usize].clone()))
        })
    }

    fn claim_payout(
        &self,
        payout: &PayoutRecord,
    ) -> impl Future<Output = Result<PayoutClaim, LedgerError>> {
        answer(|| {
            let mut books = self.books.borrow_mut();
            // Keys are unique (this check guards every insert): any payout is the one.
            if let Some(existing) = books
                .payouts
                .iter()
                .find(|p| p.idempotency_key == payout.idempotency_key)
            {
                return Ok(PayoutClaim::Existing(existing.clone()));
            }
            let at = books.payouts.len() as u64;
            books.payout_ids.insert(payout.id.clone(), at);
            books.payouts.push(payout.clone());
            Ok(PayoutClaim::Claimed)
        })
    }

    fn payout(&self, id: &str) -> impl Future<Output = Result<Option<PayoutRecord>, LedgerError>> {
        answer(|| {
            let books = self.books.borrow();
            Ok(books.payout_at(id).map(|at| books.payouts[at].clone()))
        })
    }

    fn payout_by_provider_ref(
        &self,
        provider: Provider,
        provider_ref: &str,
    ) -> impl Future<Output = Result<Option<PayoutRecord>, LedgerError>> {
        answer(|| {
            // The first in id order: two payouts may have been given the same provider id.
            let books = self.books.borrow();
            Ok(books
                .payout_ids
                .positions()
                .into_iter()
                .map(|at| &books.payouts[at])
                .find(|p| p.provider == provider && p.provider_ref.as_deref() == Some(provider_ref))
                .cloned())
        })
    }

    fn apply_payout(
        &self,
        payout_id: &str,
        change: &PayoutChange,
        event: Option<&NewEvent>,
    ) -> impl Future<Output = Result<Applied, LedgerError>> {
        answer(|| {
            let mut books = self.books.borrow_mut();
            if books.payout_event_keys.contains_key(&change.event_key) {
                return Ok(Applied::Duplicate);
            }
            let Some(position) = books.payout_at(payout_id) else {
                return Err(LedgerError(format!("no payout {payout_id}")));
            };
            let payout = &mut books.payouts[position];
            let applied = Applied::after(payout.status, change.status);
            if !matches!(applied, Applied::Refused(_)) {
                payout.status = change.status;
                payout.provider_status = Some(change.provider_status.clone());
                if change.provider_ref.is_some() {
                    payout.provider_ref.clone_from(&change.provider_ref);
                }
                if change.failure.is_some() {
                    payout.failure.clone_from(&change.failure);
                }
                payout.updated_at = change.at;
            }
            books.payout_event_keys.insert(change.event_key.clone(), 0);
            if matches!(applied, Applied::Moved(_, to) if to.is_final()) {
                books.announce(event);
            }
            Ok(applied)
        })
    }

    fn order_by_reference(
        &self,
        reference: &str,
    ) -> impl Future<Output = Result<Option<OrderRecord>, LedgerError>> {
        answer(|| {
            // References are unique: any order is the one.
            Ok(self
                .books
                .borrow()
                .orders
                .iter()
                .find(|o| o.reference == reference)
                .cloned())
        })
    }

    fn sessions_of_order(
        &self,
        order_id: &str,
    ) -> impl Future<Output = Result<Vec<SessionRecord>, LedgerError>> {
        answer(|| {
            // In id order, so ties on the time stay by id.
            let books = self.books.borrow();
            // Loops with `push`, here and below: no adapter chain compiled for each query.
            let mut found = Vec::new();
            for at in books.session_ids.positions() {
                let s = &books.sessions[at];
                if s.order_id.as_deref() == Some(order_id) {
                    found.push((s.created_at, 0, at));
                }
            }
            Ok(first_of(&books.sessions, found, usize::MAX))
        })
    }

    fn events_after(
        &self,
        after: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, LedgerError>> {
        answer(|| {
            // An event's seq is its place + 1: the ones after `after` start at that place.
            let books = self.books.borrow();
            let rest = &books.outbox[after.min(books.outbox.len() as u64) as usize..];
            Ok(rest[..rest.len().min(limit as usize)].to_vec())
        })
    }

    fn due_events(
        &self,
        now: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, LedgerError>> {
        answer(|| {
            let books = self.books.borrow();
            let mut due = Vec::new();
            for (position, e) in books.outbox.iter().enumerate() {
                match e.next_attempt_at {
                    Some(at) if at <= now => due.push((at, e.seq, position)),
                    _ => {}
                }
            }
            Ok(first_of(&books.outbox, due, limit as usize))
        })
    }

    fn lease_event(
        &self,
        id: &str,
        seen: u64,
        until: u64,
    ) -> impl Future<Output = Result<bool, LedgerError>> {
        answer(|| {
            let mut books = self.books.borrow_mut();
            match books
                .outbox
                .iter_mut()
                .find(|e| e.id == id && e.next_attempt_at == Some(seen))
            {
                Some(event) => {
                    event.next_attempt_at = Some(until);
                    Ok(true)
                }
                None => Ok(false),
            }
        })
    }

    fn record_delivery(
        &self,
        id: &str,
        state: &DeliveryState,
    ) -> impl Future<Output = Result<(), LedgerError>> {
        answer(|| {
            let mut books = self.books.borrow_mut();
            if let Some(event) = books.outbox.iter_mut().find(|e| e.id == id) {
                event.attempts = state.attempts;
                event.next_attempt_at = state.next_attempt_at;
                event.delivered_to.clone_from(&state.delivered_to);
                event.last_error.clone_from(&state.last_error);
            }
            Ok(())
        })
    }

    fn note_recheck(&self, mark: &Recheck) -> impl Future<Output = Result<(), LedgerError>> {
        answer(|| {
            let mut books = self.books.borrow_mut();
            let at = books.rechecks.len() as u64;
            let key = recheck_key(mark);
            match books.recheck_keys.get(&key) {
                Some(at) => books.rechecks[at as usize] = mark.clone(),
                None => {
                    books.recheck_keys.insert(key, at);
                    books.rechecks.push(mark.clone());
                }
            }
            Ok(())
        })
    }

    fn clear_recheck(&self, mark: &Recheck) -> impl Future<Output = Result<(), LedgerError>> {
        answer(|| {
            let mut books = self.books.borrow_mut();
            let Some(at) = books.recheck_keys.remove(&recheck_key(mark)) else {
                return Ok(());
            };
            books.rechecks.swap_remove(at as usize);
            // The last mark took the freed place.
            if let Some(moved) = books.rechecks.get(at as usize) {
                let key = recheck_key(moved);
                books.recheck_keys.insert(key, at);
            }
            Ok(())
        })
    }

    fn due_rechecks(
        &self,
        now: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Recheck>, LedgerError>> {
        answer(|| {
            let books = self.books.borrow();
            // In key order, so ties on the time stay in the order of (subject, provider, key).
            let mut due = Vec::new();
            for at in books.recheck_keys.positions() {
                let due_at = books.rechecks[at].due_at;
                if due_at <= now {
                    due.push((due_at, 0, at));
                }
            }
            Ok(first_of(&books.rechecks, due, limit as usize))
        })
    }

    fn sessions_to_check(
        &self,
        now: u64,
        before: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<SessionRecord>, LedgerError>> {
        answer(|| {
            let books = self.books.borrow();
            let mut due = Vec::new();
            for at in books.session_ids.positions() {
                let s = &books.sessions[at];
                if s.status != PaymentStatus::Pending {
                    continue;
                }
                let checked = books.checked_at(Subject::Payment, &s.id);
                if (s.created_at <= before && checked <= before) || s.expires_at <= now {
                    due.push((checked, s.created_at, at));
                }
            }
            Ok(first_of(&books.sessions, due, limit as usize))
        })
    }

    fn payouts_to_check(
        &self,
        before: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<PayoutRecord>, LedgerError>> {
        answer(|| {
            let books = self.books.borrow();
            let mut due = Vec::new();
            for at in books.payout_ids.positions() {
                let p = &books.payouts[at];
                if p.status != PaymentStatus::Pending {
                    continue;
                }
                let checked = books.checked_at(Subject::Payout, &p.id);
                if p.created_at <= before && checked <= before {
                    due.push((checked, p.created_at, at));
                }
            }
            Ok(first_of(&books.payouts, due, limit as usize))
        })
    }

    fn mark_checked(
        &self,
        subject: Subject,
        id: &str,
        at: u64,
    ) -> impl Future<Output = Result<(), LedgerError>> {
        answer(|| {
            self.books
                .borrow_mut()
                .checked
                .insert(checked_key(subject, id), at);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests;
