//! The runtime binding: WinterCG `Request` in, `Response` out. The same export serves
//! workerd, Deno and Node; the JavaScript entry points in `js/edge/` only load the module
//! and pass the environment. Here live the three things only a runtime has: `fetch` (the
//! [`Transport`]), `setTimeout` and `Date.now` (the [`Runtime`]), and the isolate-wide
//! memory ledger.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response, ResponseInit, Url};

use super::config::ConfigCache;
use super::ledger::memory::MemoryLedger;
use super::ledger::sql::{SqlLedger, BINDING};
use super::ledger::Either;
use super::runtime::Runtime;
use super::{limits, outbox, reply, route, sweep, Config, Edge, Incoming};
use crate::http::{HttpRequest, HttpResponse, Transport, TransportError};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` of every WinterCG runtime (no `window` in workers or Node),
    /// given the URL and an init, as plain JavaScript calls it: no `Request` of ours for
    /// the runtime to copy into its own.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str, init: &RequestInit) -> Promise;

    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(callback: &js_sys::Function);

    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &js_sys::Function, ms: i32) -> JsValue;

    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(timer: &JsValue);

    /// One provider call's `AbortController`, aborted by [`Deadline`]'s timer. Not
    /// `AbortSignal.timeout`: Node builds that signal as a transferable object with a
    /// weakly held timer, about 5 % of a `POST /sessions` (bench/PROFILE.md).
    type AbortController;
    #[wasm_bindgen(constructor)]
    fn new() -> AbortController;
    #[wasm_bindgen(method, getter)]
    fn signal(this: &AbortController) -> web_sys::AbortSignal;
    #[wasm_bindgen(method, getter = abort)]
    fn abort_method(this: &AbortController) -> js_sys::Function;

    /// `Reflect.set(object, name, value)` with two strings: one call per header.
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn set_text(target: &Object, name: &str, value: &str) -> bool;

    /// A `RequestInit` seen through a field web-sys sets only with its enum.
    type FetchInit;
    /// `init.redirect`: "manual" (see [`Fetch`]).
    #[wasm_bindgen(method, setter = redirect)]
    fn set_redirect(this: &FetchInit, mode: &str);
}

/// What `fetch` answers with `redirect: "manual"` when the provider redirects: the 3xx
/// itself (workerd, Node, Deno), or `0` for an opaque redirect (the Fetch standard). No
/// provider answers a call with any other 3xx.
fn is_redirect(status: u16) -> bool {
    status == 0 || (300..400).contains(&status)
}

/// A provider call's deadline: aborts its signal after `ms`; dropped (answer read, error,
/// or the request's future dropped), it clears its timer, so none outlives the call.
struct Deadline {
    controller: AbortController,
    timer: JsValue,
}

impl Deadline {
    fn after(ms: u32) -> Deadline {
        let controller = AbortController::new();
        let abort = controller.abort_method().bind0(&controller);
        let timer = set_timeout(&abort, i32::try_from(ms).unwrap_or(i32::MAX));
        Deadline { controller, timer }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
    }
}

thread_local! {
    /// The memory ledger (`GUICHET_LEDGER=memory`): one per isolate, kept between requests.
    /// Allocated once and never freed, like the isolate that holds it, so that every
    /// request's [`Parts`] can borrow it.
    static MEMORY: &'static MemoryLedger = Box::leak(Box::new(MemoryLedger::new()));
    /// The settings, built on the first request and kept while `env` reads the same.
    static CONFIG: RefCell<Option<ConfigCache<JsValue, JsValue>>> = const { RefCell::new(None) };
}

/// The settings in `env`: the isolate's cached [`Config`] while every setting it was
/// built from is still `===` to what `env` holds (workerd passes the same env to every
/// request; Node's `process.env` may change, Deno's is a fresh object each time), else a
/// new one. Checking costs a property read and a comparison per setting, no copy.
fn config(env: &JsValue) -> Rc<Config> {
    let read = |key: &JsValue| Reflect::get(env, key).unwrap_or(JsValue::UNDEFINED);
    CONFIG.with(|slot| {
        let mut slot = slot.borrow_mut();
        if let Some(cache) = slot.as_ref().filter(|cache| cache.is_current(read)) {
            return cache.config();
        }
        let cache = ConfigCache::build(JsValue::from_str, read, JsValue::as_string);
        let config = cache.config();
        *slot = Some(cache);
        config
    })
}

thread_local! {
    /// Requests being answered, by task id (see [`begin`]).
    static TASKS: RefCell<HashMap<u32, Task>> = RefCell::new(HashMap::new());
    static LAST_TASK: Cell<u32> = const { Cell::new(0) };
}

/// The answer to one request, on its way.
type Answering = Pin<Box<dyn Future<Output = Result<Response, JsValue>>>>;

/// One request being answered: its future (out of the map while it is polled) and the
/// JavaScript function that polls it.
struct Task {
    future: Option<Answering>,
    step: js_sys::Function,
}

/// Starts answering one request and gives its task id. The JavaScript entry points
/// (`js/edge/guard.js`) drive it with [`poll`] from a function of theirs, `step`, which
/// this module queues as a microtask whenever the request can make progress. So every
/// piece of the work runs inside a call the entry point made and can catch: a trap
/// (`WebAssembly.RuntimeError`) becomes that request's rejection, never an uncaught
/// exception that takes the process down, and the entry point replaces the instance.
#[wasm_bindgen]
pub fn begin(request: Request, env: JsValue, step: js_sys::Function, ctx: JsValue) -> u32 {
    let id = LAST_TASK.with(|last| {
        let id = last.get().wrapping_add(1);
        last.set(id);
        id
    });
    let task = Task {
        future: Some(Box::pin(handle(request, env, ctx))),
        step,
    };
    TASKS.with(|tasks| tasks.borrow_mut().insert(id, task));
    id
}

/// Moves task `id` forward: its `Response` once answered, `undefined` while it waits (or
/// when it is over). Throws what the request's handling threw.
#[wasm_bindgen]
pub fn poll(id: u32) -> Result<Option<Response>, JsValue> {
    let future = TASKS.with(|tasks| {
        tasks
            .borrow_mut()
            .get_mut(&id)
            .and_then(|task| task.future.take())
    });
    let Some(mut future) = future else {
        return Ok(None);
    };
    let waker = Waker::from(Arc::new(TaskWaker(id)));
    match future.as_mut().poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(answer) => {
            TASKS.with(|tasks| tasks.borrow_mut().remove(&id));
            answer.map(Some)
        }
        Poll::Pending => {
            TASKS.with(|tasks| {
                if let Some(task) = tasks.borrow_mut().get_mut(&id) {
                    task.future = Some(future);
                }
            });
            Ok(None)
        }
    }
}

/// Wakes a task by queueing its `step` as a microtask.
struct TaskWaker(u32);

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        let step = TASKS.with(|tasks| tasks.borrow().get(&self.0).map(|t| t.step.clone()));
        if let Some(step) = step {
            queue_microtask(&step);
        }
    }
}

/// How many due events one request delivers after its answer.
const DELIVER_AFTER_ANSWER: u32 = 10;

/// Answers one request. `env` holds the configuration as string properties (Workers
/// vars and secrets, `process.env`, `Deno.env.toObject()`) and, on Workers, bindings;
/// `ctx` is the Workers execution context (its `waitUntil` keeps the merchant's event
/// delivery alive after the answer), `undefined` elsewhere.
pub async fn handle(request: Request, env: JsValue, ctx: JsValue) -> Result<Response, JsValue> {
    let parts = Parts::of(&env);
    let incoming = match read_request(&request, &parts.config).await? {
        Ok(incoming) => incoming,
        Err(refusal) => return write_response(&refusal),
    };
    if debug_trap(&env, &incoming) {
        // Off unless GUICHET_DEBUG_TRAP=1: lets the tests show that an instance that traps
        // is replaced and the next request answered.
        std::process::abort();
    }
    let answer = route(&parts.edge(), &incoming).await;
    if outbox::take_wake() {
        after_answer(&ctx, deliver(env.clone()));
    }
    write_response(&answer)
}

/// The ledger: a database when bound, memory when asked for, none otherwise.
type RuntimeLedger = Option<Either<&'static MemoryLedger, SqlLedger>>;

/// What an [`Edge`] borrows, read from `env`: the one place a request, a sweep and a
/// delivery get their context.
struct Parts {
    config: Rc<Config>,
    ledger: RuntimeLedger,
    fetch: Fetch,
}

impl Parts {
    fn of(env: &JsValue) -> Parts {
        // Only an object can be a database: `SqlLedger::from_env` reads properties of the
        // binding, and reading one of a string ("memory") or of nothing throws, which
        // costs a JavaScript exception (about 0.1 ms with its stack) on every request.
        let binding = Reflect::get(env, &JsValue::from_str(BINDING)).unwrap_or(JsValue::UNDEFINED);
        let ledger = if binding.is_object() {
            SqlLedger::from_env(env).map(Either::Right)
        } else if is_memory(&binding) {
            Some(Either::Left(MEMORY.with(|memory| *memory)))
        } else {
            None
        };
        let config = config(env);
        Parts {
            fetch: Fetch(config.provider_timeout_ms),
            config,
            ledger,
        }
    }

    /// The settings, the ledger, `fetch` and the clock.
    fn edge(&self) -> Edge<'_, (RuntimeLedger, Fetch, Clock)> {
        Edge::new(&self.config, &self.ledger, &self.fetch, &Clock)
    }
}

/// One sweep (docs/EDGE.md, "The sweep"): the Workers `scheduled` export and the `sweep`
/// function of the Node and Deno entry call it. Resolves to its report.
#[wasm_bindgen]
pub async fn sweep(env: JsValue) -> Result<JsValue, JsValue> {
    let report = sweep::run(&Parts::of(&env).edge())
        .await
        .map_err(|e| JsValue::from_str(&e.to_string()))?;
    let json = serde_json::to_string(&report).map_err(|e| JsValue::from_str(&e.to_string()))?;
    js_sys::JSON::parse(&json)
}

/// Delivers the events a request wrote, after its answer.
async fn deliver(env: JsValue) {
    // A failure here leaves the events due: the next sweep delivers them.
    let _ = outbox::deliver_due(&Parts::of(&env).edge(), DELIVER_AFTER_ANSWER).await;
}

/// Runs `work` without holding the answer: under `ctx.waitUntil` on Workers (which keeps
/// the isolate alive for it), as a task of its own elsewhere.
fn after_answer(ctx: &JsValue, work: impl Future<Output = ()> + 'static) {
    let promise = wasm_bindgen_futures::future_to_promise(async move {
        work.await;
        Ok(JsValue::UNDEFINED)
    });
    // No context outside Workers: reading a property of `undefined` would throw.
    let wait_until = ctx
        .is_object()
        .then(|| Reflect::get(ctx, &JsValue::from_str("waitUntil")).ok())
        .flatten()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(wait_until) = wait_until {
        let _ = wait_until.call1(ctx, &promise);
    }
}

/// `GUICHET_LEDGER=memory`: the merchant chose a throwaway ledger.
fn is_memory(binding: &JsValue) -> bool {
    binding
        .as_string()
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("memory"))
}

/// `POST <base>/_debug/trap` when `GUICHET_DEBUG_TRAP` is `1` (never set in production).
fn debug_trap(env: &JsValue, incoming: &Incoming) -> bool {
    let on = Reflect::get(env, &JsValue::from_str("GUICHET_DEBUG_TRAP"))
        .ok()
        .and_then(|v| v.as_string())
        .is_some_and(|v| v == "1");
    on && incoming.method == "POST" && incoming.path.ends_with("/_debug/trap")
}

/// The runtime's `Response`. The body is copied into a buffer JavaScript owns: a view
/// into wasm memory would be read after Rust freed it by a runtime that keeps the view
/// (Hono's Node server does). A header the runtime refuses makes a JSON 500, never a
/// throw.
fn write_response(answer: &HttpResponse) -> Result<Response, JsValue> {
    build_response(answer).or_else(|_| {
        build_response(&reply::error(
            500,
            "internal_error",
            "the answer could not be written",
        ))
    })
}

fn build_response(answer: &HttpResponse) -> Result<Response, JsValue> {
    let headers = header_object(&answer.headers);
    let init = ResponseInit::new();
    init.set_status(answer.status);
    init.set_headers(&headers);
    // A copy the JavaScript side owns: some servers' `Response` (@hono/node-server's)
    // keeps the array it is given, and a view into wasm memory would change under it.
    let body = (!answer.body.is_empty()).then(|| Uint8Array::from(answer.body.as_slice()));
    Response::new_with_opt_buffer_source_and_init(body.as_ref().map(|b| b.as_ref()), &init)
}

/// The request as the router reads it, or the `413` when its body is over the route's
/// ceiling: refused on its `Content-Length` before reading, or as soon as the bytes read
/// pass it (a streamed body has no length).
async fn read_request(
    request: &Request,
    config: &Config,
) -> Result<Result<Incoming, HttpResponse>, JsValue> {
    let method = request.method().to_ascii_uppercase();
    let url = Url::new(&request.url())?;
    let path = url.pathname();
    let headers = header_pairs(&request.headers());
    let body = if matches!(method.as_str(), "GET" | "HEAD") {
        Vec::new()
    } else {
        let limit = limits::body_limit(config, &path);
        let declared = crate::http::find_header(&headers, "content-length");
        if let Some(refusal) = limits::refuse_declared(declared, limit) {
            return Ok(Err(refusal));
        }
        match read_body(request, limit).await? {
            Some(body) => body,
            None => return Ok(Err(reply::too_large(limit))),
        }
    };
    Ok(Ok(Incoming {
        method,
        path,
        query: url.search().trim_start_matches('?').to_owned(),
        headers,
        body,
    }))
}

/// The body, read chunk by chunk from its stream; `None` as soon as it passes `limit`.
async fn read_body(request: &Request, limit: usize) -> Result<Option<Vec<u8>>, JsValue> {
    let stream = Reflect::get(request, &JsValue::from_str("body"))?;
    if stream.is_null() || stream.is_undefined() {
        return Ok(Some(Vec::new()));
    }
    let reader = method(&stream, "getReader")?.call0(&stream)?;
    let read = method(&reader, "read")?;
    let mut body = Vec::new();
    loop {
        let chunk = JsFuture::from(Promise::from(read.call0(&reader)?)).await?;
        if Reflect::get(&chunk, &JsValue::from_str("done"))?.is_truthy() {
            return Ok(Some(body));
        }
        let bytes = Uint8Array::new(&Reflect::get(&chunk, &JsValue::from_str("value"))?);
        let start = body.len();
        let end = start + bytes.length() as usize;
        if end > limit {
            // Stop reading; the rest is never copied in. The lock is let go so that the
            // runtime may discard the stream.
            let _ = method(&reader, "releaseLock").and_then(|f| f.call0(&reader));
            return Ok(None);
        }
        body.resize(end, 0);
        bytes.copy_to(&mut body[start..]);
    }
}

fn method(target: &JsValue, name: &str) -> Result<js_sys::Function, JsValue> {
    Reflect::get(target, &JsValue::from_str(name))?.dyn_into()
}

/// Every header, names lowercased. `Array.from(headers).flat()` copies them in one call
/// (`[name, value, name, value, ...]`), where the iterator protocol crossed into
/// JavaScript four times a header.
fn header_pairs(headers: &Headers) -> Vec<(String, String)> {
    let flat = Array::from(headers).flat(1);
    let text = |i| flat.get(i).as_string().unwrap_or_default();
    (0..flat.length() / 2)
        .map(|i| (text(2 * i).to_ascii_lowercase(), text(2 * i + 1)))
        .collect()
}

/// Headers as a plain object for a `Response` or `fetch` init, which the runtime reads
/// faster than a `Headers` built call by call (Node's `Response` iterates a `Headers`
/// entry by entry). A name given twice gets its values joined with ", ", as
/// `Headers.append` joins them (no `Set-Cookie` passes here). An invalid name or value
/// is refused where `Headers.append` refused it: by the `Response` or `fetch` it reaches.
fn header_object(headers: &[(String, String)]) -> Object {
    let mut merged: Vec<(String, String)> = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        match merged.iter_mut().find(|(seen, _)| *seen == name) {
            Some((_, values)) => {
                values.push_str(", ");
                values.push_str(value);
            }
            None => merged.push((name, value.clone())),
        }
    }
    let object = Object::new();
    for (name, value) in &merged {
        set_text(&object, name, value);
    }
    object
}

/// Provider calls through the runtime's `fetch`, each with a deadline, none following a
/// redirect: a call carries the provider's secret, and a redirect would take it to
/// whatever host the answer names. `redirect: "manual"` (workerd refuses "error"), and a
/// redirect answer fails the call. The deadline: the milliseconds `GUICHET_PROVIDER_TIMEOUT_MS` sets, or
/// why that setting is refused (every call fails).
struct Fetch(Result<u32, &'static str>);

impl Transport for Fetch {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let timeout_ms = self
            .0
            .map_err(|why| TransportError::Network(why.to_owned()))?;
        let network = |e: JsValue| TransportError::Network(describe(&e));
        let init = RequestInit::new();
        init.set_method(request.method.as_str());
        init.unchecked_ref::<FetchInit>().set_redirect("manual");
        init.set_headers(&header_object(&request.headers));
        if !request.body.is_empty() {
            init.set_body(&Uint8Array::from(request.body.as_slice()));
        }
        // The deadline covers the answer's body too: it is dropped after the last read.
        let deadline = Deadline::after(timeout_ms);
        init.set_signal(Some(&deadline.controller.signal()));
        let answer = JsFuture::from(global_fetch(&request.url, &init))
            .await
            .map_err(failed)?;
        // Not `dyn_into`: a server may replace the global `Response` with its own class
        // (@hono/node-server does), and fetch's answer is then no instance of it.
        let response: Response = answer.unchecked_into();
        if is_redirect(response.status()) {
            return Err(TransportError::Network("redirected".to_owned()));
        }
        let buffer = JsFuture::from(response.array_buffer().map_err(network)?)
            .await
            .map_err(failed)?;
        drop(deadline);
        Ok(HttpResponse {
            status: response.status(),
            headers: header_pairs(&response.headers()),
            body: Uint8Array::new(&buffer).to_vec(),
        })
    }
}

/// What a rejected `fetch` or body read means: past the deadline (its signal aborted the
/// call), or the network.
fn failed(error: JsValue) -> TransportError {
    let name = Reflect::get(&error, &JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string());
    match name.as_deref() {
        Some("TimeoutError" | "AbortError") => TransportError::Timeout,
        _ => TransportError::Network(describe(&error)),
    }
}

/// A JS error's message, for logs. Never holds the request URL (which may be a
/// credential): fetch errors name the failure, not the address.
fn describe(error: &JsValue) -> String {
    Reflect::get(error, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| "fetch failed".to_owned())
}

/// `Date.now` and `setTimeout`.
struct Clock;

impl Runtime for Clock {
    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }

    async fn sleep(&self, ms: u64) {
        let ms = i32::try_from(ms).unwrap_or(i32::MAX);
        let promise = Promise::new(&mut |resolve, _| {
            set_timeout(&resolve, ms);
        });
        // A timer cannot fail; if it did, going on sooner is harmless.
        let _ = JsFuture::from(promise).await;
    }
}
