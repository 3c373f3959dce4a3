//! The sweep: what the providers' notifications did not settle, settled by asking them.
//!
//! One run, bounded by [`SweepSettings`](super::config::SweepSettings):
//!
//! 1. notifications whose status call failed (their recheck marks), through the same
//!    confirm path as the notification itself ([`webhooks::confirm`]);
//! 2. sessions still pending a few minutes after they were opened (or last asked), and
//!    sessions past `expires_at`: the provider's status call, then `expired` only when
//!    the provider answered and still says pending;
//! 3. payouts still pending, the same way (MoneyFusion has no payout status call: its
//!    webhook alone settles them);
//! 4. the merchant's events that are due ([`outbox::deliver_due`]).
//!
//! It never asks one provider more than `provider_calls` times per run, and its status
//! calls are spent from the provider's shared [`budget`] that shoppers' reads and
//! notifications also draw on: it asks only while more than [`budget::SWEEP_RESERVE`]
//! calls of the minute are left, and leaves the rest for the next run (`deferred`). So
//! requests and sweeps together stay under Moneroo's published 120 requests a minute.
//!
//! It runs as the bundle's `scheduled` export on Workers (a Cron Trigger), as the
//! exported `sweep()` that a Node or Deno server calls on a timer, and on an interval in
//! `npm run edge` and `npm run demo`.

use crate::domain::{PaymentStatus, Provider};

use super::budget;
use super::context::{Edge, Effects};
use super::events::{self, Subject};
use super::ledger::{Applied, EventSource, Ledger, LedgerError, Recheck, SessionRecord};
use super::outbox::{self, Deliveries};
use super::payouts;
use super::runtime::Runtime;
use super::sessions;
use super::webhooks::{self, Confirmed, Notice};

/// Marks whose status call keeps failing are dropped after this many tries (a day and a
/// half with the pauses below); the pending record is still swept by age.
const RECHECK_ATTEMPTS: u32 = 20;

/// What one run did, for logs and the `sweep()` caller.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SweepReport {
    /// Sessions and payouts asked about.
    pub checked: u64,
    /// Records that reached a final status in this run.
    pub settled: u64,
    /// Sessions expired after the provider said pending one last time.
    pub expired: u64,
    /// Status calls that failed (the record waits for the next run).
    pub unanswered: u64,
    /// Records left for the next run because a provider's budget was spent.
    pub deferred: u64,
    /// The merchant's events delivered or tried.
    pub deliveries: Deliveries,
}

impl SweepReport {
    /// The report as JSON: `{"checked", "settled", "expired", "unanswered", "deferred",
    /// "deliveries": {"attempted", "delivered", "retrying", "abandoned"}}`.
    pub fn to_json(&self) -> String {
        let deliveries = &self.deliveries;
        let mut json = super::reply::Json::object();
        json.num("checked", self.checked)
            .num("settled", self.settled)
            .num("expired", self.expired)
            .num("unanswered", self.unanswered)
            .num("deferred", self.deferred)
            .open(Some("deliveries"), b'{')
            .num("attempted", deliveries.attempted)
            .num("delivered", deliveries.delivered)
            .num("retrying", deliveries.retrying)
            .num("abandoned", deliveries.abandoned)
            .close(b'}');
        String::from_utf8(json.done()).unwrap_or_default()
    }
}

/// Status calls left per provider in this run.
struct Budget([u32; 3]);

impl Budget {
    fn new(each: u32) -> Budget {
        Budget([each; 3])
    }

    /// One ask of `provider` at `now_ms`: within this run's bound, and while the shared
    /// budget has more than the shoppers' reserve left.
    fn take(&mut self, provider: Provider, now_ms: u64) -> bool {
        let slot = match provider {
            Provider::Moneroo => 0,
            Provider::CinetPay => 1,
            Provider::MoneyFusion => 2,
        };
        let left = &mut self.0[slot];
        if *left == 0 || budget::room(provider, now_ms) <= budget::SWEEP_RESERVE {
            return false;
        }
        *left -= 1;
        true
    }
}

/// One sweep.
pub async fn run(edge: &Edge<'_, impl Effects>) -> Result<SweepReport, LedgerError> {
    let settings = edge.config.sweep;
    let mut report = SweepReport::default();
    let mut asks = Budget::new(settings.provider_calls);
    let mut left = settings.limit;
    let now = edge.runtime.now();

    for mark in edge.ledger.due_rechecks(now, left).await? {
        if !asks.take(mark.provider, edge.runtime.now_ms()) {
            report.deferred += 1;
            continue;
        }
        left = left.saturating_sub(1);
        report.checked += 1;
        recheck(edge, &mark, &mut report).await?;
    }

    let before = now.saturating_sub(settings.stale_after);
    if left > 0 {
        for session in edge.ledger.sessions_to_check(now, before, left).await? {
            if session.provider_ref.is_some() && !asks.take(session.provider, edge.runtime.now_ms())
            {
                report.deferred += 1;
                continue;
            }
            left = left.saturating_sub(1);
            report.checked += 1;
            check_session(edge, session, &mut report).await?;
        }
    }

    if left > 0 {
        for payout in edge.ledger.payouts_to_check(before, left).await? {
            // MoneyFusion cannot be asked; its webhook settles the payout.
            if payout.provider != Provider::MoneyFusion {
                if !asks.take(payout.provider, edge.runtime.now_ms()) {
                    report.deferred += 1;
                    continue;
                }
                report.checked += 1;
                match payouts::check_status(edge, &payout).await {
                    Some(change) => {
                        let applied = events::apply_payout(edge, &payout, &change).await?;
                        if matches!(applied, Applied::Moved(_, to) if to.is_final()) {
                            report.settled += 1;
                        }
                    }
                    None => report.unanswered += 1,
                }
            }
            edge.ledger
                .mark_checked(Subject::Payout, &payout.id, now)
                .await?;
        }
    }

    report.deliveries = outbox::deliver_due(edge, settings.limit).await?;
    Ok(report)
}

/// A notification the provider could not confirm at the time, through the same path.
async fn recheck(
    edge: &Edge<'_, impl Effects>,
    mark: &Recheck,
    report: &mut SweepReport,
) -> Result<(), LedgerError> {
    let notice = Notice {
        subject: mark.subject,
        provider: mark.provider,
        provider_ref: mark.provider_ref.clone(),
        our_id: mark.our_id.clone(),
        claimed: None,
    };
    // One ledger write whatever the outcome: the mark cleared, or put off.
    let later = match webhooks::confirm(edge, &notice, EventSource::Poll).await {
        Confirmed::Status(status) => {
            if status.is_final() {
                report.settled += 1;
            }
            None
        }
        Confirmed::NotOurs => None,
        Confirmed::Unanswered | Confirmed::Ledger(_) if mark.attempts + 1 >= RECHECK_ATTEMPTS => {
            report.unanswered += 1;
            None
        }
        Confirmed::Unanswered | Confirmed::Ledger(_) => {
            report.unanswered += 1;
            let attempts = mark.attempts + 1;
            let pause = (60u64 << attempts.min(6)).min(3600);
            Some(Recheck {
                attempts,
                due_at: edge.runtime.now() + pause,
                ..mark.clone()
            })
        }
    };
    match later {
        None => edge.ledger.clear_recheck(mark).await,
        Some(later) => edge.ledger.note_recheck(&later).await,
    }
}

/// A pending session: asked once; expired past its time only when the provider answered
/// and still says pending (or when it never got a provider payment at all).
async fn check_session(
    edge: &Edge<'_, impl Effects>,
    session: SessionRecord,
    report: &mut SweepReport,
) -> Result<(), LedgerError> {
    let now = edge.runtime.now();
    let answered = match session.provider_ref {
        Some(_) => match sessions::check_status(edge, &session, EventSource::Poll).await {
            Some(change) => {
                let applied = events::apply_session(edge, &session, &change).await?;
                if matches!(applied, Applied::Moved(_, to) if to.is_final()) {
                    report.settled += 1;
                }
                true
            }
            None => {
                report.unanswered += 1;
                false
            }
        },
        // No provider payment was ever recorded: nothing to ask.
        None => true,
    };
    edge.ledger
        .mark_checked(Subject::Payment, &session.id, now)
        .await?;
    if !answered {
        return Ok(());
    }
    let Some(current) = edge.ledger.session(&session.id).await? else {
        return Ok(());
    };
    let was_pending = current.status == PaymentStatus::Pending;
    let after = sessions::expire_if_due(edge, current).await?;
    if was_pending && after.status == PaymentStatus::Expired {
        report.expired += 1;
    }
    Ok(())
}
