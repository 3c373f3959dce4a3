//! The runtime binding: WinterCG `Request` in, `Response` out. The same export serves
//! workerd, Deno and Node; the JavaScript entry points in `js/edge/` only load the module
//! and pass the environment. Here live the three things only a runtime has: `fetch` (the
//! [`Transport`]), `setTimeout` and `Date.now` (the [`Runtime`]), and the isolate-wide
//! memory ledger.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response, ResponseInit, Url};

use super::config::ConfigCache;
use super::ledger::memory::MemoryLedger;
use super::ledger::sql::SqlLedger;
use super::ledger::Either;
use super::runtime::Runtime;
use super::{route, Config, Edge, Incoming};
use crate::http::{HttpRequest, HttpResponse, Transport, TransportError};

/// How long one provider call may take before it counts as unanswered.
const PROVIDER_TIMEOUT_MS: u32 = 10_000;

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` of every WinterCG runtime (no `window` in workers or Node).
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(request: &Request) -> Promise;

    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &js_sys::Function, ms: i32) -> JsValue;

    type AbortSignalStatics;
    /// `AbortSignal.timeout(ms)`: aborts a fetch that takes longer.
    #[wasm_bindgen(static_method_of = AbortSignalStatics, js_class = "AbortSignal", js_name = timeout)]
    fn abort_after(ms: u32) -> web_sys::AbortSignal;
}

thread_local! {
    /// The default ledger: one per isolate, kept between requests.
    static MEMORY: Rc<MemoryLedger> = Rc::new(MemoryLedger::new());
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

/// Answers one request. `env` holds the configuration as string properties (Workers
/// vars and secrets, `process.env`, `Deno.env.toObject()`) and, on Workers, bindings.
#[wasm_bindgen]
pub async fn handle(request: Request, env: JsValue) -> Result<Response, JsValue> {
    let config = config(&env);
    let incoming = read_request(&request).await?;
    let memory = MEMORY.with(Rc::clone);
    // The ledger: D1 when bound, memory otherwise.
    let ledger = match SqlLedger::from_env(&env) {
        Some(sql) => Either::Right(sql),
        None => Either::Left(memory.as_ref()),
    };
    let edge = Edge {
        config: &config,
        ledger: &ledger,
        transport: &Fetch,
        runtime: &Clock,
    };
    let answer = route(&edge, &incoming).await;
    write_response(answer)
}

fn write_response(answer: HttpResponse) -> Result<Response, JsValue> {
    let headers = Headers::new()?;
    for (name, value) in &answer.headers {
        headers.append(name, value)?;
    }
    let init = ResponseInit::new();
    init.set_status(answer.status);
    init.set_headers(&headers);
    // A copy the JavaScript side owns: some servers' `Response` (@hono/node-server's)
    // keeps the array it is given, and a view into wasm memory would change under it.
    let body = (!answer.body.is_empty()).then(|| Uint8Array::from(answer.body.as_slice()));
    Response::new_with_opt_buffer_source_and_init(body.as_ref().map(|b| b.as_ref()), &init)
}

async fn read_request(request: &Request) -> Result<Incoming, JsValue> {
    let method = request.method().to_ascii_uppercase();
    let url = Url::new(&request.url())?;
    let headers = header_pairs(&request.headers())?;
    let body = if matches!(method.as_str(), "GET" | "HEAD") {
        Vec::new()
    } else {
        let buffer = JsFuture::from(request.array_buffer()?).await?;
        Uint8Array::new(&buffer).to_vec()
    };
    Ok(Incoming {
        method,
        path: url.pathname(),
        query: url.search().trim_start_matches('?').to_owned(),
        headers,
        body,
    })
}

fn header_pairs(headers: &Headers) -> Result<Vec<(String, String)>, JsValue> {
    let mut pairs = Vec::new();
    if let Some(entries) = js_sys::try_iter(headers)? {
        for entry in entries {
            let pair: Array = entry?.dyn_into()?;
            let name = pair.get(0).as_string().unwrap_or_default();
            let value = pair.get(1).as_string().unwrap_or_default();
            pairs.push((name.to_ascii_lowercase(), value));
        }
    }
    Ok(pairs)
}

/// Provider calls through the runtime's `fetch`, each with a deadline.
struct Fetch;

impl Transport for Fetch {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let network = |e: JsValue| TransportError::Network(describe(&e));
        let init = RequestInit::new();
        init.set_method(request.method.as_str());
        let headers = Headers::new().map_err(network)?;
        for (name, value) in &request.headers {
            headers.append(name, value).map_err(network)?;
        }
        init.set_headers(&headers);
        if !request.body.is_empty() {
            init.set_body(&Uint8Array::from(request.body.as_slice()));
        }
        init.set_signal(Some(&AbortSignalStatics::abort_after(PROVIDER_TIMEOUT_MS)));
        let outgoing = Request::new_with_str_and_init(&request.url, &init).map_err(network)?;
        let answer = JsFuture::from(global_fetch(&outgoing)).await.map_err(|e| {
            let name = Reflect::get(&e, &JsValue::from_str("name"))
                .ok()
                .and_then(|n| n.as_string());
            match name.as_deref() {
                Some("TimeoutError" | "AbortError") => TransportError::Timeout,
                _ => network(e),
            }
        })?;
        // Not `dyn_into`: a server may replace the global `Response` with its own class
        // (@hono/node-server does), and fetch's answer is then no instance of it.
        let response: Response = answer.unchecked_into();
        let buffer = JsFuture::from(response.array_buffer().map_err(network)?)
            .await
            .map_err(network)?;
        Ok(HttpResponse {
            status: response.status(),
            headers: header_pairs(&response.headers()).map_err(network)?,
            body: Uint8Array::new(&buffer).to_vec(),
        })
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
