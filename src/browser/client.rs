//! The checkout's decisions behind `new Guichet(...)`. Every choice is made here; the
//! JavaScript driver (js/browser/flow.js) only carries out I/O: it sends the requests this
//! client prepares, feeds the answers back, ticks the clock, forwards window messages, and
//! acts on the effects each call returns (a space-separated list):
//!
//! - `post`: send `POST sessionsUrl` with `body`; answer with [`Client::created`];
//! - `go`: navigate the surface to `checkoutUrl`;
//! - `watch`: tick every 250 ms with [`Client::tick`] and listen for messages
//!   ([`Client::nudge`]) until `done`;
//! - `poll`: send `GET sessionUrl` with `authorization`; answer with [`Client::answer`];
//! - `shut`: close the surface, then report it with [`Client::shut`];
//! - `resolve` / `reject`: settle the caller's promise with `outcome` / `error`;
//! - an event name (`ready`, `pending`, `success`, `failed`, `close`, `error`): call its
//!   listeners with `outcome` (or `error`).
//!
//! No await, no closure and no callback into the page happen in here, which keeps this
//! file small in the bundle and free of re-entrancy.

use js_sys::{Date, Object, JSON};
use wasm_bindgen::prelude::*;

use super::api::{self, Api};
use super::error::{self, set, Code};
use super::hosts;
use super::message::Nudge;
use super::outcome::{Effect, Machine, Signal};
use super::params;
use super::poll::Backoff;
use super::read::{self, get, string};
use super::store::{self, Stored};
use crate::domain::{Checkout, Lang, Provider};

/// The checkout state of one `Guichet` instance: one session at a time.
#[wasm_bindgen]
pub struct Client {
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

    generation: u32,
    machine: Machine,
    redirect: bool,
    /// The provider of the session being created.
    current: Option<Provider>,
    session: Option<Stored>,
    request: String,
    checkout_url: String,
    outcome: JsValue,
    error: JsValue,
    backoff: Backoff,
    next_poll: f64,
    deadline: f64,
}

fn invalid(field: &str, lang: Lang) -> JsValue {
    let error = error::ours(Code::InvalidOptions, lang);
    set(&error, "field", &field.into());
    error
}

fn location() -> Option<web_sys::Location> {
    web_sys::window().map(|w| w.location())
}

/// The effects as the driver reads them.
fn effects(list: Vec<Effect>, out: &mut String) {
    for effect in list {
        out.push(' ');
        out.push_str(match effect {
            Effect::Emit(event) => event.name(),
            Effect::Resolve => "resolve",
            Effect::Reject => "reject",
            Effect::CloseSurface => "shut",
        });
    }
}

#[wasm_bindgen]
impl Client {
    /// Reads the `new Guichet(options)` options; refuses a provider key.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Client, JsValue> {
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
        let number = |key: &str, default: f64| {
            get(&options, key)
                .as_f64()
                .filter(|n| n.is_finite() && *n > 0.0)
                .unwrap_or(default)
        };
        let poll_interval = number("pollInterval", 2_000.0);
        Ok(Client {
            api: Api { endpoint, lang },
            provider,
            lang,
            sandbox: get(&options, "sandbox").as_bool() == Some(true),
            return_url,
            origin,
            poll_interval,
            timeout: number("timeout", 600_000.0),
            close_after_response: get(&options, "closeAfterResponse").as_bool() != Some(false),
            generation: 0,
            machine: Machine::new(false, true),
            redirect: false,
            current: None,
            session: None,
            request: String::new(),
            checkout_url: String::new(),
            outcome: JsValue::NULL,
            error: JsValue::NULL,
            backoff: Backoff::new(poll_interval),
            next_poll: 0.0,
            deadline: 0.0,
        })
    }

    /// Starts a checkout shown in a surface of `kind` (`overlay`, `popup`, `redirect`):
    /// validates the order with the backend's rules, then asks for `post`. Answers `busy`
    /// while a session is under way: a double click opens one session. `cinetpay` reads
    /// the order in the shape of CinetPay's `getCheckout`.
    pub fn start(&mut self, order: JsValue, cinetpay: bool, kind: &str) -> String {
        if !self.done() {
            return "busy".into();
        }
        self.redirect = kind == "redirect";
        self.begin(None, !self.redirect);
        let mut input = if cinetpay {
            read::cinetpay(&order)
        } else {
            read::checkout(&order)
        };
        if input.provider.is_none() {
            input.provider = self.provider.map(|p| p.as_str().to_owned());
        }
        if input.lang.is_none() {
            input.lang = Some(self.lang.code().to_owned());
        }
        match Checkout::parse(&input) {
            Ok(checkout) => {
                self.current = Some(checkout.provider);
                let body = read::body(&input, self.return_url.as_deref());
                self.request = JSON::stringify(&body)
                    .ok()
                    .and_then(|s| s.as_string())
                    .unwrap_or_default();
                "post".into()
            }
            Err(found) => self.fail(error::invalid_order(&found, self.lang), true),
        }
    }

    /// The answer to `post` (`status` 0 when the network failed; `json` the parsed body or
    /// null). Checks the checkout URL's host before anything is shown, remembers the
    /// session for the return page and a reload, then asks to `go` and `watch`. `closed`
    /// tells whether the shopper closed the surface meanwhile.
    pub fn created(&mut self, status: f64, json: JsValue, closed: bool) -> String {
        if let Err(failure) = self.api.read(status, &json) {
            return self.fail(failure.error, true);
        }
        let (Some(id), Some(token), Some(url)) = (
            string(&json, &["id"]).filter(|id| params::is_session_id(id)),
            string(&json, &["token"]),
            string(&json, &["checkout_url"]),
        ) else {
            return self.fail(error::ours(Code::BadResponse, self.lang), true);
        };
        let Some(provider) = self
            .current
            .filter(|p| hosts::allowed(*p, &url, self.sandbox))
        else {
            return self.fail(error::ours(Code::UnexpectedHost, self.lang), true);
        };
        let stored = Stored {
            id,
            token,
            provider,
        };
        store::save(&stored);
        self.session = Some(stored);
        self.outcome = api::outcome(&json);
        set(&self.outcome, "checkout_url", &url.as_str().into());
        self.checkout_url = url;
        let mut out = String::new();
        if closed && !self.redirect {
            effects(self.machine.handle(Signal::Created), &mut out);
            effects(self.machine.handle(Signal::SurfaceClosed), &mut out);
            return out;
        }
        out.push_str("go");
        effects(self.machine.handle(Signal::Created), &mut out);
        if self.redirect {
            effects(self.machine.handle(Signal::Left), &mut out);
        } else {
            out.push_str(" watch");
        }
        out
    }

    /// The clock: `closed` tells whether the surface is closed. Answers `poll` when a status
    /// request is due (one at a time), or the effects of a close or of the timeout.
    pub fn tick(&mut self, now: f64, closed: bool) -> String {
        let mut out = String::new();
        if closed && !self.redirect {
            effects(self.machine.handle(Signal::SurfaceClosed), &mut out);
        } else if now >= self.deadline {
            effects(self.machine.handle(Signal::TimedOut), &mut out);
        } else if self.machine.polling() && now >= self.next_poll {
            self.next_poll = f64::INFINITY;
            out.push_str("poll");
        }
        out
    }

    /// The answer to `poll`. The outcome is only ever what the backend says here. A
    /// network failure or a server error is retried at the next poll, silently; a refused
    /// token or an unknown session ends the session.
    pub fn answer(&mut self, status: f64, json: JsValue) -> String {
        self.next_poll = Date::now() + self.backoff.next_delay();
        match self.api.read(status, &json) {
            Ok(()) => {
                let status = api::status(&json);
                if status.is_final() {
                    store::clear();
                }
                if self.machine.polling() {
                    self.outcome = api::outcome(&json);
                }
                let mut out = String::new();
                effects(self.machine.handle(Signal::Status(status)), &mut out);
                out
            }
            Err(failure) if !failure.fatal => String::new(),
            Err(failure) => {
                store::clear();
                self.fail(failure.error, true)
            }
        }
    }

    /// A window `message`: counts only from the expected origin, from the surface's own
    /// window (`from_surface`) and about this session; then the backend is asked at once.
    pub fn nudge(&mut self, origin: &str, from_surface: bool, data: JsValue) -> bool {
        let Some(session) = &self.session else {
            return false;
        };
        let source = string(&data, &["source"]);
        let kind = string(&data, &["type"]);
        let id = string(&data, &["session"]);
        let accepted = Nudge {
            origin,
            from_surface,
            source: source.as_deref(),
            kind: kind.as_deref(),
            session: id.as_deref(),
        }
        .accepted(&self.origin, &session.id);
        if accepted && self.machine.polling() {
            self.machine.handle(Signal::Returned);
            self.next_poll = 0.0;
        }
        accepted
    }

    /// The surface was closed on request (`shut`).
    pub fn shut(&mut self) -> String {
        let mut out = String::new();
        effects(self.machine.handle(Signal::SurfaceClosed), &mut out);
        out
    }

    /// On the return page: finds the session from the query (`guichet_session`, or the
    /// provider's own parameters with the session this tab stored) and asks to `watch` it.
    /// Inside Guichet's frame or popup, first tells the opening page to ask the backend
    /// now. Answers nothing when this is not a Guichet return, or when the session's token
    /// is not in this tab (the opening page follows it).
    #[wasm_bindgen(js_name = handleReturn)]
    pub fn handle_return(&mut self) -> String {
        let Some(window) = web_sys::window() else {
            return String::new();
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
            return String::new();
        };
        let embedded = tell_opener(&window, &id);
        match stored.filter(|s| s.id == id) {
            Some(stored) => self.follow(stored),
            None if embedded => String::new(),
            None => {
                self.begin(None, false);
                self.fail(error::ours(Code::SessionNotFound, self.lang), true)
            }
        }
    }

    /// After a reload: asks to `watch` the session this tab stored, if any.
    pub fn resume(&mut self) -> String {
        match store::load() {
            Some(stored) => self.follow(stored),
            None => String::new(),
        }
    }

    /// True when nothing more will happen in this session.
    #[wasm_bindgen(getter)]
    pub fn done(&self) -> bool {
        self.generation == 0 || self.machine.done()
    }

    /// Changes with each session, so the driver drops answers meant for an older one.
    #[wasm_bindgen(getter)]
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// What listeners and the promise receive.
    #[wasm_bindgen(getter)]
    pub fn outcome(&self) -> JsValue {
        self.outcome.clone()
    }

    /// The last `GuichetError`.
    #[wasm_bindgen(getter)]
    pub fn error(&self) -> JsValue {
        self.error.clone()
    }

    /// The `POST /sessions` body.
    #[wasm_bindgen(getter)]
    pub fn body(&self) -> String {
        self.request.clone()
    }

    /// Where `post` goes.
    #[wasm_bindgen(getter, js_name = sessionsUrl)]
    pub fn sessions_url(&self) -> String {
        self.api.endpoint.clone() + "/sessions"
    }

    /// Where `poll` goes.
    #[wasm_bindgen(getter, js_name = sessionUrl)]
    pub fn session_url(&self) -> String {
        let id = self.session.as_ref().map_or("", |s| s.id.as_str());
        [&self.api.endpoint, "/sessions/", id].concat()
    }

    /// The `authorization` header of `poll`.
    #[wasm_bindgen(getter)]
    pub fn authorization(&self) -> String {
        let token = self.session.as_ref().map_or("", |s| s.token.as_str());
        String::from("Bearer ") + token
    }

    /// Where `go` goes: a URL on one of the provider's hosts.
    #[wasm_bindgen(getter, js_name = checkoutUrl)]
    pub fn checkout_url(&self) -> String {
        self.checkout_url.clone()
    }
}

impl Client {
    /// Resets the state for a new session.
    fn begin(&mut self, session: Option<Stored>, has_surface: bool) {
        self.generation += 1;
        self.machine = Machine::new(has_surface, self.close_after_response);
        let outcome: JsValue = Object::new().into();
        let id = session.as_ref().map(|s| JsValue::from(s.id.as_str()));
        set(&outcome, "session", &id.unwrap_or(JsValue::NULL));
        let provider = session.as_ref().map(|s| s.provider).or(self.provider);
        set(
            &outcome,
            "provider",
            &provider.map_or(JsValue::NULL, |p| p.as_str().into()),
        );
        set(&outcome, "status", &JsValue::NULL);
        self.outcome = outcome;
        self.current = provider;
        self.session = session;
        self.checkout_url.clear();
        self.backoff = Backoff::new(self.poll_interval);
        let now = Date::now();
        self.next_poll = now + self.poll_interval;
        self.deadline = now + self.timeout;
    }

    fn fail(&mut self, error: JsValue, fatal: bool) -> String {
        self.error = error;
        let mut out = String::new();
        effects(self.machine.handle(Signal::Error { fatal }), &mut out);
        out
    }

    /// Follows a stored session from this page (return page, resume), asking at once.
    fn follow(&mut self, stored: Stored) -> String {
        let same = self.session.as_ref().is_some_and(|s| s.id == stored.id);
        if !self.done() && same {
            return String::new();
        }
        self.redirect = false;
        self.begin(Some(stored), false);
        self.machine.handle(Signal::Returned);
        self.next_poll = 0.0;
        "watch".into()
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
    if let Ok(post) = get(&target, "postMessage").dyn_into::<js_sys::Function>() {
        let _ = post.call2(&target, &nudge, &origin.into());
    }
    true
}
