//! The ledger: what the backend knows about every order, session and payout.
//!
//! One small trait, two homes: [`memory::MemoryLedger`] (a throwaway ledger for the demo
//! and tests, chosen with `GUICHET_LEDGER=memory`; it lives as long as the worker's
//! isolate) and [`sql::SqlLedger`], a SQL database behind a D1-shaped binding: D1 on
//! Workers, a SQLite file or PostgreSQL on Node and Deno (`GUICHET_LEDGER_URL`, opened by
//! `js/edge/ledger-*.js`). Both keep the same promises, which the routes rely on:
//!
//! - an event is applied at most once: [`StatusChange::event_key`] is unique, and a
//!   second delivery of the same event is [`Applied::Duplicate`];
//! - a final status never changes ([`Applied::Refused`]), whatever order events come in;
//! - a session gets at most one provider payment ([`Ledger::attach_payment`]);
//! - a payout idempotency key is claimed once ([`Ledger::claim_payout`]).

pub mod fulfilment;
pub mod memory;
pub mod sql;

pub use fulfilment::{DeliveryState, NewEvent, Recheck, StoredEvent, Subject};

use core::fmt;
use core::future::Future;
use core::pin::Pin;

use serde::Serialize;

use crate::domain::{Currency, Lang, PaymentStatus, Provider, Transition};

/// A checkout session: one attempt to pay, with one provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionRecord {
    /// Our id, also the reference the provider is given (`gs-` and 24 hex digits, which
    /// every provider accepts as a transaction id).
    pub id: String,
    /// Who takes the payment.
    pub provider: Provider,
    /// The registered order paid by this session, when it came from `POST /orders`.
    pub order_id: Option<String>,
    /// The amount due, in minor units of `currency`.
    pub amount: u64,
    /// The currency due.
    pub currency: Currency,
    /// What the shopper pays for, as the provider shows it.
    pub description: String,
    /// Where the session stands.
    pub status: PaymentStatus,
    /// The provider's id of the payment, once initialized.
    pub provider_ref: Option<String>,
    /// The provider's own last status word.
    pub provider_status: Option<String>,
    /// The provider's hosted page.
    pub checkout_url: Option<String>,
    /// The amount the provider says was paid, in minor units, once known.
    pub paid_amount: Option<u64>,
    /// Where the shopper lands after the provider's page.
    pub return_url: String,
    /// The shopper's language.
    pub lang: Lang,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds of the last change.
    pub updated_at: u64,
    /// Unix seconds after which an unpaid session is expired.
    pub expires_at: u64,
    /// The shop's metadata, as JSON text (an object of strings), when it gave any.
    pub metadata: Option<String>,
}

/// Where a status change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventSource {
    /// A provider notification, verified.
    Webhook,
    /// Our own status call to the provider.
    Poll,
    /// The session's time ran out.
    Expiry,
}

impl EventSource {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventSource::Webhook => "webhook",
            EventSource::Poll => "poll",
            EventSource::Expiry => "expiry",
        }
    }
}

/// A confirmed fact about a session's payment, to apply once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// Unique per event. The same key again is a duplicate delivery and changes nothing.
    pub event_key: String,
    /// Where it came from.
    pub source: EventSource,
    /// The status after the settlement checks (`connector::settle`).
    pub status: PaymentStatus,
    /// The provider's own status word.
    pub provider_status: String,
    /// What the provider says was paid, in minor units of the session's currency.
    pub paid_amount: Option<u64>,
    /// Unix seconds.
    pub at: u64,
}

/// What applying a [`StatusChange`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The status moved from the first to the second.
    Moved(PaymentStatus, PaymentStatus),
    /// Recorded, but the status is the same as before (a pending still pending).
    Unchanged,
    /// The event was applied before: nothing done.
    Duplicate,
    /// The session is already final with another status: the change is refused and the
    /// current status stands.
    Refused(PaymentStatus),
}

impl Applied {
    /// What moving from `previous` to `next` does under the one transition rule
    /// ([`PaymentStatus::transition`]): the same answer from every ledger.
    pub fn after(previous: PaymentStatus, next: PaymentStatus) -> Applied {
        match previous.transition(next) {
            Transition::Advance(to) => Applied::Moved(previous, to),
            Transition::Unchanged => Applied::Unchanged,
            Transition::Refused => Applied::Refused(previous),
        }
    }
}

/// One line of a session's history, for the merchant and the demo's panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRecord {
    /// The event's unique key.
    pub event_key: String,
    /// The session it belongs to.
    pub session_id: String,
    /// Where it came from.
    pub source: EventSource,
    /// The status it carried.
    pub status: PaymentStatus,
    /// The provider's word.
    pub provider_status: String,
    /// Whether it moved the session (false when refused or unchanged).
    pub moved: bool,
    /// Unix seconds.
    pub at: u64,
}

/// An order the merchant's servers priced and registered (`POST /orders`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderRecord {
    /// Our id (`ord-` and hex digits).
    pub id: String,
    /// The merchant's own reference; unique.
    pub reference: String,
    /// Minor units.
    pub amount: u64,
    /// The currency.
    pub currency: Currency,
    /// What is paid for.
    pub description: String,
    /// The customer the merchant gave, as JSON text (checked again per provider when a
    /// session is opened).
    pub customer_json: Option<String>,
    /// Unix seconds.
    pub created_at: u64,
}

/// What registering an order did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderInsert {
    /// A new order.
    Created,
    /// An order with this reference existed: here it is.
    Existing(OrderRecord),
}

/// Money sent to someone through a provider's payout API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PayoutRecord {
    /// Our id (`po-` and hex digits), also the provider's client reference.
    pub id: String,
    /// The merchant's `Idempotency-Key`; unique.
    pub idempotency_key: String,
    /// A digest of the request body, so the same key with another body is told apart.
    pub request_digest: String,
    /// Who sends it.
    pub provider: Provider,
    /// Minor units.
    pub amount: u64,
    /// The currency.
    pub currency: Currency,
    /// The recipient as the merchant gave it, as JSON text, phone masked.
    pub recipient_json: String,
    /// Where it stands.
    pub status: PaymentStatus,
    /// The provider's id, once sent.
    pub provider_ref: Option<String>,
    /// The provider's last word.
    pub provider_status: Option<String>,
    /// Why it failed, in words safe to show the merchant.
    pub failure: Option<String>,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds.
    pub updated_at: u64,
}

/// What claiming an idempotency key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayoutClaim {
    /// The key is new: the caller owns the send.
    Claimed,
    /// The key was used before: the payout it made.
    Existing(PayoutRecord),
}

/// A change to a payout after the provider answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutChange {
    /// Unique per event, as for sessions.
    pub event_key: String,
    /// The new status.
    pub status: PaymentStatus,
    /// The provider's id, when it gave one.
    pub provider_ref: Option<String>,
    /// The provider's word.
    pub provider_status: String,
    /// Why it failed.
    pub failure: Option<String>,
    /// Unix seconds.
    pub at: u64,
}

/// The ledger could not be read or written. The text is for logs: it never holds a
/// secret or a customer's details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerError(pub String);

impl fmt::Display for LedgerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ledger error: {}", self.0)
    }
}

impl std::error::Error for LedgerError {}

impl LedgerError {
    const NOT_CONFIGURED: &'static str = "no ledger is configured: bind a D1 database as \
         GUICHET_LEDGER (Workers), set GUICHET_LEDGER_URL to file:./guichet-ledger.db or \
         postgres://... (Node, Deno), or set GUICHET_LEDGER=memory for a throwaway ledger";

    /// Neither a database nor the memory ledger was chosen: the edge refuses to record
    /// anything rather than keep money records where they would be lost.
    pub fn not_configured() -> LedgerError {
        LedgerError(Self::NOT_CONFIGURED.to_owned())
    }

    /// True for [`LedgerError::not_configured`].
    pub fn is_not_configured(&self) -> bool {
        self.0 == Self::NOT_CONFIGURED
    }
}

/// Declares the [`Ledger`] trait from one list of methods, and with it [`Backend`]'s
/// dispatch, so a method is written once: in the list below, then in each backend. Every
/// method answers a `Result<_, LedgerError>`: [`Backend::None`], no ledger configured,
/// answers [`LedgerError::not_configured`].
macro_rules! ledger_trait {
    ($(
        $(#[$doc:meta])*
        async fn $name:ident(&$a:lifetime self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty;
    )*) => {
        /// Where the backend keeps its records. Methods are async because D1 is; the
        /// memory ledger answers at once. Implementations are used from one thread (a
        /// worker isolate).
        #[allow(async_fn_in_trait)] // wasm futures are not Send; callers are single-threaded.
        pub trait Ledger {
            /// Which ledger this is, as `GET /health` reports it: `memory`, `d1`,
            /// `sqlite`, `postgres`, or `none`.
            fn kind(&self) -> &'static str;

            $($(#[$doc])* async fn $name<$a>(&$a self $(, $arg: $ty)*) -> $ret;)*
        }

        // One match per method, to the backend's own future, boxed: each backend's state
        // machine exists once, behind a pointer, instead of once per layer of
        // `Option<Either<&L, _>>` and inlined into every caller (issue #18,
        // bench/PROFILE.md round 5b: boxing saves 1.3 KB gzip beyond the one match).
        impl Ledger for Backend<'_> {
            fn kind(&self) -> &'static str {
                match self {
                    Backend::None => "none",
                    Backend::Memory(ledger) => ledger.kind(),
                    Backend::Sql(ledger) => ledger.kind(),
                }
            }

            // The boxed future itself, not an `async fn` awaiting it: no state machine
            // per method around the backend's. Every reference a method takes shares the
            // one lifetime `$a`, which the box names.
            $(fn $name<$a>(&$a self $(, $arg: $ty)*) -> impl Future<Output = $ret> {
                let future: Pin<Box<dyn Future<Output = $ret> + $a>> = match self {
                    Backend::None => Box::pin(core::future::ready(Err(LedgerError::not_configured()))),
                    Backend::Memory(ledger) => Box::pin(ledger.$name($($arg),*)),
                    Backend::Sql(ledger) => Box::pin(ledger.$name($($arg),*)),
                };
                future
            })*
        }
    };
}

/// The ledger a runtime chose when the worker read its settings: the memory ledger, a
/// database, or none (every method then fails with [`LedgerError::not_configured`]), as
/// one type: the routes are compiled once rather than once per ledger.
pub enum Backend<'a> {
    /// No ledger is configured.
    None,
    /// The isolate's memory ledger.
    Memory(&'a memory::MemoryLedger),
    /// A database.
    Sql(sql::SqlLedger),
}

ledger_trait! {
    /// Stores a new session. Its id is unique.
    async fn create_session(&'a self, session: &'a SessionRecord) -> Result<(), LedgerError>;

    /// A session by id.
    async fn session(&'a self, id: &'a str) -> Result<Option<SessionRecord>, LedgerError>;

    /// A session by the provider's id of its payment.
    async fn session_by_provider_ref(
        &'a self,
        provider: Provider,
        provider_ref: &'a str,
    ) -> Result<Option<SessionRecord>, LedgerError>;

    /// Records the provider's payment for a session that has none yet. Returns false,
    /// changing nothing, when the session already has one: a session is never
    /// initialized twice.
    async fn attach_payment(
        &'a self,
        id: &'a str,
        provider_ref: &'a str,
        checkout_url: &'a str,
        at: u64,
    ) -> Result<bool, LedgerError>;

    /// Applies a confirmed status change to a session, at most once per event key and
    /// never away from a final status. `event` is written with it, in the same
    /// transaction, when the change moves the session from pending to final (and never a
    /// second event for one session).
    async fn apply(
        &'a self,
        session_id: &'a str,
        change: &'a StatusChange,
        event: Option<&'a NewEvent>,
    ) -> Result<Applied, LedgerError>;

    /// A session's history, oldest first.
    async fn events(&'a self, session_id: &'a str) -> Result<Vec<EventRecord>, LedgerError>;

    /// True when a session for this order has succeeded: an order is paid once.
    async fn order_is_paid(&'a self, order_id: &'a str) -> Result<bool, LedgerError>;

    /// Registers an order, or gives back the one with the same reference.
    async fn create_order(&'a self, order: &'a OrderRecord) -> Result<OrderInsert, LedgerError>;

    /// An order by id.
    async fn order(&'a self, id: &'a str) -> Result<Option<OrderRecord>, LedgerError>;

    /// Claims an idempotency key for a new payout, stored as given (status pending, no
    /// provider id), or gives back the payout the key made before.
    async fn claim_payout(&'a self, payout: &'a PayoutRecord) -> Result<PayoutClaim, LedgerError>;

    /// A payout by id.
    async fn payout(&'a self, id: &'a str) -> Result<Option<PayoutRecord>, LedgerError>;

    /// A payout by the provider's id.
    async fn payout_by_provider_ref(
        &'a self,
        provider: Provider,
        provider_ref: &'a str,
    ) -> Result<Option<PayoutRecord>, LedgerError>;

    /// Applies a change to a payout, at most once per event key and never away from a
    /// final status; `event` as for [`Ledger::apply`].
    async fn apply_payout(
        &'a self,
        payout_id: &'a str,
        change: &'a PayoutChange,
        event: Option<&'a NewEvent>,
    ) -> Result<Applied, LedgerError>;

    /// An order by the merchant's reference.
    async fn order_by_reference(&'a self, reference: &'a str)
        -> Result<Option<OrderRecord>, LedgerError>;

    /// The sessions opened for an order, oldest first.
    async fn sessions_of_order(&'a self, order_id: &'a str) -> Result<Vec<SessionRecord>, LedgerError>;

    /// Up to `limit` events written after the one with cursor `after` (0: from the
    /// first), in the order they were written.
    async fn events_after(&'a self, after: u64, limit: u32) -> Result<Vec<StoredEvent>, LedgerError>;

    /// Up to `limit` events whose next delivery attempt is due at `now`, oldest due first.
    async fn due_events(&'a self, now: u64, limit: u32) -> Result<Vec<StoredEvent>, LedgerError>;

    /// Takes an event for delivery until `until`, if its next attempt is still `seen`
    /// (nobody else took it). True when taken.
    async fn lease_event(&'a self, id: &'a str, seen: u64, until: u64) -> Result<bool, LedgerError>;

    /// Records the outcome of a delivery attempt.
    async fn record_delivery(&'a self, id: &'a str, state: &'a DeliveryState) -> Result<(), LedgerError>;

    /// Writes (or reschedules) a notification's mark, one per subject, provider and key.
    async fn note_recheck(&'a self, mark: &'a Recheck) -> Result<(), LedgerError>;

    /// Removes a notification's mark.
    async fn clear_recheck(&'a self, mark: &'a Recheck) -> Result<(), LedgerError>;

    /// Up to `limit` marks due at `now`, oldest due first.
    async fn due_rechecks(&'a self, now: u64, limit: u32) -> Result<Vec<Recheck>, LedgerError>;

    /// Up to `limit` pending sessions to ask about: opened and last asked at or before
    /// `before`, or past `expires_at` at `now`; least recently asked first.
    async fn sessions_to_check(
        &'a self,
        now: u64,
        before: u64,
        limit: u32,
    ) -> Result<Vec<SessionRecord>, LedgerError>;

    /// Up to `limit` pending payouts created and last asked at or before `before`, least
    /// recently asked first.
    async fn payouts_to_check(
        &'a self,
        before: u64,
        limit: u32,
    ) -> Result<Vec<PayoutRecord>, LedgerError>;

    /// Notes that the sweep asked about a session or payout at `at`.
    async fn mark_checked(&'a self, subject: Subject, id: &'a str, at: u64) -> Result<(), LedgerError>;
}
