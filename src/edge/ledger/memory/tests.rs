use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use super::*;
use crate::domain::{Currency, Lang};

/// The memory ledger's futures are ready at once.
fn now<T>(future: impl Future<Output = T>) -> T {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(value) => value,
        Poll::Pending => unreachable!("the memory ledger never waits"),
    }
}

/// A small generator, so each run sees the same many cases.
fn numbers(mut seed: u64) -> impl FnMut(u64) -> u64 {
    move |below| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) % below
    }
}

fn session(id: String, order: u64, created_at: u64, pending: bool) -> SessionRecord {
    SessionRecord {
        id,
        provider: Provider::Moneroo,
        order_id: Some(format!("ord-{order}")),
        amount: 100,
        currency: Currency::XOF,
        description: String::new(),
        status: if pending {
            PaymentStatus::Pending
        } else {
            PaymentStatus::Failed
        },
        provider_ref: None,
        provider_status: None,
        checkout_url: None,
        paid_amount: None,
        return_url: String::new(),
        lang: Lang::Fr,
        created_at,
        updated_at: created_at,
        expires_at: created_at + 5,
        metadata: None,
    }
}

/// `rows` (in id order) stably sorted by `key`, the first `limit`: what the ordered
/// queries answer, ties in id order.
fn reference<T: Clone, K: Ord>(mut rows: Vec<T>, key: impl Fn(&T) -> K, limit: usize) -> Vec<T> {
    rows.sort_by_key(|r| key(r));
    rows.truncate(limit);
    rows
}

#[test]
fn ordered_queries_keep_ties_in_key_order_on_many_ledgers() {
    let mut next = numbers(7);
    for _ in 0..60 {
        let ledger = MemoryLedger::new();
        let mut sessions = Vec::new();
        let mut payouts = Vec::new();
        let mut marks = Vec::new();
        for _ in 0..next(25) {
            // Ids out of order, times with many ties.
            let id = format!("gs-{:03}", next(1000));
            let s = session(id.clone(), next(3), next(6), next(3) > 0);
            if now(ledger.create_session(&s)).is_ok() {
                if next(2) == 0 {
                    now(ledger.mark_checked(Subject::Payment, &id, next(6))).unwrap();
                }
                sessions.push(s);
            }
            let payout = PayoutRecord {
                id: format!("po-{:03}", next(1000)),
                idempotency_key: format!("key-{}", next(1_000_000)),
                request_digest: String::new(),
                provider: Provider::CinetPay,
                amount: 100,
                currency: Currency::XOF,
                recipient_json: String::new(),
                status: PaymentStatus::Pending,
                provider_ref: None,
                provider_status: None,
                failure: None,
                created_at: next(6),
                updated_at: 0,
            };
            // Payout ids are unique (the routes make them); keys too, here.
            if !payouts.iter().any(|p: &PayoutRecord| p.id == payout.id)
                && now(ledger.claim_payout(&payout)) == Ok(PayoutClaim::Claimed)
            {
                if next(2) == 0 {
                    now(ledger.mark_checked(Subject::Payout, &payout.id, next(6))).unwrap();
                }
                payouts.push(payout);
            }
            let mark = Recheck {
                subject: if next(2) == 0 {
                    Subject::Payment
                } else {
                    Subject::Payout
                },
                provider: Provider::ALL[next(3) as usize],
                provider_ref: format!("ref-{}", next(50)),
                our_id: None,
                attempts: 0,
                due_at: next(6),
            };
            now(ledger.note_recheck(&mark)).unwrap();
            marks.retain(|m: &Recheck| recheck_key(m) != recheck_key(&mark));
            marks.push(mark);
            if next(4) == 0 {
                let gone = marks.swap_remove(next(marks.len() as u64) as usize);
                now(ledger.clear_recheck(&gone)).unwrap();
            }
        }
        sessions.sort_by(|a, b| a.id.cmp(&b.id));
        payouts.sort_by(|a, b| a.id.cmp(&b.id));
        marks.sort_by_key(recheck_key);
        let books = ledger.books.borrow();
        let limit = next(8) as usize + 1;
        let (at, before) = (next(8), next(8));

        let order = format!("ord-{}", next(3));
        let of_order: Vec<_> = sessions
            .iter()
            .filter(|s| s.order_id.as_deref() == Some(order.as_str()))
            .cloned()
            .collect();
        drop(books);
        assert_eq!(
            now(ledger.sessions_of_order(&order)).unwrap(),
            reference(of_order, |s| s.created_at, usize::MAX)
        );
        let books = ledger.books.borrow();
        let checked = |subject, id: &str| books.checked_at(subject, id);
        let due: Vec<_> = sessions
            .iter()
            .filter(|s| s.status == PaymentStatus::Pending)
            .filter(|s| {
                let c = checked(Subject::Payment, &s.id);
                (s.created_at <= before && c <= before) || s.expires_at <= at
            })
            .cloned()
            .collect();
        let want = reference(
            due,
            |s| (checked(Subject::Payment, &s.id), s.created_at),
            limit,
        );
        let due: Vec<_> = payouts
            .iter()
            .filter(|p| {
                let c = checked(Subject::Payout, &p.id);
                p.created_at <= before && c <= before
            })
            .cloned()
            .collect();
        let want_payouts = reference(
            due,
            |p| (checked(Subject::Payout, &p.id), p.created_at),
            limit,
        );
        drop(books);
        assert_eq!(
            now(ledger.sessions_to_check(at, before, limit as u32)).unwrap(),
            want
        );
        assert_eq!(
            now(ledger.payouts_to_check(before, limit as u32)).unwrap(),
            want_payouts
        );
        let due: Vec<_> = marks.iter().filter(|m| m.due_at <= at).cloned().collect();
        assert_eq!(
            now(ledger.due_rechecks(at, limit as u32)).unwrap(),
            reference(due, |m| m.due_at, limit)
        );
    }
}

/// `session_at` finds the last session written without the index: on a ledger of many
/// sessions, every id (the last one, earlier ones, unknown ones) reads, attaches and
/// applies to the record the index names, and a refused duplicate leaves the last alone.
#[test]
fn the_last_session_is_found_as_the_index_finds_it() {
    let ledger = MemoryLedger::new();
    let mut next = numbers(11);
    for n in 0..200u64 {
        let id = format!("s-{:03}", next(1000));
        let outcome = now(ledger.create_session(&session(id.clone(), n, n, true)));
        let books = ledger.books.borrow();
        for probe in [id.as_str(), "s-000", "s-500", "s-999", "none"] {
            let by_index = books.session_ids.get(probe).map(|at| at as usize);
            assert_eq!(books.session_at(probe), by_index, "{probe} after {n}");
        }
        if outcome.is_err() {
            // A duplicate id: the last record is another session's, found by the index.
            assert_ne!(books.sessions.last().map(|s| s.id.as_str()), None);
        }
        drop(books);
        let attached = now(ledger.attach_payment(&id, &format!("ref-{n}"), "https://pay", n));
        let read = now(ledger.session(&id)).unwrap().unwrap();
        assert_eq!(read.id, id);
        if attached.unwrap() {
            assert_eq!(
                read.provider_ref.as_deref(),
                Some(format!("ref-{n}").as_str())
            );
        }
    }
}

/// `first` as it was (round 7): a sort of (key, rank) pairs.
fn first_by_sort(keyed: &[(u64, u64, usize)], limit: usize) -> Vec<usize> {
    let mut order: Vec<(u64, u64, usize)> = keyed
        .iter()
        .enumerate()
        .map(|(rank, &(a, b, _))| (a, b, rank))
        .collect();
    order.sort_unstable();
    order
        .into_iter()
        .take(limit)
        .map(|(_, _, rank)| keyed[rank].2)
        .collect()
}

/// `first` orders through the index's hex keys as the sort did: on 3,000 generated
/// lists (keys small with many ties, around 2^32, near u64::MAX; up to 300 entries, so
/// ranks past 255 too; limits below, at and above the length).
#[test]
fn first_orders_as_the_sort_did_on_many_lists() {
    let mut next = numbers(23);
    for case in 0..3000u64 {
        let scale = match case % 4 {
            0 => 4,
            1 => 1 << 33,
            2 => u64::MAX,
            _ => 300,
        };
        let key = |next: &mut dyn FnMut(u64) -> u64| match scale {
            u64::MAX => u64::MAX - next(4),
            _ => next(scale),
        };
        let len = next(if case % 10 == 0 { 300 } else { 20 }) as usize;
        let mut keyed = Vec::new();
        for _ in 0..len {
            let a = key(&mut next);
            let b = key(&mut next);
            keyed.push((a, b, next(1000) as usize));
        }
        let limit = match next(3) {
            0 => usize::MAX,
            1 => len,
            _ => next(len as u64 + 2) as usize,
        };
        assert_eq!(
            first(keyed.clone(), limit),
            first_by_sort(&keyed, limit),
            "{keyed:?} limit {limit}"
        );
    }
}

/// `events_after` takes its page from the event's place (seq = place + 1) as the filter
/// on seq did: every cursor and limit around outboxes of 0 to 12 events, and the
/// largest cursor and limit.
#[test]
fn events_after_pages_as_the_filter_on_seq_did() {
    for len in 0..=12u64 {
        let ledger = MemoryLedger::new();
        for n in 0..len {
            ledger.books.borrow_mut().announce(Some(&NewEvent {
                id: format!("ev-{n}"),
                event_type: "payment.succeeded".to_owned(),
                subject_id: format!("gs-{n}"),
                payload: String::new(),
                created_at: n,
            }));
        }
        let outbox = ledger.books.borrow().outbox.clone();
        assert_eq!(outbox.len() as u64, len);
        for after in (0..len + 3).chain([u64::MAX]) {
            for limit in (0..len as u32 + 3).chain([u32::MAX]) {
                let want: Vec<_> = outbox
                    .iter()
                    .filter(|e| e.seq > after)
                    .take(limit as usize)
                    .cloned()
                    .collect();
                assert_eq!(
                    now(ledger.events_after(after, limit)).unwrap(),
                    want,
                    "{len} events, after {after}, limit {limit}"
                );
            }
        }
    }
}
