//! The storefront side inside headless Chromium: the exported `validateCheckout` takes
//! plain JavaScript objects and judges the checkout stories exactly as the backend does,
//! in the shopper's language.
#![cfg(all(target_arch = "wasm32", feature = "browser", feature = "return-page"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use guichet::browser::{format_amount, validate_checkout};
use js_sys::{Array, Reflect, JSON};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn field(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &name.into()).unwrap()
}

#[wasm_bindgen_test]
fn the_browser_bundle_judges_every_story_like_the_backend() {
    assert!(
        Reflect::has(&js_sys::global(), &"document".into()).unwrap(),
        "runs in a real page"
    );
    for story in common::stories() {
        let request = JSON::parse(&story.request.to_string()).unwrap();
        let report = validate_checkout(request, "en".into());
        let found: Vec<common::Expected> = Array::from(&field(&report, "violations"))
            .iter()
            .map(|v| common::Expected {
                code: field(&v, "code").as_string().unwrap(),
                field: field(&v, "field").as_string().unwrap(),
            })
            .collect();
        assert_eq!(found, common::judge(&story.request), "{}", story.story);
        assert_eq!(field(&report, "ok").as_bool(), Some(found.is_empty()));
    }
}

#[wasm_bindgen_test]
fn messages_come_in_the_shoppers_language() {
    let request = JSON::parse(r#"{"provider":"moneyfusion","order_id":"o1","customer":{"first_name":"Koffi","last_name":"M"}}"#).unwrap();
    let fr = validate_checkout(request.clone(), JsValue::UNDEFINED);
    let en = validate_checkout(request, "en-GB".into());
    let message = |r: &JsValue| {
        field(&Array::from(&field(r, "violations")).get(0), "message")
            .as_string()
            .unwrap()
    };
    assert_eq!(message(&fr), "Ce champ est obligatoire.");
    assert_eq!(message(&en), "This field is required.");
}

#[wasm_bindgen_test]
fn amounts_are_written_for_shoppers_and_bad_ones_refused() {
    // A text, or the Error index.js throws.
    let text = |amount, currency: &str, lang: JsValue| format_amount(amount, currency.into(), lang);
    assert_eq!(
        text(12500.0, "XOF", JsValue::UNDEFINED)
            .as_string()
            .unwrap(),
        "12\u{202f}500\u{a0}F\u{202f}CFA"
    );
    assert_eq!(
        text(1999.0, "usd", "en".into()).as_string().unwrap(),
        "$\u{a0}19.99"
    );
    for (amount, currency) in [
        (12.5, "XOF"),
        (f64::NAN, "XOF"),
        (-1.0, "XOF"),
        (10.0, "BTC"),
    ] {
        let refused = text(amount, currency, JsValue::UNDEFINED);
        assert!(
            refused.is_instance_of::<js_sys::Error>(),
            "{amount} {currency}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Checkout flows, with the edge stubbed at the HTTP level (window.fetch answering as
// docs/EDGE.md says) and the overlay, popup and redirect surfaces of js/browser/surface.js.

use guichet::browser::lookup::lookup;
use guichet::browser::outcome::{Effect, Event, Machine, Signal};
use guichet::browser::store::Stored;
use guichet::browser::{hosts, params, poll::Backoff, Client};
use guichet::domain::{PaymentStatus, Provider};
use js_sys::futures::JsFuture;
use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/browser/surface.js")]
extern "C" {
    #[wasm_bindgen(js_name = openSurface)]
    fn open_surface(display: &str, provider: &str, lang: &str, shop: &str) -> JsValue;
}

#[wasm_bindgen(module = "/js/browser/flow.js")]
extern "C" {
    fn run(client: &JsValue, emit: &JsValue, surface: &JsValue, first: &JsValue) -> Promise;
}

#[wasm_bindgen(inline_js = r#"
const json = (status, body) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

// An edge that creates session `id` (checkout page `checkoutUrl`) and answers its GETs
// with `statuses` in turn (the last one repeats). Counts what it is asked.
export function backend(id, checkoutUrl, statuses) {
  const state = { posts: 0, gets: 0, bodies: [], auth: [] };
  window.fetch = async (url, init = {}) => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if ((init.method ?? "GET") === "POST" && url === "/api/sessions") {
      state.posts += 1;
      const body = JSON.parse(init.body);
      state.bodies.push(body);
      return json(201, {
        id, token: `v1.k1.${id}.sig`, provider: body.provider, checkout_url: checkoutUrl,
        amount: 15000, currency: "XOF", status: "pending", expires_at: "2026-11-21T10:15:00Z",
      });
    }
    if (url === `/api/sessions/${id}`) {
      state.gets += 1;
      state.auth.push(init.headers?.authorization);
      const status = statuses[Math.min(state.gets - 1, statuses.length - 1)];
      return json(200, {
        id, provider: "moneroo", reference: "ORD-7", amount: 15000, currency: "XOF", status,
        checkout_url: checkoutUrl, expires_at: "2026-11-21T10:15:00Z", updated_at: "2026-11-21T10:00:00Z",
      });
    }
    return json(404, { error: { code: "not_found", message: "Not found" } });
  };
  return state;
}

// The flow tests share window.fetch and sessionStorage, and async tests run interleaved:
// each takes this lock first. It answers the function that releases it.
let chain = Promise.resolve();
export function lock() {
  let release;
  const previous = chain;
  chain = new Promise((resolve) => (release = resolve));
  return previous.then(() => release);
}

export function recorder() {
  const events = [];
  return { events, emit: (type, detail) => events.push({ type, detail }) };
}

export function count(recorder, type) {
  return recorder.events.filter((e) => e.type === type).length;
}

export function detail(recorder, type) {
  return recorder.events.find((e) => e.type === type)?.detail;
}

// A surface as the glue makes it, recording where it was sent.
export function fakeSurface(kind, win) {
  const surface = {
    kind, window: win ?? null, urls: [], shut: false, focused: 0,
    go(url) { surface.urls.push(url); },
    closed() { return surface.shut; },
    close() { surface.shut = true; },
    focus() { surface.focused += 1; },
  };
  return surface;
}

// A same-origin frame, to play the return page inside the checkout frame.
export function frame() {
  const element = document.createElement("iframe");
  document.body.append(element);
  return element;
}

// Posts from inside `win` (its own realm, so `event.source` is `win`) to its parent.
export function postFrom(win, data, targetOrigin) {
  win.eval(`parent.postMessage(${JSON.stringify(data)}, ${JSON.stringify(targetOrigin)})`);
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function stubOpen(value) {
  const real = window.open;
  window.open = () => value;
  return () => { window.open = real; };
}

export function pressEscape() {
  document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
}

export function query(selector) {
  return document.querySelector(selector);
}

export function active() {
  return document.activeElement;
}

export function attribute(element, name) {
  return element.getAttribute(name);
}

// Changes this page's URL (query) without leaving it; answers the previous URL.
export function setUrl(url) {
  const before = location.href;
  history.replaceState(null, "", url);
  return before;
}

export function button() {
  const element = document.createElement("button");
  element.textContent = "Payer";
  document.body.append(element);
  element.focus();
  return element;
}
"#)]
extern "C" {
    fn backend(id: &str, checkout_url: &str, statuses: Vec<JsValue>) -> JsValue;
    fn lock() -> Promise;
    fn recorder() -> JsValue;
    fn count(recorder: &JsValue, kind: &str) -> u32;
    fn detail(recorder: &JsValue, kind: &str) -> JsValue;
    #[wasm_bindgen(js_name = fakeSurface)]
    fn fake_surface(kind: &str, window: &JsValue) -> JsValue;
    fn frame() -> JsValue;
    #[wasm_bindgen(js_name = postFrom)]
    fn post_from(window: &JsValue, data: &JsValue, target_origin: &str);
    fn sleep(ms: f64) -> Promise;
    #[wasm_bindgen(js_name = stubOpen)]
    fn stub_open(value: &JsValue) -> Function;
    #[wasm_bindgen(js_name = pressEscape)]
    fn press_escape();
    fn button() -> JsValue;
    fn query(selector: &str) -> JsValue;
    fn active() -> JsValue;
    fn attribute(element: &JsValue, name: &str) -> Option<String>;
    #[wasm_bindgen(js_name = setUrl)]
    fn set_url(url: &str) -> String;
}

fn call(object: &JsValue, method: &str) {
    Function::from(field(object, method)).call0(object).unwrap();
}

async fn wait(ms: f64) {
    JsFuture::from(sleep(ms)).await.unwrap();
}

/// Waits until `ready` holds, looking every 20 ms for at most 15 s: a loaded machine is
/// slower, never different, so a story waits for what it needs instead of a fixed time.
async fn until(what: &str, ready: impl Fn() -> bool) {
    for _ in 0..750 {
        if ready() {
            return;
        }
        wait(20.0).await;
    }
    panic!("still waiting: {what}");
}

/// Waits until the checkout went into `surface` (the session exists and is followed).
async fn opened(surface: &JsValue) {
    until("the checkout URL in the surface", || {
        Array::from(&field(surface, "urls")).length() >= 1
    })
    .await;
}

fn json(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

fn text(value: &JsValue, name: &str) -> Option<String> {
    field(value, name).as_string()
}

fn number(value: &JsValue, name: &str) -> f64 {
    field(value, name).as_f64().unwrap()
}

fn origin() -> String {
    web_sys::window().unwrap().location().origin().unwrap()
}

fn session_storage() -> web_sys::Storage {
    web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
}

/// A client (as the page's JavaScript holds it) and the recorder of its events; `extra`
/// adds options (`, "sandbox": true`).
fn client(extra: &str) -> (JsValue, JsValue) {
    session_storage().clear().unwrap();
    let options = json(&format!(
        r#"{{"endpoint": "/api/", "provider": "moneroo", "lang": "en", "pollInterval": 100 {extra}}}"#
    ));
    (Client::new(options).unwrap().into(), recorder())
}

fn method(object: &JsValue, name: &str, args: &[JsValue]) -> JsValue {
    let function: Function = field(object, name).into();
    Reflect::apply(&function, object, &args.iter().collect::<Array>()).unwrap()
}

/// What `Guichet#open` does once the WebAssembly is there: the order checked before any
/// surface opens (a refused one is told without `surface`), then the session started in it.
fn start(
    client: &JsValue,
    events: &JsValue,
    order: JsValue,
    surface: &JsValue,
    cinetpay: bool,
) -> Promise {
    let emit = field(events, "emit");
    let refused = method(
        client,
        "step",
        &["check".into(), order.clone(), cinetpay.into()],
    );
    if !refused.is_null() {
        return run(client, &emit, &JsValue::NULL, &refused);
    }
    let kind = if field(surface, "reused").is_truthy() {
        "reused".into()
    } else {
        field(surface, "kind")
    };
    let first = method(
        client,
        "step",
        &["start".into(), order, cinetpay.into(), kind],
    );
    run(client, &emit, surface, &first)
}

/// What `Guichet#handleReturn` (`return`) and `#resume` (`resume`) do: the return page's
/// lookup (the second module), then the one client follows what it found; `None` when
/// there is nothing to follow.
fn follow(client: &JsValue, events: &JsValue, call: &str) -> Option<Promise> {
    let found = lookup(call);
    if found.is_undefined() {
        return None;
    }
    let first = method(client, "step", &[call.into(), found]);
    (!first.is_null()).then(|| run(client, &field(events, "emit"), &JsValue::NULL, &first))
}

fn order() -> JsValue {
    json(
        r#"{"items": [{"sku": "wax-6y", "quantity": 2}], "customer": {"first_name": "Awa", "last_name": "Koné", "email": "awa@example.ci"}}"#,
    )
}

/// Holds the flow lock until dropped (a failed test releases it as it unwinds... or not:
/// with panic=abort in wasm the whole run stops, which is what a failure should do).
struct Turn(Function);

impl Drop for Turn {
    fn drop(&mut self) {
        self.0.call0(&JsValue::NULL).unwrap();
    }
}

async fn turn() -> Turn {
    Turn(JsFuture::from(lock()).await.unwrap().into())
}

async fn settle(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

#[wasm_bindgen_test]
async fn a_checkout_url_on_an_unexpected_host_is_refused_before_leaving() {
    let _turn = turn().await;
    for (url, sandbox) in [
        ("https://checkout.moneroo.io.evil.example/pay", ""),
        ("https://evil.example/checkout.moneroo.io", ""),
        ("http://127.0.0.1:4010/moneroo/checkout/ses_h", ""),
        ("javascript:alert(1)", r#", "sandbox": true"#),
    ] {
        let (client, events) = client(sandbox);
        let edge = backend("ses_host", url, vec![]);
        let surface = fake_surface("redirect", &JsValue::NULL);
        let error = settle(start(&client, &events, order(), &surface, false))
            .await
            .unwrap_err();
        assert_eq!(
            text(&error, "code").as_deref(),
            Some("unexpected_host"),
            "{url}"
        );
        assert_eq!(text(&error, "name").as_deref(), Some("GuichetError"));
        assert_eq!(
            Array::from(&field(&surface, "urls")).length(),
            0,
            "{url}: never sent there"
        );
        assert_eq!(count(&events, "error"), 1);
        assert_eq!(count(&events, "ready"), 0);
        assert_eq!(number(&edge, "posts"), 1.0);
        assert_eq!(session_storage().get_item("guichet.session").unwrap(), None);
    }
}

#[wasm_bindgen_test]
async fn redirect_sends_the_shopper_to_the_providers_page_after_one_post() {
    let _turn = turn().await;
    let (client, events) = client("");
    let edge = backend(
        "ses_redirect",
        "https://checkout.moneroo.io/k4su1ii7abdz",
        vec![],
    );
    let surface = fake_surface("redirect", &JsValue::NULL);
    let outcome = settle(start(&client, &events, order(), &surface, false))
        .await
        .unwrap();
    assert_eq!(
        Array::from(&field(&surface, "urls")).to_vec(),
        vec![JsValue::from_str(
            "https://checkout.moneroo.io/k4su1ii7abdz"
        )]
    );
    assert_eq!(text(&outcome, "session").as_deref(), Some("ses_redirect"));
    assert_eq!(text(&outcome, "status").as_deref(), Some("pending"));
    assert_eq!(count(&events, "ready"), 1);
    // The body is the backend's contract: snake_case, no amount, the options' provider and lang.
    let body = Array::from(&field(&edge, "bodies")).get(0);
    assert_eq!(text(&body, "provider").as_deref(), Some("moneroo"));
    assert_eq!(text(&body, "lang").as_deref(), Some("en"));
    assert_eq!(
        text(&field(&body, "customer"), "first_name").as_deref(),
        Some("Awa")
    );
    assert!(field(&body, "amount").is_undefined());
    // Kept for the return page: id, token, provider and that the page left (no popup
    // outlives it), nothing else.
    assert_eq!(
        session_storage()
            .get_item("guichet.session")
            .unwrap()
            .as_deref(),
        Some("ses_redirect\nv1.k1.ses_redirect.sig\nmoneroo\npage")
    );
}

#[wasm_bindgen_test]
async fn an_invalid_order_is_refused_before_any_request_in_the_shoppers_language() {
    let _turn = turn().await;
    let (client, events) = client("");
    let edge = backend("ses_invalid", "https://checkout.moneroo.io/x", vec![]);
    let surface = fake_surface("overlay", &JsValue::NULL);
    let bad = json(r#"{"items": [], "amount": 100, "customer": {"email": "nope"}}"#);
    let error = settle(start(&client, &events, bad, &surface, false))
        .await
        .unwrap_err();
    assert_eq!(text(&error, "code").as_deref(), Some("invalid_order"));
    let violations = Array::from(&field(&error, "violations"));
    let codes: Vec<String> = violations
        .iter()
        .map(|v| text(&v, "code").unwrap())
        .collect();
    assert!(
        codes.contains(&"amount_not_allowed".to_owned()),
        "{codes:?}"
    );
    assert!(
        text(&violations.get(0), "message").unwrap().is_ascii(),
        "English messages"
    );
    assert_eq!(number(&edge, "posts"), 0.0);
    assert_eq!(
        Array::from(&field(&surface, "urls")).length(),
        0,
        "nothing shown"
    );
    assert_eq!(count(&events, "error"), 1);
    assert_eq!(count(&events, "close"), 0, "no surface was needed");
}

#[wasm_bindgen_test]
async fn a_double_click_opens_one_session() {
    let _turn = turn().await;
    let (client, events) = client(r#", "sandbox": true"#);
    let edge = backend(
        "ses_double",
        "http://127.0.0.1:4010/moneroo/checkout/x",
        vec![json(r#""pending""#)],
    );
    let first = fake_surface("popup", &JsValue::NULL);
    let second = fake_surface("popup", &JsValue::NULL);
    let a = start(&client, &events, order(), &first, false);
    let busy = settle(start(&client, &events, order(), &second, false)).await;
    assert_eq!(
        text(&busy.unwrap_err(), "code").as_deref(),
        Some("checkout_under_way"),
        "busy, and says why"
    );
    assert_eq!(
        field(&second, "shut").as_bool(),
        Some(true),
        "the extra popup is closed"
    );
    wait(200.0).await;
    let third = fake_surface("popup", &JsValue::NULL);
    let busy = settle(start(&client, &events, order(), &third, false)).await;
    assert!(busy.is_err(), "still busy once the session exists");
    assert_eq!(
        count(&events, "error"),
        2,
        "each told to the error listeners"
    );
    assert_eq!(
        field(&first, "shut").as_bool(),
        Some(false),
        "the first one stays"
    );
    assert_eq!(number(&edge, "posts"), 1.0);
    js_sys::Reflect::set(&first, &"shut".into(), &JsValue::TRUE).unwrap();
    let outcome = settle(a).await.unwrap();
    assert_eq!(text(&outcome, "session").as_deref(), Some("ses_double"));
}

#[wasm_bindgen_test]
async fn duplicate_completion_signals_tell_success_once() {
    let _turn = turn().await;
    let (client, events) = client(r#", "sandbox": true"#);
    let edge = backend(
        "ses_dup",
        &(origin() + "/missing"),
        vec![json(r#""pending""#), json(r#""succeeded""#)],
    );
    let checkout = frame();
    let window = field(&checkout, "contentWindow");
    let surface = fake_surface("overlay", &window);
    let promise = start(&client, &events, order(), &surface, false);
    opened(&surface).await;
    let nudge = json(r#"{"source": "guichet", "type": "return", "session": "ses_dup"}"#);
    for _ in 0..3 {
        post_from(&window, &nudge, &origin());
    }
    let outcome = settle(promise).await.unwrap();
    for _ in 0..3 {
        post_from(&window, &nudge, &origin());
    }
    wait(600.0).await;
    assert_eq!(text(&outcome, "status").as_deref(), Some("succeeded"));
    assert_eq!(count(&events, "success"), 1);
    assert_eq!(count(&events, "failed"), 0);
    assert_eq!(count(&events, "ready"), 1);
    assert_eq!(
        count(&events, "close"),
        1,
        "closed after the response, once"
    );
    assert_eq!(field(&surface, "shut").as_bool(), Some(true));
    let gets = number(&edge, "gets");
    wait(400.0).await;
    assert_eq!(number(&edge, "gets"), gets, "no poll after the outcome");
    assert_eq!(session_storage().get_item("guichet.session").unwrap(), None);
    call(&checkout, "remove");
}

#[wasm_bindgen_test]
async fn a_window_closed_right_after_the_return_still_gets_its_outcome() {
    let _turn = turn().await;
    let (client, events) = client(r#", "sandbox": true, "pollInterval": 60000"#);
    let edge = backend(
        "ses_last",
        &(origin() + "/missing"),
        vec![json(r#""succeeded""#)],
    );
    let checkout = frame();
    let window = field(&checkout, "contentWindow");
    let surface = fake_surface("popup", &window);
    let promise = start(&client, &events, order(), &surface, false);
    opened(&surface).await;
    // The return page tells the shop, and its window closes at once.
    post_from(
        &window,
        &json(r#"{"source": "guichet", "type": "return", "session": "ses_last"}"#),
        &origin(),
    );
    js_sys::Reflect::set(&surface, &"shut".into(), &JsValue::TRUE).unwrap();
    let outcome = settle(promise).await.unwrap();
    assert_eq!(
        number(&edge, "gets"),
        1.0,
        "asked once more before the close"
    );
    assert_eq!(text(&outcome, "status").as_deref(), Some("succeeded"));
    assert_eq!(count(&events, "success"), 1);
    call(&checkout, "remove");
}

#[wasm_bindgen_test]
async fn messages_from_a_foreign_origin_or_another_window_are_ignored() {
    let _turn = turn().await;
    let nudge = json(r#"{"source": "guichet", "type": "return", "session": "ses_msg"}"#);
    // The return page is declared on another origin: a message from ours is foreign.
    let (foreign, events) = client(
        r#", "sandbox": true, "pollInterval": 60000, "returnUrl": "https://shop.example/return""#,
    );
    let edge = backend(
        "ses_msg",
        &(origin() + "/missing"),
        vec![json(r#""pending""#)],
    );
    let checkout = frame();
    let window = field(&checkout, "contentWindow");
    let surface = fake_surface("overlay", &window);
    let promise = start(&foreign, &events, order(), &surface, false);
    opened(&surface).await;
    post_from(&window, &nudge, "*");
    wait(400.0).await;
    assert_eq!(
        number(&edge, "gets"),
        0.0,
        "a foreign origin does not make us ask"
    );
    js_sys::Reflect::set(&surface, &"shut".into(), &JsValue::TRUE).unwrap();
    settle(promise).await.unwrap();

    // The right origin but another window (this page itself) is ignored too...
    let (client, events) = client(r#", "sandbox": true, "pollInterval": 60000"#);
    let edge = backend(
        "ses_msg",
        &(origin() + "/missing"),
        vec![json(r#""pending""#)],
    );
    let surface = fake_surface("overlay", &window);
    let promise = start(&client, &events, order(), &surface, false);
    opened(&surface).await;
    let page: JsValue = web_sys::window().unwrap().into();
    post_from(&page, &nudge, &origin());
    // ...and so is another session's nudge from the right window.
    post_from(
        &window,
        &json(r#"{"source": "guichet", "type": "return", "session": "ses_other"}"#),
        &origin(),
    );
    wait(400.0).await;
    assert_eq!(number(&edge, "gets"), 0.0);
    // The control: the right window, origin and session make us ask at once.
    post_from(&window, &nudge, &origin());
    until("the status request the nudge asks for", || {
        number(&edge, "gets") >= 1.0
    })
    .await;
    assert_eq!(number(&edge, "gets"), 1.0);
    js_sys::Reflect::set(&surface, &"shut".into(), &JsValue::TRUE).unwrap();
    settle(promise).await.unwrap();
    call(&checkout, "remove");
}

#[wasm_bindgen_test]
async fn the_outcome_comes_from_the_backend_not_from_the_message() {
    let _turn = turn().await;
    let (client, events) = client(r#", "sandbox": true, "pollInterval": 60000"#);
    backend(
        "ses_truth",
        &(origin() + "/missing"),
        vec![json(r#""failed""#)],
    );
    let checkout = frame();
    let window = field(&checkout, "contentWindow");
    let surface = fake_surface("overlay", &window);
    let promise = start(&client, &events, order(), &surface, false);
    opened(&surface).await;
    let claim = json(
        r#"{"source": "guichet", "type": "return", "session": "ses_truth", "status": "succeeded", "paymentStatus": "success"}"#,
    );
    post_from(&window, &claim, &origin());
    let outcome = settle(promise).await.unwrap();
    assert_eq!(text(&outcome, "status").as_deref(), Some("failed"));
    assert_eq!(count(&events, "success"), 0);
    assert_eq!(count(&events, "failed"), 1);
    call(&checkout, "remove");
}

#[wasm_bindgen_test]
async fn a_reload_resumes_the_stored_session() {
    let _turn = turn().await;
    let (client, events) = client("");
    assert!(
        follow(&client, &events, "resume").is_none(),
        "nothing stored"
    );
    let edge = backend(
        "ses_resume",
        "https://checkout.moneroo.io/x",
        vec![json(r#""pending""#), json(r#""succeeded""#)],
    );
    session_storage()
        .set_item(
            "guichet.session",
            "ses_resume\nv1.k1.ses_resume.sig\nmoneroo",
        )
        .unwrap();
    let outcome = settle(follow(&client, &events, "resume").unwrap())
        .await
        .unwrap();
    assert_eq!(text(&outcome, "status").as_deref(), Some("succeeded"));
    assert_eq!(text(&outcome, "reference").as_deref(), Some("ORD-7"));
    assert_eq!(
        Array::from(&field(&edge, "auth"))
            .get(0)
            .as_string()
            .as_deref(),
        Some("Bearer v1.k1.ses_resume.sig")
    );
    assert_eq!(
        count(&events, "pending"),
        1,
        "pending told once while waiting"
    );
    assert_eq!(count(&events, "success"), 1);
    assert_eq!(count(&events, "close"), 0, "no surface to close");
    assert_eq!(session_storage().get_item("guichet.session").unwrap(), None);
}

#[wasm_bindgen_test]
async fn a_reload_that_took_the_overlay_away_tells_the_payment_interrupted() {
    let _turn = turn().await;
    for (status, told) in [("pending", "close"), ("succeeded", "success")] {
        let (client, events) = client("");
        backend(
            "ses_gone",
            "https://checkout.cinetpay.com/x",
            vec![json(&format!(r#""{status}""#))],
        );
        session_storage()
            .set_item(
                "guichet.session",
                "ses_gone\nv1.k1.ses_gone.sig\ncinetpay\npage",
            )
            .unwrap();
        let outcome = settle(follow(&client, &events, "resume").unwrap())
            .await
            .unwrap();
        assert_eq!(text(&outcome, "status").as_deref(), Some(status));
        assert_eq!(count(&events, told), 1, "{status}: told {told}");
        assert_eq!(count(&events, "pending"), 0, "{status}: never left waiting");
        assert!(
            field(&client, "done").as_bool().unwrap(),
            "{status}: the shopper may pay again"
        );
    }
}

#[wasm_bindgen_test]
async fn paying_again_takes_over_a_resumed_session_whose_popup_is_gone() {
    let _turn = turn().await;
    let (client, events) = client(r#", "sandbox": true"#);
    let edge = backend(
        "ses_again",
        "http://127.0.0.1:4010/moneroo/checkout/again",
        vec![json(r#""pending""#)],
    );
    session_storage()
        .set_item(
            "guichet.session",
            "ses_again\nv1.k1.ses_again.sig\nmoneroo\npopup",
        )
        .unwrap();
    let resumed = follow(&client, &events, "resume").unwrap();
    wait(150.0).await;
    // A fresh popup (not the provider's page any more): a new session goes into it.
    let surface = fake_surface("popup", &JsValue::NULL);
    let promise = start(&client, &events, order(), &surface, false);
    assert!(
        settle(resumed).await.unwrap().is_null(),
        "the followed session gives way"
    );
    opened(&surface).await;
    assert_eq!(number(&edge, "posts"), 1.0);
    assert_eq!(Array::from(&field(&surface, "urls")).length(), 1);
    call(&surface, "close");
    settle(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn paying_again_while_the_resumed_sessions_popup_lives_brings_it_forward() {
    let _turn = turn().await;
    let (client, events) = client(r#", "sandbox": true, "timeout": 600"#);
    let edge = backend(
        "ses_alive",
        "http://127.0.0.1:4010/moneroo/checkout/alive",
        vec![json(r#""pending""#)],
    );
    session_storage()
        .set_item(
            "guichet.session",
            "ses_alive\nv1.k1.ses_alive.sig\nmoneroo\npopup",
        )
        .unwrap();
    let resumed = follow(&client, &events, "resume").unwrap();
    // window.open found the popup still on the provider's page.
    let surface = fake_surface("popup", &JsValue::NULL);
    js_sys::Reflect::set(&surface, &"reused".into(), &JsValue::TRUE).unwrap();
    let error = settle(start(&client, &events, order(), &surface, false))
        .await
        .unwrap_err();
    assert_eq!(text(&error, "code").as_deref(), Some("checkout_under_way"));
    assert!(text(&error, "message")
        .unwrap()
        .contains("provider's window"));
    assert_eq!(count(&events, "error"), 1, "told, not swallowed");
    assert_eq!(number(&surface, "focused"), 1.0, "brought to the front");
    assert_eq!(field(&surface, "shut").as_bool(), Some(false), "left open");
    assert_eq!(
        Array::from(&field(&surface, "urls")).length(),
        0,
        "not sent elsewhere"
    );
    assert_eq!(number(&edge, "posts"), 0.0);
    assert!(!field(&client, "done").as_bool().unwrap(), "still followed");
    let outcome = settle(resumed).await.unwrap();
    assert_eq!(text(&outcome, "session").as_deref(), Some("ses_alive"));
}

#[wasm_bindgen_test]
async fn the_return_page_asks_the_backend_and_ignores_the_urls_status() {
    let _turn = turn().await;
    let (client, events) = client("");
    backend(
        "ses_ret",
        "https://checkout.moneroo.io/x",
        vec![json(r#""cancelled""#)],
    );
    session_storage()
        .set_item("guichet.session", "ses_ret\nv1.k1.ses_ret.sig\nmoneroo")
        .unwrap();
    // Moneroo's own parameters (no guichet_session): found through the stored session.
    let before = set_url("?paymentId=k4su1ii7abdz&paymentStatus=success");
    let outcome = settle(follow(&client, &events, "return").unwrap()).await;
    set_url(&before);
    let outcome = outcome.unwrap();
    assert_eq!(text(&outcome, "status").as_deref(), Some("cancelled"));
    assert_eq!(count(&events, "failed"), 1);
    assert_eq!(count(&events, "success"), 0);
}

#[wasm_bindgen_test]
async fn a_return_for_a_session_this_tab_does_not_know_is_an_error() {
    let _turn = turn().await;
    let (client, events) = client("");
    backend(
        "ses_known",
        "https://checkout.moneroo.io/x",
        vec![json(r#""succeeded""#)],
    );
    let before = set_url("?guichet_session=ses_known");
    let outcome = settle(follow(&client, &events, "return").unwrap()).await;
    set_url(&before);
    assert_eq!(
        text(&outcome.unwrap_err(), "code").as_deref(),
        Some("session_not_found")
    );
    assert_eq!(count(&events, "error"), 1);
    // Not a return page at all: nothing to do.
    assert!(follow(&client, &events, "return").is_none());
}

#[wasm_bindgen_test]
async fn a_blocked_popup_falls_back_to_the_redirect() {
    let _turn = turn().await;
    let restore = stub_open(&JsValue::NULL);
    let surface = open_surface("popup", "moneroo", "fr", "Chez Awa");
    restore.call0(&JsValue::NULL).unwrap();
    assert_eq!(text(&surface, "kind").as_deref(), Some("redirect"));
    // Keep this test page: record where the redirect would go instead of going.
    let urls = Array::new();
    let record = Closure::<dyn Fn(String)>::new({
        let urls = urls.clone();
        move |url: String| {
            urls.push(&url.into());
        }
    });
    js_sys::Reflect::set(&surface, &"go".into(), record.as_ref()).unwrap();
    let (client, events) = client("");
    backend(
        "ses_blocked",
        "https://checkout.moneroo.io/blocked1",
        vec![],
    );
    settle(start(&client, &events, order(), &surface, false))
        .await
        .unwrap();
    assert_eq!(
        urls.to_vec(),
        vec![JsValue::from_str("https://checkout.moneroo.io/blocked1")]
    );
    assert_eq!(count(&events, "ready"), 1);
}

#[wasm_bindgen_test]
async fn closing_the_overlay_tells_close_with_the_last_status_and_returns_focus() {
    let _turn = turn().await;
    let opener = button();
    let surface = open_surface("overlay", "cinetpay", "en", "Chez Awa");
    let dialog = query("[role=dialog]");
    assert_eq!(attribute(&dialog, "aria-modal").as_deref(), Some("true"));
    // A header that says whose checkout it is, who takes the payment, and how to leave.
    let title = query(&format!(
        "#{}",
        attribute(&dialog, "aria-labelledby").unwrap()
    ));
    assert_eq!(text(&title, "textContent").as_deref(), Some("Chez Awa"));
    let header = query(".guichet-detail");
    assert_eq!(
        text(&header, "textContent").as_deref(),
        Some("Secure payment with CinetPay")
    );
    let close = query(".guichet-close");
    assert_eq!(
        attribute(&close, "aria-label").as_deref(),
        Some("Close the payment")
    );
    assert!(text(&close, "textContent").unwrap().ends_with("Close"));
    assert!(Object::is(&active(), &close), "focus moves into the dialog");
    assert!(
        !query(".guichet-loading[role=status]").is_null(),
        "a loading state while the session is created"
    );
    assert!(
        attribute(&dialog, "style").is_some(),
        "styled through the CSSOM"
    );

    let (client, events) = client(r#", "sandbox": true, "provider": "cinetpay""#);
    let edge = backend(
        "ses_close",
        &(origin() + "/missing"),
        vec![json(r#""pending""#)],
    );
    let promise = start(&client, &events, order(), &surface, false);
    until("polled while open", || number(&edge, "gets") >= 1.0).await;
    assert_eq!(
        text(&header, "textContent").as_deref(),
        Some("F\u{202f}CFA\u{a0}15,000 with CinetPay"),
        "the amount, once the backend priced it"
    );
    press_escape();
    let outcome = settle(promise).await.unwrap();
    assert_eq!(text(&outcome, "status").as_deref(), Some("pending"));
    assert_eq!(count(&events, "close"), 1);
    assert_eq!(
        text(&detail(&events, "close"), "status").as_deref(),
        Some("pending")
    );
    assert_eq!(count(&events, "success") + count(&events, "failed"), 0);
    assert!(query("[role=dialog]").is_null(), "the overlay is gone");
    assert!(
        Object::is(&active(), &opener),
        "focus returns to the button"
    );
    // Still pending: kept for resume().
    assert!(session_storage()
        .get_item("guichet.session")
        .unwrap()
        .is_some());
    let gets = number(&edge, "gets");
    wait(500.0).await;
    assert_eq!(number(&edge, "gets"), gets, "no poll after close");
    call(&opener, "remove");
}

#[wasm_bindgen_test]
async fn cinetpays_get_checkout_shape_maps_onto_our_order_and_refuses_an_amount() {
    let _turn = turn().await;
    let (client, events) = client(r#", "provider": "cinetpay""#);
    let edge = backend(
        "ses_cp",
        "https://checkout.cinetpay.com/payment/tok",
        vec![],
    );
    let with_amount =
        json(r#"{"transaction_id": "T1", "amount": 100, "currency": "XOF", "order_id": "ord_1"}"#);
    let error = settle(start(
        &client,
        &events,
        with_amount,
        &fake_surface("redirect", &JsValue::NULL),
        true,
    ))
    .await
    .unwrap_err();
    let violations = Array::from(&field(&error, "violations"));
    assert_eq!(
        text(&violations.get(0), "code").as_deref(),
        Some("amount_not_allowed")
    );
    let flat = json(
        r#"{"order_id": "ord_1", "channels": "CREDIT_CARD", "customer_surname": "Awa", "customer_name": "Koné", "customer_email": "awa@example.ci", "customer_phone_number": "+2250701020304", "customer_address": "Rue 12", "customer_city": "Abidjan", "customer_country": "CI", "customer_state": "CI", "customer_zip_code": "00225"}"#,
    );
    settle(start(
        &client,
        &events,
        flat,
        &fake_surface("redirect", &JsValue::NULL),
        true,
    ))
    .await
    .unwrap();
    let customer = field(&Array::from(&field(&edge, "bodies")).get(0), "customer");
    assert_eq!(text(&customer, "first_name").as_deref(), Some("Awa"));
    assert_eq!(text(&customer, "last_name").as_deref(), Some("Koné"));
    assert_eq!(text(&customer, "zip_code").as_deref(), Some("00225"));
}

#[wasm_bindgen_test]
fn options_refuse_a_provider_key_and_need_an_endpoint() {
    let error = Client::new(json(r#"{"endpoint": "/api", "apikey": "k"}"#))
        .err()
        .unwrap();
    assert_eq!(text(&error, "code").as_deref(), Some("invalid_options"));
    assert_eq!(text(&error, "field").as_deref(), Some("apikey"));
    let error = Client::new(json(r#"{"provider": "moneroo"}"#))
        .err()
        .unwrap();
    assert_eq!(text(&error, "field").as_deref(), Some("endpoint"));
    let error = Client::new(json(r#"{"endpoint": "/api", "provider": "paypal"}"#))
        .err()
        .unwrap();
    assert_eq!(text(&error, "field").as_deref(), Some("provider"));
}

// The pure pieces.

#[wasm_bindgen_test]
fn checkout_hosts_are_the_providers_own_and_loopback_only_in_sandbox() {
    let m = Provider::Moneroo;
    assert!(hosts::allowed(
        m,
        "https://checkout.moneroo.io/k4su1ii7abdz",
        false
    ));
    assert!(hosts::allowed(m, "HTTPS://Checkout.Moneroo.IO?x=1", false));
    assert!(hosts::allowed(
        Provider::CinetPay,
        "https://checkout.cinetpay.com/payment/t",
        false
    ));
    assert!(hosts::allowed(
        Provider::MoneyFusion,
        "https://www.pay.moneyfusion.net/pay/x",
        false
    ));
    assert!(hosts::allowed(
        Provider::MoneyFusion,
        "https://pay.moneyfusion.net/pay/x",
        false
    ));
    for refused in [
        "http://checkout.moneroo.io/x",
        "https://checkout.moneroo.io:8443/x",
        "https://checkout.moneroo.io@evil.example/x",
        "https://evil.example\\@checkout.moneroo.io/x",
        "https://checkout%2emoneroo.io/x",
        "https://checkout.cinetpay.com/payment/t",
        "//checkout.moneroo.io/x",
        "https://checkout.moneroo.io.evil.example/",
        "https://127.0.0.1:4010/x",
        " https://checkout.moneroo.io/x",
    ] {
        assert!(!hosts::allowed(m, refused, false), "{refused}");
    }
    for loopback in [
        "http://127.0.0.1:4010/moneroo/checkout/x",
        "http://localhost/x",
        "http://[::1]:8080/x",
    ] {
        assert!(hosts::allowed(m, loopback, true), "{loopback}");
        assert!(!hosts::allowed(m, loopback, false), "{loopback}");
    }
    assert!(!hosts::allowed(m, "http://127.0.0.1.evil.example/x", true));
    assert!(!hosts::allowed(m, "http://127.0.0.1:/x", true));
    assert!(!hosts::allowed(m, "ftp://127.0.0.1/x", true));
}

#[wasm_bindgen_test]
fn return_parameters_only_find_the_session() {
    let read = |pairs: &'static [(&'static str, &'static str)]| {
        params::read(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    };
    let back = read(&[
        ("guichet_session", "ses_1"),
        ("paymentId", "k4"),
        ("paymentStatus", "success"),
    ]);
    assert_eq!(back.session.as_deref(), Some("ses_1"));
    assert_eq!(back.provider, Some(Provider::Moneroo));
    assert_eq!(
        read(&[("transaction_id", "T1"), ("token", "t")]).provider,
        Some(Provider::CinetPay)
    );
    assert_eq!(
        read(&[("token", "t")]).provider,
        Some(Provider::MoneyFusion)
    );
    assert_eq!(read(&[("guichet_session", "../admin")]).session, None);
    assert_eq!(read(&[]), params::ReturnParams::default());
}

#[wasm_bindgen_test]
fn the_stored_session_round_trips_and_refuses_anything_else() {
    let stored = Stored {
        id: "ses_1".into(),
        token: "v1.k1.p.s".into(),
        provider: Provider::MoneyFusion,
        popup: false,
    };
    assert_eq!(Stored::decode(&stored.encode()), Some(stored.clone()));
    let popup = Stored {
        popup: true,
        ..stored
    };
    assert_eq!(Stored::decode(&popup.encode()), Some(popup.clone()));
    // Written before the fourth line existed: followed as a popup, as it was then.
    assert_eq!(Stored::decode("ses_1\nv1.k1.p.s\nmoneyfusion"), Some(popup));
    for bad in [
        "",
        "ses_1\ntok",
        "ses_1\ntok\npaypal",
        "ses 1\ntok\nmoneroo",
        "ses_1\n\nmoneroo",
        "a\nb\nmoneroo\nx",
        "a\nb\nmoneroo\npage\nx",
    ] {
        assert_eq!(Stored::decode(bad), None, "{bad:?}");
    }
}

#[wasm_bindgen_test]
fn polls_back_off_to_ten_seconds() {
    let mut backoff = Backoff::new(2_000.0);
    let delays: Vec<f64> = (0..8).map(|_| backoff.next_delay()).collect();
    assert_eq!(&delays[..4], &[2_000.0, 3_000.0, 4_500.0, 6_750.0]);
    assert_eq!(delays[7], 10_000.0);
}

#[wasm_bindgen_test]
fn the_machine_tells_each_outcome_once_and_never_changes_a_final_status() {
    let mut machine = Machine::new(true, true);
    assert_eq!(
        machine.handle(Signal::Created),
        vec![Effect::Emit(Event::Ready)]
    );
    assert_eq!(machine.handle(Signal::Created), vec![]);
    assert_eq!(
        machine.handle(Signal::Status(PaymentStatus::Pending)),
        vec![],
        "not back yet"
    );
    machine.handle(Signal::Returned);
    assert_eq!(
        machine.handle(Signal::Status(PaymentStatus::Pending)),
        vec![Effect::Emit(Event::Pending)]
    );
    assert_eq!(
        machine.handle(Signal::Status(PaymentStatus::Pending)),
        vec![]
    );
    assert_eq!(
        machine.handle(Signal::Status(PaymentStatus::Succeeded)),
        vec![
            Effect::Emit(Event::Success),
            Effect::Resolve,
            Effect::CloseSurface
        ]
    );
    assert_eq!(
        machine.handle(Signal::Status(PaymentStatus::Failed)),
        vec![]
    );
    assert_eq!(machine.status(), Some(PaymentStatus::Succeeded));
    assert_eq!(machine.handle(Signal::TimedOut), vec![]);
    assert_eq!(
        machine.handle(Signal::SurfaceClosed),
        vec![Effect::Emit(Event::Close)]
    );
    assert!(machine.done());
    assert_eq!(machine.handle(Signal::SurfaceClosed), vec![]);

    let mut timed_out = Machine::new(true, true);
    timed_out.handle(Signal::Created);
    assert_eq!(
        timed_out.handle(Signal::TimedOut),
        vec![
            Effect::Emit(Event::Pending),
            Effect::Resolve,
            Effect::CloseSurface
        ]
    );

    let mut refused = Machine::new(false, true);
    assert_eq!(
        refused.handle(Signal::Error { fatal: true }),
        vec![Effect::Emit(Event::Error), Effect::Reject]
    );
    assert!(refused.done());
}
