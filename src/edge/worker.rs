//! The runtime binding: WinterCG `Request` in, `Response` out. The same export serves
//! workerd, Deno and Node; the JavaScript entry points in `js/edge/` only load the module
//! and pass the environment. Here live the three things only a runtime has: `fetch` (the
//! [`Transport`]), `setTimeout` and `Date.now` (the [`Runtime`]), and the isolate-wide
//! memory ledger.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use js_sys::{Array, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Response;

use super::ledger::memory::MemoryLedger;
use super::ledger::sql::{SqlLedger, BINDING};
use super::ledger::Backend;
use super::runtime::Runtime;
use super::{limits, outbox, reply, route, sweep, Config, Edge, Incoming};
use crate::http::{HttpRequest, HttpResponse, Transport, TransportError};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = queueMicrotask)]
    fn queue_microtask(callback: &js_sys::Function);

    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &js_sys::Function, ms: i32) -> JsValue;

    /// What the runtime does for the wasm in one call each, written in JavaScript
    /// (`io` in js/edge/guard.js): every crossing of the boundary costs a call, a string
    /// copy or an object, and a request used to cross it 178 times (bench/PROFILE.md,
    /// round 5).
    #[derive(Clone)]
    pub type Io;
    /// The request's body, at most `limit` bytes: resolves to a `Uint8Array`, or `null`
    /// as soon as more arrive (reading stops there). `declared` is the length its
    /// `Content-Length` gives (not over `limit`), or `-1`: a body is whole once that many
    /// bytes are read.
    #[wasm_bindgen(method)]
    fn body(this: &Io, request: &JsValue, limit: u32, declared: f64) -> Promise;
    /// One provider call: `fetch` that never follows a redirect, aborted after `ms`
    /// (the answer's body included). Resolves to an [`Answer`]; rejects as `fetch` does.
    /// `call` is the method, then `pairs` headers' names and values, then the URL, one a
    /// line ([`write_head`]): one string to decode in the glue rather than three (a
    /// `TextDecoder` call each, about 3.5 µs in workerd: bench/PROFILE.md, round 8).
    #[wasm_bindgen(method)]
    fn send(this: &Io, call: &str, pairs: u32, body: &[u8], ms: u32) -> Promise;
    /// The runtime's `Response`; throws what its constructor throws.
    #[wasm_bindgen(method, catch)]
    fn respond(this: &Io, status: u16, head: &str, body: &[u8]) -> Result<Response, JsValue>;
    /// True while `env[keys[i]] === values[i]` for every `i`.
    #[wasm_bindgen(method)]
    fn same(this: &Io, env: &JsValue, keys: &Array, values: &Array) -> bool;
    /// Calls `step(ticket, value, failed)` once `promise` settles.
    #[wasm_bindgen(method)]
    fn when(this: &Io, promise: &Promise, step: &js_sys::Function, ticket: u32);
    /// Starts delivering the events a request wrote ([`deliver`]), as a task of its own
    /// held by `ctx.waitUntil` on Workers.
    #[wasm_bindgen(method)]
    fn deliver(this: &Io, env: &JsValue, ctx: &JsValue);

    /// What [`Io::send`] resolves to.
    type Answer;
    #[wasm_bindgen(method, getter)]
    fn status(this: &Answer) -> u16;
    /// The answer's headers, `name\nvalue\n...`.
    #[wasm_bindgen(method, getter)]
    fn head(this: &Answer) -> String;
    #[wasm_bindgen(method, getter)]
    fn bytes(this: &Answer) -> Vec<u8>;
}

/// What `fetch` answers with `redirect: "manual"` when the provider redirects: the 3xx
/// itself (workerd, Node, Deno), or `0` for an opaque redirect (the Fetch standard). No
/// provider answers a call with any other 3xx.
fn is_redirect(status: u16) -> bool {
    status == 0 || (300..400).contains(&status)
}

thread_local! {
    /// The memory ledger (`GUICHET_LEDGER=memory`): one per isolate, kept between requests.
    /// Allocated once and never freed, like the isolate that holds it, so that every
    /// request's [`Parts`] can borrow it.
    static MEMORY: &'static MemoryLedger = Box::leak(Box::new(MemoryLedger::new()));
    /// The settings, built on the first request and kept while `env` reads the same.
    static CONFIG: RefCell<Option<Settings>> = const { RefCell::new(None) };
}

/// The isolate's [`Config`], with what it read of `env` so far and what the ledger binding
/// asks for.
struct Settings {
    config: Rc<Config>,
    read: Rc<Read>,
    ledger: Binding,
}

/// Every setting a [`Config`] read (names and values as JavaScript read them, the ledger
/// binding's among them), and the `env` its parts built on demand read next: the one of
/// the latest request that found the settings unchanged.
struct Read {
    env: RefCell<JsValue>,
    keys: Array,
    values: Array,
}

impl Read {
    fn get(&self, name: &str) -> JsValue {
        let key = JsValue::from_str(name);
        let value = Reflect::get(&self.env.borrow(), &key).unwrap_or(JsValue::UNDEFINED);
        self.keys.push(&key);
        self.values.push(&value);
        value
    }
}

/// What `GUICHET_LEDGER` holds.
#[derive(Clone, Copy)]
enum Binding {
    /// A database (D1, or the SQLite and PostgreSQL drivers of the Node entry).
    Database,
    /// `memory`.
    Memory,
    /// Nothing usable.
    None,
}

/// The settings in `env`: the isolate's cached [`Config`] while every setting it has read
/// is still `===` to what `env` holds (workerd passes the same env to every request;
/// Node's `process.env` may change, Deno's is a fresh object each time), else a new one.
/// Checking is one call into JavaScript, which compares them all. The costly parts of the
/// settings (the catalog, the keys, the adapters) are read and built when a route first
/// needs them ([`Config::on_demand`]), from the env of the latest request.
fn config(env: &JsValue, io: &Io) -> (Rc<Config>, Binding) {
    CONFIG.with(|slot| {
        let mut slot = slot.borrow_mut();
        if let Some(cached) = slot
            .as_ref()
            .filter(|c| io.same(env, &c.read.keys, &c.read.values))
        {
            cached.read.env.replace(env.clone());
            return (Rc::clone(&cached.config), cached.ledger);
        }
        let read = Rc::new(Read {
            env: RefCell::new(env.clone()),
            keys: Array::new(),
            values: Array::new(),
        });
        // Only an object can be a database: `SqlLedger::from_env` reads properties of
        // the binding, and reading one of a string ("memory") or of nothing throws, which
        // costs a JavaScript exception (about 0.1 ms with its stack) on every request.
        let binding = read.get(BINDING);
        let ledger = if binding.is_object() {
            Binding::Database
        } else if is_memory(&binding) {
            Binding::Memory
        } else {
            Binding::None
        };
        let lookup = Rc::clone(&read);
        let config = Rc::new(Config::on_demand(Rc::new(move |name| {
            lookup.get(name).as_string()
        })));
        *slot = Some(Settings {
            config: Rc::clone(&config),
            read,
            ledger,
        });
        (config, ledger)
    })
}

thread_local! {
    /// The tasks under way with their ids (see [`begin`]): a few at once, one per request
    /// in flight, so a list searched in order (a map's hashing is more code, and no
    /// faster at these sizes).
    static TASKS: RefCell<Vec<(u32, Task)>> = const { RefCell::new(Vec::new()) };
    static LAST_TASK: Cell<u32> = const { Cell::new(0) };
    /// The task [`poll`] is moving forward, `0` outside one.
    static CURRENT: Cell<u32> = const { Cell::new(0) };
    /// The promise outcome `poll` was handed (its ticket and value), until the
    /// [`Settle`] that waits for it takes it.
    static DELIVERED: RefCell<Option<(u32, Result<JsValue, JsValue>)>> = const { RefCell::new(None) };
    static LAST_TICKET: Cell<u32> = const { Cell::new(0) };
}

/// One task's work on its way: a request's `Response`, a sweep's report, a delivery's
/// `null`.
type Work = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

/// One task (a request, a sweep, a delivery): its future (out of the list while it is
/// polled), the JavaScript function that polls it, and the runtime's helpers.
struct Task {
    future: Option<Work>,
    step: js_sys::Function,
    io: Io,
}

/// Makes `future` task `id`'s (see [`begin`]).
fn start(future: Work, io: Io, step: js_sys::Function) -> u32 {
    let id = LAST_TASK.with(|last| {
        let id = last.get().wrapping_add(1);
        last.set(id);
        id
    });
    let task = Task {
        future: Some(future),
        step,
        io,
    };
    TASKS.with(|tasks| tasks.borrow_mut().push((id, task)));
    id
}

/// Where task `id` is in [`TASKS`], while it is under way.
fn find(tasks: &[(u32, Task)], id: u32) -> Option<usize> {
    tasks.iter().position(|(at, _)| *at == id)
}

/// Starts answering one request and gives its task id. The JavaScript entry points
/// (`js/edge/guard.js`) drive it with [`poll`] from a function of theirs, `step`, which
/// is called whenever the request can make progress: by a promise the request waits for
/// ([`Settle`]) or as a microtask that this module queues. So every piece of the work
/// runs inside a call the entry point made and can catch: a trap
/// (`WebAssembly.RuntimeError`) becomes that request's rejection, never an uncaught
/// exception that takes the process down, and the entry point replaces the instance.
///
/// `head` is the request without its body, read by guard.js in one go: the method, the
/// path, the query (with its `?`) and each header's name and value, one a line.
#[wasm_bindgen]
pub fn begin(
    head: String,
    request: JsValue,
    env: JsValue,
    ctx: JsValue,
    io: Io,
    step: js_sys::Function,
) -> u32 {
    let answer = handle(head, request, env, ctx, io.clone());
    start(
        Box::pin(async move { answer.await.map(JsValue::from) }),
        io,
        step,
    )
}

/// Starts one sweep (docs/EDGE.md, "The sweep") as a task, driven as [`begin`]'s: the
/// Workers `scheduled` export and the `sweep` function of the Node and Deno entry call it
/// (through js/edge/guard.js). It ends with its report.
#[wasm_bindgen(js_name = beginSweep)]
pub fn begin_sweep(env: JsValue, io: Io, step: js_sys::Function) -> u32 {
    let task_io = io.clone();
    let sweep = async move {
        let report = sweep::run(&Parts::of(&env, &io).edge())
            .await
            .map_err(|e| JsValue::from_str(&e.to_string()))?;
        js_sys::JSON::parse(&report.to_json())
    };
    start(Box::pin(sweep), task_io, step)
}

/// Starts delivering the events a request wrote, after its answer, as a task driven as
/// [`begin`]'s (guard.js calls it from `io.deliver`). It ends with `null`.
#[wasm_bindgen(js_name = beginDelivery)]
pub fn begin_delivery(env: JsValue, io: Io, step: js_sys::Function) -> u32 {
    let task_io = io.clone();
    let delivery = async move {
        deliver(&env, &io).await;
        Ok(JsValue::NULL)
    };
    start(Box::pin(delivery), task_io, step)
}

/// Moves task `id` forward: what it ends with (never `undefined`) once done, `undefined`
/// while it waits (or when it is over). Throws what the task threw. `ticket`, when not
/// `0`, names the promise that settled with `value` (rejected when `failed`).
#[wasm_bindgen]
pub fn poll(id: u32, ticket: u32, value: JsValue, failed: bool) -> Result<JsValue, JsValue> {
    let future = TASKS.with(|tasks| {
        let mut tasks = tasks.borrow_mut();
        find(&tasks, id).and_then(|at| tasks[at].1.future.take())
    });
    let Some(mut future) = future else {
        return Ok(JsValue::UNDEFINED);
    };
    if ticket != 0 {
        let outcome = if failed { Err(value) } else { Ok(value) };
        DELIVERED.with(|slot| *slot.borrow_mut() = Some((ticket, outcome)));
    }
    let waker = Waker::from(Arc::new(TaskWaker(id)));
    let outer = CURRENT.with(|current| current.replace(id));
    let progress = future.as_mut().poll(&mut Context::from_waker(&waker));
    CURRENT.with(|current| current.set(outer));
    DELIVERED.with(|slot| slot.borrow_mut().take());
    match progress {
        Poll::Ready(answer) => {
            TASKS.with(|tasks| {
                let mut tasks = tasks.borrow_mut();
                if let Some(at) = find(&tasks, id) {
                    tasks.swap_remove(at);
                }
            });
            answer
        }
        Poll::Pending => {
            TASKS.with(|tasks| {
                let mut tasks = tasks.borrow_mut();
                if let Some(at) = find(&tasks, id) {
                    tasks[at].1.future = Some(future);
                }
            });
            Ok(JsValue::UNDEFINED)
        }
    }
}

/// Wakes a task by queueing its `step` as a microtask.
struct TaskWaker(u32);

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        let step = TASKS.with(|tasks| {
            let tasks = tasks.borrow();
            find(&tasks, self.0).map(|at| tasks[at].1.step.clone())
        });
        if let Some(step) = step {
            queue_microtask(&step);
        }
    }
}

/// A JavaScript promise, awaited inside a task: guard.js calls the task's `step` with the
/// outcome (`io.when`), and [`poll`] hands it over: no closure is made in Rust, and no
/// microtask is queued to wake the task. Outside a task (never, from guard.js) it fails.
enum Settle {
    /// Not polled yet.
    Start(Promise),
    /// Waiting for `step` with this ticket.
    Ticket(u32),
}

impl Future for Settle {
    type Output = Result<JsValue, JsValue>;

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut *self {
            Settle::Start(promise) => {
                let ticket = LAST_TICKET.with(|last| {
                    let ticket = last.get().wrapping_add(1).max(1);
                    last.set(ticket);
                    ticket
                });
                let current = CURRENT.with(Cell::get);
                let asked = TASKS.with(|tasks| {
                    let tasks = tasks.borrow();
                    find(&tasks, current).map(|at| {
                        let task = &tasks[at].1;
                        task.io.when(promise, &task.step, ticket);
                    })
                });
                if asked.is_none() {
                    return Poll::Ready(Err(JsValue::from_str("a promise awaited outside a task")));
                }
                *self = Settle::Ticket(ticket);
                Poll::Pending
            }
            Settle::Ticket(ticket) => {
                let ticket = *ticket;
                let outcome = DELIVERED.with(|slot| {
                    let mut slot = slot.borrow_mut();
                    match slot.take() {
                        Some((delivered, outcome)) if delivered == ticket => Some(outcome),
                        other => {
                            *slot = other;
                            None
                        }
                    }
                });
                outcome.map_or(Poll::Pending, Poll::Ready)
            }
        }
    }
}

/// How many due events one request delivers after its answer.
const DELIVER_AFTER_ANSWER: u32 = 10;

/// Answers one request. `env` holds the configuration as string properties (Workers
/// vars and secrets, `process.env`, `Deno.env.toObject()`) and, on Workers, bindings;
/// `ctx` is the Workers execution context (its `waitUntil` keeps the merchant's event
/// delivery alive after the answer), `undefined` elsewhere. `head` and `io` are what
/// guard.js hands [`begin`].
pub async fn handle(
    head: String,
    request: JsValue,
    env: JsValue,
    ctx: JsValue,
    io: Io,
) -> Result<Response, JsValue> {
    let parts = Parts::of(&env, &io);
    let incoming = match read_request(&head, &request, &parts).await? {
        Ok(incoming) => incoming,
        Err(refusal) => return write_response(&io, &refusal),
    };
    if debug_trap(&env, &incoming) {
        // Off unless GUICHET_DEBUG_TRAP=1: lets the tests show that an instance that traps
        // is replaced and the next request answered.
        std::process::abort();
    }
    let answer = route(&parts.edge(), &incoming).await;
    if outbox::take_wake() {
        io.deliver(&env, &ctx);
    }
    write_response(&io, &answer)
}

/// The ledger: a database when bound, memory when asked for, none otherwise.
type RuntimeLedger = Backend<'static>;

/// What an [`Edge`] borrows, read from `env`: the one place a request, a sweep and a
/// delivery get their context.
struct Parts {
    config: Rc<Config>,
    ledger: RuntimeLedger,
    fetch: Fetch,
}

impl Parts {
    fn of(env: &JsValue, io: &Io) -> Parts {
        let (config, binding) = config(env, io);
        let ledger = match binding {
            Binding::Database => SqlLedger::from_env(env).map_or(Backend::None, Backend::Sql),
            Binding::Memory => Backend::Memory(MEMORY.with(|memory| *memory)),
            Binding::None => Backend::None,
        };
        Parts {
            fetch: Fetch {
                io: io.clone(),
                timeout_ms: config.provider_timeout_ms,
            },
            config,
            ledger,
        }
    }

    /// The settings, the ledger, `fetch` and the clock.
    fn edge(&self) -> Edge<'_, (RuntimeLedger, Fetch, Clock)> {
        Edge::new(&self.config, &self.ledger, &self.fetch, &Clock)
    }
}

/// Delivers the events a request wrote, after its answer.
async fn deliver(env: &JsValue, io: &Io) {
    // A failure here leaves the events due: the next sweep delivers them.
    let _ = outbox::deliver_due(&Parts::of(env, io).edge(), DELIVER_AFTER_ANSWER).await;
}

/// `GUICHET_LEDGER=memory`: the merchant chose a throwaway ledger.
fn is_memory(binding: &JsValue) -> bool {
    binding
        .as_string()
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("memory"))
}

/// `POST <base>/_debug/trap` when `GUICHET_DEBUG_TRAP` is `1` (never set in production).
/// The setting is read only for that path.
fn debug_trap(env: &JsValue, incoming: &Incoming) -> bool {
    incoming.method == "POST"
        && incoming.path.ends_with("/_debug/trap")
        && Reflect::get(env, &JsValue::from_str("GUICHET_DEBUG_TRAP"))
            .ok()
            .and_then(|v| v.as_string())
            .is_some_and(|v| v == "1")
}

/// The runtime's `Response`, built by `io.respond` (which copies the body into a buffer
/// JavaScript owns: a view into wasm memory would be read after Rust freed it by a
/// runtime that keeps the view, as Hono's Node server does). A header the runtime
/// refuses makes a JSON 500, never a throw.
fn write_response(io: &Io, answer: &HttpResponse) -> Result<Response, JsValue> {
    build_response(io, answer).or_else(|_| {
        build_response(
            io,
            &reply::error(500, "internal_error", "the answer could not be written"),
        )
    })
}

fn build_response(io: &Io, answer: &HttpResponse) -> Result<Response, JsValue> {
    let mut head = String::new();
    write_head(&mut head, &answer.headers)
        .ok_or_else(|| JsValue::from_str("a header holds a line break"))?;
    io.respond(answer.status, &head, &answer.body)
}

/// The request as the router reads it, or the `413` when its body is over the route's
/// ceiling: refused on its `Content-Length` before reading, or as soon as the bytes read
/// pass it (a streamed body has no length). `head` is what guard.js read of it (see
/// [`begin`]).
async fn read_request(
    head: &str,
    request: &JsValue,
    parts: &Parts,
) -> Result<Result<Incoming, HttpResponse>, JsValue> {
    let mut lines = head.splitn(4, '\n');
    let mut line = || lines.next().unwrap_or_default();
    let method = line().to_ascii_uppercase();
    let path = line().to_owned();
    let query = line().trim_start_matches('?').to_owned();
    let headers = pairs(line());
    let body = if matches!(method.as_str(), "GET" | "HEAD") {
        Vec::new()
    } else {
        let limit = limits::body_limit(&parts.config, &path);
        // The declared `Content-Length`, read once: over the limit, the 413 before reading;
        // a length that is not a number is left to the reading, which counts the bytes.
        let declared = crate::http::find_header(&headers, "content-length")
            .and_then(|length| length.trim().parse::<u64>().ok());
        if declared.is_some_and(|length| length > limit as u64) {
            return Ok(Err(reply::too_large(limit)));
        }
        let limit32 = u32::try_from(limit).unwrap_or(u32::MAX);
        let declared = declared.map_or(-1.0, |length| length as f64);
        let body = Settle::Start(parts.fetch.io.body(request, limit32, declared)).await?;
        if body.is_null() {
            return Ok(Err(reply::too_large(limit)));
        }
        body.unchecked_into::<Uint8Array>().to_vec()
    };
    Ok(Ok(Incoming {
        method,
        path,
        query,
        headers,
        body,
    }))
}

/// Headers from `name\nvalue\n...` (what guard.js writes), names lowercased. A header's
/// name or value never holds a line break: the runtime's `Headers` refuse them.
fn pairs(text: &str) -> Vec<(String, String)> {
    if text.is_empty() {
        return Vec::new();
    }
    let mut lines = text.split('\n');
    // One allocation for the list: a line break separates each name from its value.
    let mut headers = Vec::with_capacity(text.bytes().filter(|&b| b == b'\n').count() / 2 + 1);
    while let (Some(name), Some(value)) = (lines.next(), lines.next()) {
        headers.push((name.to_ascii_lowercase(), value.to_owned()));
    }
    headers
}

/// Headers as `name\nvalue\n...` for a `Response` or a `fetch` (guard.js makes the
/// object), written after what `text` holds (a line break first unless it is empty),
/// with how many names were written; names lowercased, a name given twice once with its values joined by ", ",
/// as `Headers.append` joins them (no `Set-Cookie` passes here). `None` when a name or
/// a value holds a line break, which `Headers` would refuse too. Any other invalid name
/// or value is refused where `Headers.append` refused it: by the `Response` or `fetch`
/// it reaches.
fn write_head(text: &mut String, headers: &[(String, String)]) -> Option<u32> {
    // Written straight into one string: a name's first place holds every value it is
    // given, later places of that name are skipped (no list of merged copies).
    text.reserve(headers.iter().map(|(n, v)| n.len() + v.len() + 4).sum());
    let mut names = 0;
    for (at, (name, value)) in headers.iter().enumerate() {
        if name.as_bytes().contains(&b'\n') || value.as_bytes().contains(&b'\n') {
            return None;
        }
        if headers[..at]
            .iter()
            .any(|(seen, _)| seen.eq_ignore_ascii_case(name))
        {
            continue;
        }
        if !text.is_empty() {
            text.push('\n');
        }
        names += 1;
        text.extend(name.chars().map(|c| c.to_ascii_lowercase()));
        text.push('\n');
        text.push_str(value);
        for (later, more) in &headers[at + 1..] {
            if later.eq_ignore_ascii_case(name) {
                text.push_str(", ");
                text.push_str(more);
            }
        }
    }
    Some(names)
}

/// Provider calls through the runtime's `fetch` (`io.send`), each with a deadline, none
/// following a redirect: a call carries the provider's secret, and a redirect would take
/// it to whatever host the answer names. `redirect: "manual"` (workerd refuses "error"),
/// and a redirect answer fails the call. The deadline: the milliseconds
/// `GUICHET_PROVIDER_TIMEOUT_MS` sets, or why that setting is refused (every call fails).
struct Fetch {
    io: Io,
    timeout_ms: Result<u32, &'static str>,
}

impl Transport for Fetch {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let timeout_ms = self
            .timeout_ms
            .map_err(|why| TransportError::Network(why.to_owned()))?;
        let mut call = String::with_capacity(request.url.len() + 8);
        call.push_str(request.method.as_str());
        let names = write_head(&mut call, &request.headers)
            .ok_or_else(|| TransportError::Network("a header holds a line break".to_owned()))?;
        call.push('\n');
        call.push_str(&request.url);
        let sent = self.io.send(&call, names, &request.body, timeout_ms);
        let answer: Answer = Settle::Start(sent).await.map_err(failed)?.unchecked_into();
        let status = answer.status();
        if is_redirect(status) {
            return Err(TransportError::Network("redirected".to_owned()));
        }
        Ok(HttpResponse {
            status,
            headers: pairs(&answer.head()),
            body: answer.bytes(),
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
        let _ = Settle::Start(promise).await;
    }
}

#[cfg(test)]
mod tests;
