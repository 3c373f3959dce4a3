//! The answers written by [`super::Json`] against what wrote them before: the derived
//! `Serialize` types (`ErrorBody`, `SessionView`, `PayoutView`, ...) through
//! `serde_json::to_vec`, and the `Value` objects (keys sorted) of the admin view, an
//! order's sessions and event bodies. The same bytes on generated records whose texts
//! hold what a JSON writer must escape.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::domain::validation::MAX_REPORTED;
use crate::domain::{Currency, Lang, Message, PaymentStatus, Provider, Violation, Violations};
use crate::edge::ledger::{
    EventRecord, EventSource, OrderRecord, PayoutChange, PayoutRecord, SessionRecord, StatusChange,
    StoredEvent,
};
use crate::edge::runtime::rfc3339;
use crate::edge::{events, orders, payouts, sessions, webhooks};

use super::{error, invalid};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<T: Clone>(&mut self, of: &[T]) -> T {
        of[(self.next() % of.len() as u64) as usize].clone()
    }

    fn text(&mut self) -> String {
        let mut text = String::new();
        for _ in 0..self.next() % 3 {
            text.push_str(self.pick(TEXTS));
        }
        text
    }

    fn opt_text(&mut self) -> Option<String> {
        (self.next() % 3 != 0).then(|| self.text())
    }

    fn number(&mut self) -> u64 {
        let n = self.next();
        self.pick(&[
            0,
            1,
            9,
            10,
            999,
            1_700_000_000,
            4_102_444_799,
            u64::MAX,
            n,
            n % 100_000,
        ])
    }

    fn time(&mut self) -> u64 {
        let n = self.next() % 10_000_000_000;
        self.pick(&[0, 59, 86_399, 951_782_400, 1_700_000_000, 4_102_444_799, n])
    }

    fn opt_number(&mut self) -> Option<u64> {
        (self.next() % 2 == 0).then(|| self.number())
    }
}

/// Texts a JSON writer must escape or copy as they are.
const TEXTS: &[&str] = &[
    "",
    "a",
    "gs-0123abcd",
    "\"quoted\"",
    "back\\slash/",
    "line\nbreak\ttab\rcr",
    "\u{0}\u{1}\u{8}\u{c}\u{1f}\u{7f}",
    "é café ✓ 🎉",
    "</script>",
    "\u{2028}\u{2029}\u{fffd}",
    "  spaced  ",
    "{\"json\":[1]}",
];

const STATUSES: [PaymentStatus; 5] = [
    PaymentStatus::Pending,
    PaymentStatus::Succeeded,
    PaymentStatus::Failed,
    PaymentStatus::Cancelled,
    PaymentStatus::Expired,
];
const PROVIDERS: [Provider; 3] = [Provider::Moneroo, Provider::CinetPay, Provider::MoneyFusion];
const SOURCES: [EventSource; 3] = [EventSource::Webhook, EventSource::Poll, EventSource::Expiry];
const METADATA: &[Option<&str>] = &[
    None,
    Some("{}"),
    Some(r#"{"b":"1","a":"x\"y"}"#),
    Some(r#"{"k":"é\n\u0001"}"#),
    Some("not json"),
    Some("[1,2]"),
    Some(""),
];
const RECIPIENTS: &[&str] = &[
    "{}",
    r#"{"phone":"+225 07 •• •• •• 04","name":"A \"B\"","z":1,"a":[true,null]}"#,
    "not json",
    "null",
    "[]",
    "1.5e3",
];

fn session(rng: &mut Rng) -> SessionRecord {
    SessionRecord {
        id: rng.text(),
        provider: rng.pick(&PROVIDERS),
        order_id: rng.opt_text(),
        amount: rng.number(),
        currency: rng.pick(&Currency::ALL),
        description: rng.text(),
        status: rng.pick(&STATUSES),
        provider_ref: rng.opt_text(),
        provider_status: rng.opt_text(),
        checkout_url: rng.opt_text(),
        paid_amount: rng.opt_number(),
        return_url: rng.text(),
        lang: rng.pick(&[Lang::Fr, Lang::En]),
        created_at: rng.time(),
        updated_at: rng.time(),
        expires_at: rng.time(),
        metadata: rng.pick(METADATA).map(str::to_owned),
    }
}

fn history(rng: &mut Rng) -> Vec<EventRecord> {
    (0..rng.next() % 4)
        .map(|_| EventRecord {
            event_key: rng.text(),
            session_id: rng.text(),
            source: rng.pick(&SOURCES),
            status: rng.pick(&STATUSES),
            provider_status: rng.text(),
            moved: rng.next() % 2 == 0,
            at: rng.time(),
        })
        .collect()
}

fn payout(rng: &mut Rng) -> PayoutRecord {
    PayoutRecord {
        id: rng.text(),
        idempotency_key: rng.text(),
        request_digest: rng.text(),
        provider: rng.pick(&PROVIDERS),
        amount: rng.number(),
        currency: rng.pick(&Currency::ALL),
        recipient_json: rng.pick(RECIPIENTS).to_owned(),
        status: rng.pick(&STATUSES),
        provider_ref: rng.opt_text(),
        provider_status: rng.opt_text(),
        failure: rng.opt_text(),
        created_at: rng.time(),
        updated_at: rng.time(),
    }
}

fn order(rng: &mut Rng) -> OrderRecord {
    OrderRecord {
        id: rng.text(),
        reference: rng.text(),
        amount: rng.number(),
        currency: rng.pick(&Currency::ALL),
        description: rng.text(),
        customer_json: rng.opt_text(),
        created_at: rng.time(),
    }
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("UTF-8")
}

// What wrote the answers before.

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    violations: Option<&'a Violations>,
    #[serde(skip_serializing_if = "Option::is_none")]
    omitted: Option<usize>,
}

#[derive(Serialize)]
struct SessionView<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<&'a str>,
    provider: Provider,
    reference: &'a str,
    amount: u64,
    currency: &'static str,
    status: PaymentStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    checkout_url: Option<&'a str>,
    expires_at: String,
    updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    paid_amount: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider_status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<Vec<EventView>>,
}

#[derive(Serialize)]
struct EventView {
    source: EventSource,
    status: PaymentStatus,
    provider_status: String,
    moved: bool,
    at: String,
}

fn event_views(events: &[EventRecord]) -> Vec<EventView> {
    events
        .iter()
        .map(|e| EventView {
            source: e.source,
            status: e.status,
            provider_status: e.provider_status.clone(),
            moved: e.moved,
            at: rfc3339(e.at),
        })
        .collect()
}

fn session_view<'a>(session: &'a SessionRecord, token: Option<&'a str>) -> SessionView<'a> {
    SessionView {
        id: &session.id,
        token,
        provider: session.provider,
        reference: &session.id,
        amount: session.amount,
        currency: session.currency.code(),
        status: session.status,
        checkout_url: session.checkout_url.as_deref(),
        expires_at: rfc3339(session.expires_at),
        updated_at: rfc3339(session.updated_at),
        paid_amount: session.paid_amount,
        provider_status: session.provider_status.as_deref(),
        events: None,
    }
}

fn object(fields: Vec<(&str, Value)>) -> Value {
    let mut map = Map::new();
    for (key, value) in fields {
        map.insert(key.to_owned(), value);
    }
    Value::Object(map)
}

fn session_data(session: &SessionRecord, order_reference: Option<&str>) -> Value {
    let metadata = session
        .metadata
        .as_deref()
        .and_then(|m| serde_json::from_str(m).ok())
        .unwrap_or_else(|| Value::Object(Map::new()));
    object(vec![
        ("object", "session".into()),
        ("id", session.id.clone().into()),
        ("provider", session.provider.as_str().into()),
        ("reference", order_reference.into()),
        ("order_id", session.order_id.clone().into()),
        ("amount", session.amount.into()),
        ("currency", session.currency.code().into()),
        ("status", session.status.as_str().into()),
        ("paid_amount", session.paid_amount.into()),
        ("provider_ref", session.provider_ref.clone().into()),
        ("provider_status", session.provider_status.clone().into()),
        ("metadata", metadata),
        ("created_at", rfc3339(session.created_at).into()),
        ("updated_at", rfc3339(session.updated_at).into()),
        ("expires_at", rfc3339(session.expires_at).into()),
    ])
}

fn json_value(value: &impl Serialize) -> Value {
    serde_json::from_slice(&serde_json::to_vec(value).unwrap()).unwrap()
}

fn body(kind: &str, at: u64, data: Value) -> String {
    serde_json::to_string(&object(vec![
        ("type", kind.into()),
        ("timestamp", rfc3339(at).into()),
        ("data", data),
    ]))
    .unwrap()
}

#[derive(Serialize)]
struct PayoutView<'a> {
    id: &'a str,
    idempotency_key: &'a str,
    provider: Provider,
    amount: u64,
    currency: &'static str,
    status: PaymentStatus,
    recipient: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider_ref: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider_status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<&'a str>,
    created_at: String,
    updated_at: String,
}

fn payout_view(payout: &PayoutRecord) -> PayoutView<'_> {
    let provider_status = if payout.provider == Provider::MoneyFusion && !payout.status.is_final() {
        Some("no status call: MoneyFusion has no payout status endpoint, its payout.session webhook settles this payout")
    } else {
        payout.provider_status.as_deref()
    };
    PayoutView {
        id: &payout.id,
        idempotency_key: &payout.idempotency_key,
        provider: payout.provider,
        amount: payout.amount,
        currency: payout.currency.code(),
        status: payout.status,
        recipient: serde_json::from_str(&payout.recipient_json).unwrap_or(Value::Null),
        provider_ref: payout.provider_ref.as_deref(),
        provider_status,
        failure: payout.failure.as_deref(),
        created_at: rfc3339(payout.created_at),
        updated_at: rfc3339(payout.updated_at),
    }
}

#[derive(Serialize)]
struct OrderView<'a> {
    order_id: &'a str,
    reference: &'a str,
    amount: u64,
    currency: &'static str,
    description: &'a str,
}

#[derive(Serialize)]
struct OrderDetail<'a> {
    #[serde(flatten)]
    order: OrderView<'a>,
    paid: bool,
    sessions: Vec<Value>,
    created_at: String,
}

fn order_view(order: &OrderRecord) -> OrderView<'_> {
    OrderView {
        order_id: &order.id,
        reference: &order.reference,
        amount: order.amount,
        currency: order.currency.code(),
        description: &order.description,
    }
}

#[derive(Serialize)]
struct Received {
    received: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "core::ops::Not::not")]
    recheck: bool,
}

fn listed(event: &StoredEvent) -> Value {
    let mut value =
        serde_json::from_str(&event.payload).unwrap_or_else(|_| Value::Object(Map::new()));
    if let Some(fields) = value.as_object_mut() {
        fields.insert("id".into(), event.id.clone().into());
        fields.insert("cursor".into(), event.seq.to_string().into());
        fields.insert(
            "delivery".into(),
            object(vec![
                ("attempts", event.attempts.into()),
                (
                    "delivered",
                    (event.next_attempt_at.is_none() && event.last_error.is_none()).into(),
                ),
                ("next_attempt_at", event.next_attempt_at.map(rfc3339).into()),
                ("last_error", event.last_error.clone().into()),
            ]),
        );
    }
    value
}

#[derive(Serialize)]
struct Page {
    data: Vec<Value>,
    next_cursor: Option<String>,
    has_more: bool,
}

#[test]
fn error_answers_read_as_the_derived_body_wrote_them() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut checked = 0;
    for _ in 0..300 {
        let (code, message) = (rng.text(), rng.text());
        let old = ErrorBody {
            error: ErrorDetail {
                code: &code,
                message: &message,
                field: None,
                violations: None,
                omitted: None,
            },
        };
        let answer = error(400 + (rng.next() % 200) as u16, &code, &message);
        assert_eq!(text(&answer.body), text(&serde_json::to_vec(&old).unwrap()));

        // 0 to MAX_REPORTED + 2 violations: none, some, and some omitted.
        let mut violations = Violations::new();
        for _ in 0..rng.next() % (MAX_REPORTED as u64 + 3) {
            violations.push(Violation::new(
                &rng.text(),
                rng.text(),
                Message::new(rng.text(), rng.text()),
            ));
        }
        let lang = rng.pick(&[Lang::Fr, Lang::En]);
        let first = violations.as_slice().first();
        let old = ErrorBody {
            error: ErrorDetail {
                code: first.map_or("invalid_request", |v| v.code.as_str()),
                message: first.map_or("invalid request", |v| v.message.get(lang)),
                field: first.map(|v| v.field.as_str()),
                violations: Some(&violations),
                omitted: Some(violations.omitted()).filter(|n| *n > 0),
            },
        };
        let answer = invalid(&violations, lang);
        assert_eq!(answer.status, 422);
        assert_eq!(text(&answer.body), text(&serde_json::to_vec(&old).unwrap()));
        checked += 1;
    }
    assert_eq!(checked, 300);
}

#[test]
fn session_answers_read_as_before() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for _ in 0..400 {
        let session = session(&mut rng);
        let events = history(&mut rng);
        let token = rng.opt_text();

        // POST /sessions, and GET /sessions/:id with the session's token.
        let old = session_view(&session, token.as_deref());
        let new = sessions::view(&session, token.as_deref()).done();
        assert_eq!(text(&new), text(&serde_json::to_vec(&old).unwrap()));
        let mut old = session_view(&session, None);
        old.events = Some(event_views(&events));
        let mut new = sessions::view(&session, None);
        events::history(&mut new, &events, false);
        assert_eq!(text(&new.done()), text(&serde_json::to_vec(&old).unwrap()));

        // GET /sessions/:id with the admin key.
        let reference = rng.opt_text();
        let mut old = session_data(&session, reference.as_deref());
        old.as_object_mut()
            .unwrap()
            .insert("events".into(), json_value(&event_views(&events)));
        let mut new = super::Json::object();
        events::session_data(
            &mut new,
            &session,
            reference.as_deref(),
            Some(&events),
            None,
        );
        assert_eq!(text(&new.done()), text(&serde_json::to_vec(&old).unwrap()));

        // The event a final status announces.
        let change = StatusChange {
            event_key: rng.text(),
            source: rng.pick(&SOURCES),
            status: rng.pick(&STATUSES),
            provider_status: rng.text(),
            paid_amount: rng.opt_number(),
            at: rng.time(),
        };
        let new = events::session_event(&session, reference.as_deref(), &change);
        assert_eq!(new.is_some(), change.status.is_final());
        if let Some(new) = new {
            let after = SessionRecord {
                status: change.status,
                provider_status: Some(change.provider_status.clone()),
                paid_amount: change.paid_amount.or(session.paid_amount),
                updated_at: change.at,
                ..session.clone()
            };
            let old = body(
                &new.event_type,
                change.at,
                session_data(&after, reference.as_deref()),
            );
            assert_eq!(new.payload, old);
        }
    }
}

#[test]
fn order_answers_read_as_before() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for _ in 0..200 {
        let order = order(&mut rng);
        let answer = orders::answer(201, &order);
        assert_eq!(answer.status, 201);
        assert_eq!(
            text(&answer.body),
            text(&serde_json::to_vec(&order_view(&order)).unwrap())
        );
        let sessions: Vec<SessionRecord> = (0..rng.next() % 4).map(|_| session(&mut rng)).collect();
        let old = OrderDetail {
            order: order_view(&order),
            paid: sessions
                .iter()
                .any(|s| s.status == PaymentStatus::Succeeded),
            sessions: sessions
                .iter()
                .map(|s| session_data(s, Some(&order.reference)))
                .collect(),
            created_at: rfc3339(order.created_at),
        };
        let new = orders::detail(&order, &sessions);
        assert_eq!(text(&new.body), text(&serde_json::to_vec(&old).unwrap()));
    }
}

#[test]
fn payout_answers_and_events_read_as_before() {
    let mut rng = Rng(0x0f0f_1234_abcd_5555);
    for _ in 0..300 {
        let payout = payout(&mut rng);
        let old = payout_view(&payout);
        assert_eq!(
            text(&payouts::view(&payout).answer(200).body),
            text(&serde_json::to_vec(&old).unwrap())
        );
        // The event a final status announces: the view as a `Value`, with its object.
        let mut data = json_value(&old);
        data.as_object_mut()
            .unwrap()
            .insert("object".into(), "payout".into());
        let change = PayoutChange {
            event_key: rng.text(),
            status: rng.pick(&STATUSES),
            provider_ref: rng.opt_text(),
            provider_status: rng.text(),
            failure: rng.opt_text(),
            at: rng.time(),
        };
        let new = events::payout_event(&payout, &change, &payouts::event_data(&payout));
        assert_eq!(new.is_some(), change.status.is_final());
        if let Some(new) = new {
            assert_eq!(new.payload, body(&new.event_type, change.at, data));
        }
    }
}

#[test]
fn webhook_and_event_list_answers_read_as_before() {
    for status in [None, Some("pending"), Some("succeeded")] {
        for recheck in [false, true] {
            let old = Received {
                received: true,
                status,
                recheck,
            };
            let new = webhooks::acknowledged(status, recheck);
            assert_eq!(new.status, if recheck { 202 } else { 200 });
            assert_eq!(text(&new.body), text(&serde_json::to_vec(&old).unwrap()));
        }
    }
    let mut rng = Rng(0x7777_0000_1111_2222);
    let payloads = [
        r#"{"data":{"a":1},"timestamp":"x","type":"payment.succeeded"}"#,
        "not json",
        "[1]",
        "\"text\"",
        "{}",
        "null",
        r#"{"zz":1,"id":"theirs","a\"b":2,"cursor":5,"delivery":null,"data":{},"é":[],"\u0001":3}"#,
        r#"{"cursorx":1,"d":2,"deliveryy":3,"i":4,"ida":5,"c":6}"#,
    ];
    for _ in 0..100 {
        let stored: Vec<StoredEvent> = (0..rng.next() % 4)
            .map(|_| StoredEvent {
                seq: rng.number(),
                id: rng.text(),
                event_type: rng.text(),
                subject_id: rng.text(),
                payload: rng.pick(&payloads).to_owned(),
                created_at: rng.time(),
                attempts: (rng.next() % 20) as u32,
                next_attempt_at: rng.opt_number().map(|n| n % 10_000_000_000),
                delivered_to: rng.text(),
                last_error: rng.opt_text(),
            })
            .collect();
        let has_more = rng.next() % 2 == 0;
        let new = events::page(&stored, has_more);
        let old = Page {
            data: stored.iter().map(listed).collect(),
            next_cursor: stored.last().map(|e| e.seq.to_string()),
            has_more,
        };
        assert_eq!(text(&new.body), text(&serde_json::to_vec(&old).unwrap()));
    }
}

#[derive(Serialize)]
struct OldDeliveries {
    attempted: u64,
    delivered: u64,
    retrying: u64,
    abandoned: u64,
}

#[derive(Serialize)]
struct OldSweepReport {
    checked: u64,
    settled: u64,
    expired: u64,
    unanswered: u64,
    deferred: u64,
    deliveries: OldDeliveries,
}

#[test]
fn the_sweep_report_reads_as_before() {
    use crate::edge::outbox::Deliveries;
    use crate::edge::sweep::SweepReport;
    let mut rng = Rng(0x5eed_0000_0000_0001);
    for _ in 0..100 {
        let n: Vec<u64> = (0..9).map(|_| rng.number()).collect();
        let new = SweepReport {
            checked: n[0],
            settled: n[1],
            expired: n[2],
            unanswered: n[3],
            deferred: n[4],
            deliveries: Deliveries {
                attempted: n[5],
                delivered: n[6],
                retrying: n[7],
                abandoned: n[8],
            },
        };
        let old = OldSweepReport {
            checked: n[0],
            settled: n[1],
            expired: n[2],
            unanswered: n[3],
            deferred: n[4],
            deliveries: OldDeliveries {
                attempted: n[5],
                delivered: n[6],
                retrying: n[7],
                abandoned: n[8],
            },
        };
        assert_eq!(new.to_json(), serde_json::to_string(&old).unwrap());
    }
}
