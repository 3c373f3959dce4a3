//! The in-memory ledger, for the demo and tests (`GUICHET_LEDGER=memory`). It lives as
//! long as the worker's isolate (or the Node/Deno process), so a restart forgets
//! everything: never for real money.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use super::{
    Applied, EventRecord, Ledger, LedgerError, OrderInsert, OrderRecord, PayoutChange, PayoutClaim,
    PayoutRecord, SessionRecord, StatusChange,
};
use crate::domain::{PaymentStatus, Provider};

#[derive(Default)]
struct Books {
    sessions: BTreeMap<String, SessionRecord>,
    events: Vec<EventRecord>,
    event_keys: BTreeSet<String>,
    orders: BTreeMap<String, OrderRecord>,
    payouts: BTreeMap<String, PayoutRecord>,
    payout_event_keys: BTreeSet<String>,
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
        Ok(self
            .books
            .borrow()
            .sessions
            .values()
            .find(|s| s.provider == provider && s.provider_ref.as_deref() == Some(provider_ref))
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
        Ok(true)
    }

    async fn apply(&self, session_id: &str, change: &StatusChange) -> Result<Applied, LedgerError> {
        let mut books = self.books.borrow_mut();
        if books.event_keys.contains(&change.event_key) {
            return Ok(Applied::Duplicate);
        }
        let Some(session) = books.sessions.get_mut(session_id) else {
            return Err(LedgerError(format!("no session {session_id}")));
        };
        let applied = Applied::after(session.status, change.status);
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
        Ok(applied)
    }
}
