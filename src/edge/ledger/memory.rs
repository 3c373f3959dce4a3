//! The in-memory ledger, for the demo and tests (`GUICHET_LEDGER=memory`). It lives as
//! long as the worker's isolate (or the Node/Deno process), so a restart forgets
//! everything: never for real money.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use super::{
    Applied, DeliveryState, EventRecord, Ledger, LedgerError, NewEvent, OrderInsert, OrderRecord,
    PayoutChange, PayoutClaim, PayoutRecord, Recheck, SessionRecord, StatusChange, StoredEvent,
    Subject,
};
use crate::domain::{PaymentStatus, Provider};

#[derive(Default)]
struct Books {
    sessions: BTreeMap<String, SessionRecord>,
    /// The session that first took each provider reference: the lookup of every
    /// notification and every new session's uniqueness check, without a scan of all the
    /// sessions (which made `POST /sessions` slower as the ledger grew).
    session_refs: BTreeMap<(Provider, String), String>,
    events: Vec<EventRecord>,
    event_keys: BTreeSet<String>,
    orders: BTreeMap<String, OrderRecord>,
    payouts: BTreeMap<String, PayoutRecord>,
    payout_event_keys: BTreeSet<String>,
    /// The merchant's events, in the order written (seq = index + 1).
    outbox: Vec<StoredEvent>,
    /// Notification marks by (subject, provider, key).
    rechecks: BTreeMap<(&'static str, Provider, String), Recheck>,
    /// When the sweep last asked about a session or payout.
    checked: BTreeMap<(&'static str, String), u64>,
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

    /// Notes that session `id` holds `provider_ref`, unless an earlier session took it.
    fn take_ref(&mut self, provider: Provider, provider_ref: &str, id: &str) {
        self.session_refs
            .entry((provider, provider_ref.to_owned()))
            .or_insert_with(|| id.to_owned());
    }

    fn checked_at(&self, subject: Subject, id: &str) -> u64 {
        self.checked
            .get(&(subject.as_str(), id.to_owned()))
            .copied()
            .unwrap_or(0)
    }
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

    async fn create_session(&self, session: &SessionRecord) -> Result<(), LedgerError> {
        let mut books = self.books.borrow_mut();
        if books.sessions.contains_key(&session.id) {
            return Err(LedgerError(format!("session {} exists", session.id)));
        }
        if let Some(provider_ref) = &session.provider_ref {
            books.take_ref(session.provider, provider_ref, &session.id);
        }
        books.sessions.insert(session.id.clone(), session.clone());
        Ok(())
    }

    async fn session(&self, id: &str) -> Result<Option<SessionRecord>, LedgerError> {
        Ok(self.books.borrow().sessions.get(id).cloned())
    }

    async fn session_by_provider_ref(
        &self,
        provider: Provider,
        provider_ref: &str,
    ) -> Result<Option<SessionRecord>, LedgerError> {
        let books = self.books.borrow();
        Ok(books
            .session_refs
            .get(&(provider, provider_ref.to_owned()))
            .and_then(|id| books.sessions.get(id))
            .cloned())
    }

    async fn attach_payment(
        &self,
        id: &str,
        provider_ref: &str,
        checkout_url: &str,
        at: u64,
    ) -> Result<bool, LedgerError> {
        let mut books = self.books.borrow_mut();
        let Some(session) = books.sessions.get_mut(id) else {
            return Err(LedgerError(format!("no session {id}")));
        };
        if session.provider_ref.is_some() {
            return Ok(false);
        }
        session.provider_ref = Some(provider_ref.to_owned());
        session.checkout_url = Some(checkout_url.to_owned());
        session.updated_at = at;
        let provider = session.provider;
        books.take_ref(provider, provider_ref, id);
        Ok(true)
    }

    async fn apply(
        &self,
        session_id: &str,
        change: &StatusChange,
        event: Option<&NewEvent>,
    ) -> Result<Applied, LedgerError> {
        let mut books = self.books.borrow_mut();
        if books.event_keys.contains(&change.event_key) {
            return Ok(Applied::Duplicate);
        }
        let Some(session) = books.sessions.get_mut(session_id) else {
            return Err(LedgerError(format!("no session {session_id}")));
        };
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
        books.event_keys.insert(change.event_key.clone());
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
    }

    async fn events(&self, session_id: &str) -> Result<Vec<EventRecord>, LedgerError> {
        Ok(self
            .books
            .borrow()
            .events
            .iter()
            .filter(|e| e.session_id == session_id)
            .cloned()
            .collect())
    }

    async fn order_is_paid(&self, order_id: &str) -> Result<bool, LedgerError> {
        Ok(self.books.borrow().sessions.values().any(|s| {
            s.order_id.as_deref() == Some(order_id) && s.status == PaymentStatus::Succeeded
        }))
    }

    async fn create_order(&self, order: &OrderRecord) -> Result<OrderInsert, LedgerError> {
        let mut books = self.books.borrow_mut();
        if let Some(existing) = books
            .orders
            .values()
            .find(|o| o.reference == order.reference)
        {
            return Ok(OrderInsert::Existing(existing.clone()));
        }
        books.orders.insert(order.id.clone(), order.clone());
        Ok(OrderInsert::Created)
    }

    async fn order(&self, id: &str) -> Result<Option<OrderRecord>, LedgerError> {
        Ok(self.books.borrow().orders.get(id).cloned())
    }

    async fn claim_payout(&self, payout: &PayoutRecord) -> Result<PayoutClaim, LedgerError> {
        let mut books = self.books.borrow_mut();
        if let Some(existing) = books
            .payouts
            .values()
            .find(|p| p.idempotency_key == payout.idempotency_key)
        {
            return Ok(PayoutClaim::Existing(existing.clone()));
        }
        books.payouts.insert(payout.id.clone(), payout.clone());
        Ok(PayoutClaim::Claimed)
    }

    async fn payout(&self, id: &str) -> Result<Option<PayoutRecord>, LedgerError> {
        Ok(self.books.borrow().payouts.get(id).cloned())
    }

    async fn payout_by_provider_ref(
        &self,
        provider: Provider,
        provider_ref: &str,
    ) -> Result<Option<PayoutRecord>, LedgerError> {
        Ok(self
            .books
            .borrow()
            .payouts
            .values()
            .find(|p| p.provider == provider && p.provider_ref.as_deref() == Some(provider_ref))
            .cloned())
    }

    async fn apply_payout(
        &self,
        payout_id: &str,
        change: &PayoutChange,
        event: Option<&NewEvent>,
    ) -> Result<Applied, LedgerError> {
        let mut books = self.books.borrow_mut();
        if books.payout_event_keys.contains(&change.event_key) {
            return Ok(Applied::Duplicate);
        }
        let Some(payout) = books.payouts.get_mut(payout_id) else {
            return Err(LedgerError(format!("no payout {payout_id}")));
        };
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
        books.payout_event_keys.insert(change.event_key.clone());
        if matches!(applied, Applied::Moved(_, to) if to.is_final()) {
            books.announce(event);
        }
        Ok(applied)
    }

    async fn order_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<OrderRecord>, LedgerError> {
        Ok(self
            .books
            .borrow()
            .orders
            .values()
            .find(|o| o.reference == reference)
            .cloned())
    }

    async fn sessions_of_order(&self, order_id: &str) -> Result<Vec<SessionRecord>, LedgerError> {
        let mut found: Vec<SessionRecord> = self
            .books
            .borrow()
            .sessions
            .values()
            .filter(|s| s.order_id.as_deref() == Some(order_id))
            .cloned()
            .collect();
        found.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(found)
    }

    async fn events_after(&self, after: u64, limit: u32) -> Result<Vec<StoredEvent>, LedgerError> {
        Ok(self
            .books
            .borrow()
            .outbox
            .iter()
            .filter(|e| e.seq > after)
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn due_events(&self, now: u64, limit: u32) -> Result<Vec<StoredEvent>, LedgerError> {
        let books = self.books.borrow();
        let mut due: Vec<&StoredEvent> = books
            .outbox
            .iter()
            .filter(|e| e.next_attempt_at.is_some_and(|at| at <= now))
            .collect();
        due.sort_by_key(|e| (e.next_attempt_at, e.seq));
        Ok(due.into_iter().take(limit as usize).cloned().collect())
    }

    async fn lease_event(&self, id: &str, seen: u64, until: u64) -> Result<bool, LedgerError> {
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
    }

    async fn record_delivery(&self, id: &str, state: &DeliveryState) -> Result<(), LedgerError> {
        let mut books = self.books.borrow_mut();
        if let Some(event) = books.outbox.iter_mut().find(|e| e.id == id) {
            event.attempts = state.attempts;
            event.next_attempt_at = state.next_attempt_at;
            event.delivered_to.clone_from(&state.delivered_to);
            event.last_error.clone_from(&state.last_error);
        }
        Ok(())
    }

    async fn note_recheck(&self, mark: &Recheck) -> Result<(), LedgerError> {
        let key = (mark.subject.as_str(), mark.provider, mark.key().to_owned());
        self.books.borrow_mut().rechecks.insert(key, mark.clone());
        Ok(())
    }

    async fn clear_recheck(&self, mark: &Recheck) -> Result<(), LedgerError> {
        let key = (mark.subject.as_str(), mark.provider, mark.key().to_owned());
        self.books.borrow_mut().rechecks.remove(&key);
        Ok(())
    }

    async fn due_rechecks(&self, now: u64, limit: u32) -> Result<Vec<Recheck>, LedgerError> {
        let books = self.books.borrow();
        let mut due: Vec<&Recheck> = books
            .rechecks
            .values()
            .filter(|m| m.due_at <= now)
            .collect();
        due.sort_by_key(|m| m.due_at);
        Ok(due.into_iter().take(limit as usize).cloned().collect())
    }

    async fn sessions_to_check(
        &self,
        now: u64,
        before: u64,
        limit: u32,
    ) -> Result<Vec<SessionRecord>, LedgerError> {
        let books = self.books.borrow();
        let mut due: Vec<(u64, &SessionRecord)> = books
            .sessions
            .values()
            .filter(|s| s.status == PaymentStatus::Pending)
            .map(|s| (books.checked_at(Subject::Payment, &s.id), s))
            .filter(|(checked, s)| {
                (s.created_at <= before && *checked <= before) || s.expires_at <= now
            })
            .collect();
        due.sort_by_key(|(checked, s)| (*checked, s.created_at));
        Ok(due
            .into_iter()
            .take(limit as usize)
            .map(|(_, s)| s.clone())
            .collect())
    }

    async fn payouts_to_check(
        &self,
        before: u64,
        limit: u32,
    ) -> Result<Vec<PayoutRecord>, LedgerError> {
        let books = self.books.borrow();
        let mut due: Vec<(u64, &PayoutRecord)> = books
            .payouts
            .values()
            .filter(|p| p.status == PaymentStatus::Pending)
            .map(|p| (books.checked_at(Subject::Payout, &p.id), p))
            .filter(|(checked, p)| p.created_at <= before && *checked <= before)
            .collect();
        due.sort_by_key(|(checked, p)| (*checked, p.created_at));
        Ok(due
            .into_iter()
            .take(limit as usize)
            .map(|(_, p)| p.clone())
            .collect())
    }

    async fn mark_checked(&self, subject: Subject, id: &str, at: u64) -> Result<(), LedgerError> {
        self.books
            .borrow_mut()
            .checked
            .insert((subject.as_str(), id.to_owned()), at);
        Ok(())
    }
}
