//! The checkout driver behind `new Guichet(...)`: creates the session, shows its page
//! through the surface the JavaScript glue opened within the shopper's click, follows the
//! payment (backend polls with backoff, return-page messages, a closed window, a timeout)
//! and tells the page through [`outcome::Machine`].
//!
//! The surface is a plain object the glue made: `{kind: "overlay" | "popup" | "redirect",
//! window, go(url), closed(), close()}`. It is opened in JavaScript because it must exist
//! before the first `await` of the click, even while this WebAssembly is still loading.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Date, Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::MessageEvent;

use super::api::{self, Api};
use super::error::{self, set, Code};
use super::hosts;
use super::message::Nudge;
use super::outcome::{Effect, Event, Machine, Signal};
use super::params;
use super::poll::Backoff;
use super::read::{self, get, string};
use super::store::{self, Stored};
use crate::domain::{Checkout, Lang, Provider};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: f64) -> JsValue;
}

/// How often the surface is looked at (closed?) and due polls are sent, in milliseconds.
const TICK: f64 = 250.0;

struct Config {
    api: Api,
    provider: Option<Provider>,
    lang: Lang,
    sandbox: bool,
    return_url: Option<String>,
    /// The origin the return page is served from: the only one whose messages count.
    origin: String,
    poll_interval: f64,
    timeout: f64,
    close_after_response: bool,
}

/// The `message` listener of one session, removed from the window when the session ends.
struct Listener(Closure<dyn FnMut(MessageEvent)>);

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            let _ = window
                .remove_event_listener_with_callback("message", self.0.as_ref().unchecked_ref());
        }
    }
}

struct Active {
    generation: u32,
    machine: Machine,
    session: Option<Stored>,
    surface: JsValue,
    outcome: JsValue,
    error: JsValue,
    promise: Promise,
    resolve: Function,
    reject: Function,
    backoff: Backoff,
    next_poll: f64,
    deadline: f64,
    listener: Option<Listener>,
}

struct Shared {
    config: Rc<Config>,
    emit: Function,
    generation: u32,
    active: Option<Active>,
}

type Handle = Rc<RefCell<Shared>>;

/// The checkout driver of one `Guichet` instance.
#[wasm_bindgen]
pub struct Client {
    shared: Handle,
}

fn number(options: &JsValue, key: &str, default: f64) -> f64 {
    get(options, key)
        .as_f64()
        .filter(|n| n.is_finite() && *n > 0.0)
        .unwrap_or(default)
}

fn invalid(field: &str, lang: Lang) -> JsValue {
    let error = error::ours(Code::InvalidOptions, lang);
    set(&error, "field", &field.into());
    error
}

/// Calls `surface[name](arg)`, tolerating a missing surface or method.
fn call(surface: &JsValue, name: &str, arg: &JsValue) -> JsValue {
    get(surface, name)
        .dyn_into::<Function>()
        .ok()
        .and_then(|f| f.call1(surface, arg).ok())
        .unwrap_or(JsValue::UNDEFINED)
}

fn surface_closed(surface: &JsValue) -> bool {
    !surface.is_object() || call(surface, "closed", &JsValue::UNDEFINED).is_truthy()
}

fn is_redirect(surface: &JsValue) -> bool {
    string(surface, &["kind"]).as_deref() == Some("redirect")
}

async fn sleep(ms: f64) {
    let promise = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

fn location() -> Option<web_sys::Location> {
    web_sys::window().map(|w| w.location())
}

#[wasm_bindgen]
impl Client {
    /// Reads the `new Guichet(options)` options. `emit(name, detail)` calls the page's
    /// listeners.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, emit: Function) -> Result<Client, JsValue> {
        let lang = string(&options, &["lang"])
            .map(|tag| Lang::from_tag(&tag))
            .unwrap_or_default();
        // A provider key in the page would be readable by anyone: the edge holds them.
        for secret in ["apikey", "apiKey", "api_key", "secret_key", "secretKey"] {
            if !get(&options, secret).is_undefined() {
                return Err(invalid(secret, lang));
            }
        }
        let endpoint = string(&options, &["endpoint"])
            .map(|e| e.trim_end_matches('/').to_owned())
            .filter(|e| !e.is_empty())
            .ok_or_else(|| invalid("endpoint", lang))?;
        let provider = match string(&options, &["provider"]) {
            None => None,
            Some(name) => Some(Provider::parse(&name).ok_or_else(|| invalid("provider", lang))?),
        };
        let here = location().and_then(|l| l.href().ok()).unwrap_or_default();
        let return_url = string(&options, &["returnUrl", "return_url"]);
        let origin = match &return_url {
            Some(url) => web_sys::Url::new_with_base(url, &here)
                .map_err(|_| invalid("returnUrl", lang))?
                .origin(),
            None => location().and_then(|l| l.origin().ok()).unwrap_or_default(),
        };
        let config = Config {
            api: Api { endpoint, lang },
            provider,
            lang,
            sandbox: get(&options, "sandbox").as_bool() == Some(true),
            return_url,
            origin,
            poll_interval: number(&options, "pollInterval", 2_000.0),
            timeout: number(&options, "timeout", 600_000.0),
            close_after_response: get(&options, "closeAfterResponse").as_bool() != Some(false),
        };
        Ok(Client {
            shared: Rc::new(RefCell::new(Shared {
                config: Rc::new(config),
                emit,
                generation: 0,
                active: None,
            })),
        })
    }

    /// Starts a checkout in `surface` (overlay, popup or redirect). While a session is
    /// under way, answers its promise again and closes the extra surface: a double click
    /// opens one session. `cinetpay` reads the order in CinetPay's `getCheckout` shape.
    pub fn start(&self, order: JsValue, surface: JsValue, cinetpay: bool) -> Promise {
        if let Some(promise) = self.running() {
            let same = self
                .shared
                .borrow()
                .active
                .as_ref()
                .is_some_and(|a| Object::is(&a.surface, &surface));
            if !same {
                call(&surface, "close", &JsValue::UNDEFINED);
            }
            return promise;
        }
        let (generation, promise) = self.begin(surface.clone(), None, !is_redirect(&surface));
        spawn_local(open(
            self.shared.clone(),
            generation,
            order,
            surface,
            cinetpay,
        ));
        promise
    }

    /// On the return page: finds the session from the query (`guichet_session`, or the
    /// provider's own parameters with the session this tab stored), and follows it until
    /// the backend reports a final status or the timeout passes. Inside Guichet's frame
    /// or popup, first tells the opening page to ask the backend now. Resolves `null`
    /// when the page is not a Guichet return.
    #[wasm_bindgen(js_name = handleReturn)]
    pub fn handle_return(&self) -> Promise {
        let Some(window) = web_sys::window() else {
            return Promise::resolve(&JsValue::NULL);
        };
        let search = window.location().search().unwrap_or_default();
        let query = web_sys::UrlSearchParams::new_with_str(&search).ok();
        let found = params::read(|name| query.as_ref().and_then(|q| q.get(name)));
        let stored = store::load();
        let id = found.session.or_else(|| {
            let provider = found.provider?;
            stored
                .as_ref()
                .filter(|s| s.provider == provider)
                .map(|s| s.id.clone())
        });
        let Some(id) = id else {
            return Promise::resolve(&JsValue::NULL);
        };
        let embedded = tell_opener(&window, &id);
        match stored.filter(|s| s.id == id) {
            Some(stored) => self.follow(stored),
            None if embedded => Promise::resolve(&JsValue::NULL),
            None => {
                let error = error::ours(Code::SessionNotFound, self.shared.borrow().config.lang);
                emit(&self.shared.borrow().emit, Event::Error, &error);
                Promise::reject(&error)
            }
        }
    }

    /// After a reload: follows the session this tab stored, until a final status or the
    /// timeout. Resolves `null` when there is none.
    pub fn resume(&self) -> Promise {
        match store::load() {
            Some(stored) => self.follow(stored),
            None => Promise::resolve(&JsValue::NULL),
        }
    }
}

impl Client {
    fn running(&self) -> Option<Promise> {
        let shared = self.shared.borrow();
        let active = shared.active.as_ref()?;
        (!active.machine.done()).then(|| active.promise.clone())
    }

    /// Makes the new active session (dropping the previous one and its listener).
    fn begin(
        &self,
        surface: JsValue,
        session: Option<Stored>,
        has_surface: bool,
    ) -> (u32, Promise) {
        let mut slots = None;
        let promise = Promise::new(&mut |resolve, reject| slots = Some((resolve, reject)));
        let mut shared = self.shared.borrow_mut();
        shared.generation += 1;
        let generation = shared.generation;
        let Some((resolve, reject)) = slots else {
            return (generation, promise);
        };
        let config = shared.config.clone();
        let outcome: JsValue = Object::new().into();
        set(
            &outcome,
            "session",
            &session
                .as_ref()
                .map_or(JsValue::NULL, |s| s.id.as_str().into()),
        );
        let provider = session.as_ref().map(|s| s.provider).or(config.provider);
        set(
            &outcome,
            "provider",
            &provider.map_or(JsValue::NULL, |p| p.as_str().into()),
        );
        set(&outcome, "status", &JsValue::NULL);
        let now = Date::now();
        shared.active = Some(Active {
            generation,
            machine: Machine::new(has_surface, config.close_after_response),
            session,
            surface,
            outcome,
            error: JsValue::UNDEFINED,
            promise: promise.clone(),
            resolve,
            reject,
            backoff: Backoff::new(config.poll_interval),
            next_poll: now + config.poll_interval,
            deadline: now + config.timeout,
            listener: None,
        });
        (generation, promise)
    }

    /// Follows a stored session from this page (return page, resume).
    fn follow(&self, stored: Stored) -> Promise {
        if let Some(promise) = self.running() {
            let same = self
                .shared
                .borrow()
                .active
                .as_ref()
                .and_then(|a| a.session.as_ref().map(|s| s.id == stored.id));
            if same == Some(true) {
                return promise;
            }
        }
        let (generation, promise) = self.begin(JsValue::UNDEFINED, Some(stored), false);
        if let Some(active) = self.shared.borrow_mut().active.as_mut() {
            active.next_poll = 0.0;
        }
        signal(&self.shared, generation, Signal::Returned);
        spawn_local(watch(self.shared.clone(), generation));
        promise
    }
}

/// Inside a frame or popup, posts the return nudge to the page that opened it, only to
/// this page's own origin. True when there was such a page.
fn tell_opener(window: &web_sys::Window, id: &str) -> bool {
    let me: &JsValue = window.as_ref();
    let parent = get(me, "parent");
    let target = if parent.is_object() && !Object::is(&parent, me) {
        parent
    } else {
        get(me, "opener")
    };
    if !target.is_object() {
        return false;
    }
    let nudge: JsValue = Object::new().into();
    set(&nudge, "source", &"guichet".into());
    set(&nudge, "type", &"return".into());
    set(&nudge, "session", &id.into());
    let origin = window.location().origin().unwrap_or_default();
    if let Ok(post) = get(&target, "postMessage").dyn_into::<Function>() {
        let _ = post.call2(&target, &nudge, &origin.into());
    }
    true
}

fn emit(emit: &Function, event: Event, detail: &JsValue) {
    let _ = emit.call2(&JsValue::NULL, &event.name().into(), detail);
}

/// Feeds a signal to the session's machine and carries out its effects, outside any
/// borrow: listeners may call back into the client.
fn signal(shared: &Handle, generation: u32, signal_in: Signal) {
    let (effects, emit_fn, outcome, error, resolve, reject, surface) = {
        let mut guard = shared.borrow_mut();
        let emit_fn = guard.emit.clone();
        let Some(active) = guard.active.as_mut().filter(|a| a.generation == generation) else {
            return;
        };
        let effects = active.machine.handle(signal_in);
        if active.machine.done() {
            active.listener = None;
        }
        (
            effects,
            emit_fn,
            active.outcome.clone(),
            active.error.clone(),
            active.resolve.clone(),
            active.reject.clone(),
            active.surface.clone(),
        )
    };
    for effect in effects {
        match effect {
            Effect::Emit(Event::Error) => emit(&emit_fn, Event::Error, &error),
            Effect::Emit(event) => emit(&emit_fn, event, &outcome),
            Effect::Resolve => {
                let _ = resolve.call1(&JsValue::NULL, &outcome);
            }
            Effect::Reject => {
                let _ = reject.call1(&JsValue::NULL, &error);
            }
            Effect::CloseSurface => {
                call(&surface, "close", &JsValue::UNDEFINED);
                signal(shared, generation, Signal::SurfaceClosed);
            }
        }
    }
}

fn fail(shared: &Handle, generation: u32, error: JsValue, fatal: bool) {
    if let Some(active) = shared
        .borrow_mut()
        .active
        .as_mut()
        .filter(|a| a.generation == generation)
    {
        active.error = error;
    }
    signal(shared, generation, Signal::Error { fatal });
}

fn config(shared: &Handle) -> Rc<Config> {
    shared.borrow().config.clone()
}

/// Creates the session and shows its page, then follows it.
async fn open(shared: Handle, generation: u32, order: JsValue, surface: JsValue, cinetpay: bool) {
    let config = config(&shared);
    let mut input = if cinetpay {
        read::cinetpay(&order)
    } else {
        read::checkout(&order)
    };
    if input.provider.is_none() {
        input.provider = config.provider.map(|p| p.as_str().to_owned());
    }
    if input.lang.is_none() {
        input.lang = Some(config.lang.code().to_owned());
    }
    let checkout = match Checkout::parse(&input) {
        Ok(checkout) => checkout,
        Err(found) => {
            return fail(
                &shared,
                generation,
                error::invalid_order(&found, config.lang),
                true,
            );
        }
    };
    if surface_closed(&surface) && !is_redirect(&surface) {
        // Closed while the WebAssembly loaded: no session was asked for.
        return signal(&shared, generation, Signal::SurfaceClosed);
    }
    let created = match config
        .api
        .create(&read::body(&input, config.return_url.as_deref()))
        .await
    {
        Ok(created) => created,
        Err(failure) => return fail(&shared, generation, failure.error, true),
    };
    let (Some(id), Some(token), Some(url)) = (
        string(&created, &["id"]).filter(|id| params::is_session_id(id)),
        string(&created, &["token"]),
        string(&created, &["checkout_url"]),
    ) else {
        return fail(
            &shared,
            generation,
            error::ours(Code::BadResponse, config.lang),
            true,
        );
    };
    if !hosts::allowed(checkout.provider, &url, config.sandbox) {
        return fail(
            &shared,
            generation,
            error::ours(Code::UnexpectedHost, config.lang),
            true,
        );
    }
    let stored = Stored {
        id,
        token,
        provider: checkout.provider,
    };
    store::save(&stored);
    let outcome = api::outcome(&created);
    set(&outcome, "checkout_url", &url.as_str().into());
    {
        let mut guard = shared.borrow_mut();
        let Some(active) = guard.active.as_mut().filter(|a| a.generation == generation) else {
            return;
        };
        active.session = Some(stored);
        active.outcome = outcome;
    }
    if !is_redirect(&surface) && surface_closed(&surface) {
        signal(&shared, generation, Signal::Created);
        return signal(&shared, generation, Signal::SurfaceClosed);
    }
    call(&surface, "go", &url.into());
    signal(&shared, generation, Signal::Created);
    if is_redirect(&surface) {
        return signal(&shared, generation, Signal::Left);
    }
    listen(&shared, generation, get(&surface, "window"));
    watch(shared, generation).await;
}

/// Listens for the return page's nudge from the surface's window.
fn listen(shared: &Handle, generation: u32, window: JsValue) {
    let Some(page) = web_sys::window() else {
        return;
    };
    let weak = Rc::downgrade(shared);
    let closure = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(shared) = weak.upgrade() else {
            return;
        };
        let data = event.data();
        let source = string(&data, &["source"]);
        let kind = string(&data, &["type"]);
        let session = string(&data, &["session"]);
        let origin = event.origin();
        let from_surface = event
            .source()
            .is_some_and(|s| window.is_object() && Object::is(&s, &window));
        let accepted = {
            let guard = shared.borrow();
            let current = guard
                .active
                .as_ref()
                .filter(|a| a.generation == generation)
                .and_then(|a| a.session.as_ref());
            current.is_some_and(|s| {
                Nudge {
                    origin: &origin,
                    from_surface,
                    source: source.as_deref(),
                    kind: kind.as_deref(),
                    session: session.as_deref(),
                }
                .accepted(&guard.config.origin, &s.id)
            })
        };
        if accepted {
            if let Some(active) = shared.borrow_mut().active.as_mut() {
                active.next_poll = 0.0;
            }
            signal(&shared, generation, Signal::Returned);
        }
    });
    let _ = page.add_event_listener_with_callback("message", closure.as_ref().unchecked_ref());
    if let Some(active) = shared
        .borrow_mut()
        .active
        .as_mut()
        .filter(|a| a.generation == generation)
    {
        active.listener = Some(Listener(closure));
    }
}

/// The session's clock: looks at the surface, the timeout and due polls every tick.
async fn watch(shared: Handle, generation: u32) {
    loop {
        let (poll, closed, timed_out) = {
            let guard = shared.borrow();
            let Some(active) = guard.active.as_ref().filter(|a| a.generation == generation) else {
                return;
            };
            if active.machine.done() {
                return;
            }
            let now = Date::now();
            let has_surface = active.surface.is_object();
            (
                active.machine.polling() && now >= active.next_poll,
                has_surface && surface_closed(&active.surface),
                now >= active.deadline,
            )
        };
        if closed {
            signal(&shared, generation, Signal::SurfaceClosed);
        } else if timed_out {
            signal(&shared, generation, Signal::TimedOut);
        } else if poll {
            check(&shared, generation).await;
        }
        sleep(TICK).await;
    }
}

/// Asks the backend for the session's status.
async fn check(shared: &Handle, generation: u32) {
    let config = config(shared);
    let Some(stored) = shared
        .borrow()
        .active
        .as_ref()
        .filter(|a| a.generation == generation)
        .and_then(|a| a.session.clone())
    else {
        return;
    };
    let answer = config.api.session(&stored.id, &stored.token).await;
    if let Some(active) = shared
        .borrow_mut()
        .active
        .as_mut()
        .filter(|a| a.generation == generation)
    {
        active.next_poll = Date::now() + active.backoff.next_delay();
    }
    match answer {
        Ok(session) => {
            let status = api::status(&session);
            if status.is_final() {
                store::clear();
            }
            if let Some(active) = shared
                .borrow_mut()
                .active
                .as_mut()
                .filter(|a| a.generation == generation)
            {
                if active.machine.polling() {
                    active.outcome = api::outcome(&session);
                }
            }
            signal(shared, generation, Signal::Status(status));
        }
        // A network failure or a server error is retried at the next poll, silently.
        Err(failure) if !failure.fatal => {}
        Err(failure) => {
            // A refused token or an unknown session will not get better.
            store::clear();
            fail(shared, generation, failure.error, true);
        }
    }
}
