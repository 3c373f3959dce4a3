//! The checkout's decisions behind `new Guichet(...)`. Every choice is made here; the
//! JavaScript driver (js/browser/flow.js) only carries out I/O. It feeds each happening to
//! [`Client::step`] and carries out the effects it answers, in order, each an array
//! `[name, a, b]`:
//!
//! - `["post", url, body]`: send `POST url` with the JSON of `body`; step `created` with
//!   the answer;
//! - `["go", url]`: navigate the surface to `url`;
//! - `["watch"]`: step `tick` every 250 ms and `nudge` with window messages until `done`;
//! - `["poll", url, authorization]`: send `GET url` with that header; step `answer`;
//! - `["save", text]` / `["forget"]`: write the session this tab follows (src/browser/store.rs's
//!   text) under `sessionStorage`'s `guichet.session`, or remove it;
//! - `["shut"]`: close the surface, then step `shut`;
//! - `["busy"]`: the surface is the provider's window of the session under way: bring it
//!   to the front (any other surface is closed);
//! - `["resolve", outcome]` / `["reject", error]`: settle the caller's promise;
//! - `[event, detail]` (`ready`, `pending`, `success`, `failed`, `close`, `error`): call
//!   the event's listeners.
//!
//! One exported entry rather than a method per happening: each export costs glue
//! JavaScript and a wrapper in the bundle. No await, no closure and no callback into the
//! page happen in here, which keeps this file small and free of re-entrancy.

use js_sys::{Array, Date, Object};
use wasm_bindgen::prelude::*;

use super::api::{self, Api};
use super::error::{self, set, Code};
use super::here;
use super::hosts;
use super::message::Nudge;
use super::outcome::{Effect, Event, Machine, Signal};
use super::params;
use super::poll::Backoff;
use super::read::{self, get, string};
use super::store::Stored;
use crate::domain::validation::cat;
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
    /// The checkout page is in a popup (it outlives a reload of the shop).
    popup: bool,
    /// A resumed session whose page went with the reload: a status that is not final
    /// means the payment was interrupted.
    interrupted: bool,
    /// The surface closed after the shopper came back: the status asked for last.
    last_check: bool,
    /// The provider of the session being created.
    current: Option<Provider>,
    session: Option<Stored>,
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

/// The effects of one step, as the driver reads them.
struct Effects(Array);

impl Effects {
    fn new() -> Effects {
        Effects(Array::new())
    }

    /// Appends `[name, ...payload]`.
    fn push(&self, name: &str, payload: &[&JsValue]) {
        let entry = Array::new();
        entry.push(&name.into());
        for value in payload {
            entry.push(value);
        }
        self.0.push(&entry);
    }

    fn done(self) -> JsValue {
        self.0.into()
    }
}

#[wasm_bindgen]
impl Client {
    /// The `Client` of `new Guichet(options)`, or the `GuichetError` refusing its options
    /// (a provider key, no endpoint, an unknown provider, an unusable return URL), which
    /// index.js throws. Returned rather than thrown: a fallible export costs its
    /// return-area glue.
    pub fn open(options: JsValue) -> JsValue {
        Client::new(options).map_or_else(|error| error, JsValue::from)
    }

    /// The driver's one entry: what happened (`call`, with up to three arguments), and
    /// what to do about it (an array of effects, see the module's documentation), or
    /// `null` when there is nothing to do.
    ///
    /// - `check(order, cinetpay)`: the order checked with the backend's rules before any
    ///   surface opens: `null` when it may go, else the effects telling the error;
    /// - `start(order, cinetpay, kind)`: a checkout in a surface of `kind` (`reused`: a
    ///   popup that was already on a page). While a session is under way in a surface, or
    ///   in the reused popup, it is `busy` (a double click opens one session) and says
    ///   why; a session followed without a surface (after a reload) is left for the new
    ///   one;
    /// - `created(status, json, closed)`: the answer to `post`;
    /// - `tick(now, closed)`: the clock, and whether the surface is closed;
    /// - `answer(status, json)`: the answer to `poll`;
    /// - `nudge(origin, fromSurface, data)`: a window `message`;
    /// - `shut()`: the surface was closed on request;
    /// - `return(session)`, `resume(session)`: follow the session that the return page's
    ///   lookup found (src/browser/lookup.rs, `{id, token, provider, popup}`), on the
    ///   return page or after a reload; `return(null)`: the return page's session is not
    ///   this tab's.
    pub fn step(&mut self, call: JsValue, a: JsValue, b: JsValue, c: JsValue) -> JsValue {
        let call = call.as_string().unwrap_or_default();
        let call = call.as_str();
        let out = Effects::new();
        let number = a.as_f64().unwrap_or(0.0);
        // The driver's flags are booleans: read as such, no truthiness import in the glue.
        let flag = |value: &JsValue| value.as_bool() == Some(true);
        match call {
            "check" => {
                let input = self.input(&a, flag(&b));
                let Err(found) = Checkout::parse(&input) else {
                    return JsValue::NULL;
                };
                let error = error::invalid_order(&found, self.lang);
                out.push("error", &[&error]);
                out.push("reject", &[&error]);
            }
            "start" => {
                let kind = c.as_string();
                let reused = kind.as_deref() == Some("reused");
                if !self.done() && (reused || self.machine.has_surface()) {
                    let error = error::ours(Code::UnderWay, self.lang);
                    out.push("busy", &[]);
                    out.push("error", &[&error]);
                    out.push("reject", &[&error]);
                    return out.done();
                }
                let kind = if reused {
                    Some("popup")
                } else {
                    kind.as_deref()
                };
                self.start(&a, flag(&b), kind, &out);
            }
            "created" => self.created(number, &b, flag(&c), &out),
            "tick" => self.tick(number, flag(&b), &out),
            "answer" => self.answer(number, &b, &out),
            "nudge" => self.nudge(&a.as_string().unwrap_or_default(), flag(&b), &c),
            "shut" => self.tell(Signal::SurfaceClosed, &out),
            "return" | "resume" => {
                if !self.follow_found(call == "resume", &a, &out) {
                    return JsValue::NULL;
                }
            }
            _ => return JsValue::NULL,
        }
        out.done()
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
}

impl Client {
    /// Reads the `new Guichet(options)` options; refuses a provider key.
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
            .map(|mut e| {
                while e.ends_with('/') {
                    e.pop();
                }
                e
            })
            .filter(|e| !e.is_empty())
            .ok_or_else(|| invalid("endpoint", lang))?;
        let provider = match string(&options, &["provider"]) {
            None => None,
            Some(name) => Some(Provider::parse(&name).ok_or_else(|| invalid("provider", lang))?),
        };
        let return_url = string(&options, &["returnUrl", "return_url"]);
        let origin = match &return_url {
            Some(url) => {
                let url = web_sys::Url::new_with_base(url, &here("href"))
                    .map_err(|_| invalid("returnUrl", lang))?;
                string(&url, &["origin"]).unwrap_or_default()
            }
            None => here("origin"),
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
            popup: false,
            interrupted: false,
            last_check: false,
            current: None,
            session: None,
            outcome: JsValue::NULL,
            error: JsValue::NULL,
            backoff: Backoff::new(poll_interval),
            next_poll: 0.0,
            deadline: 0.0,
        })
    }

    /// Starts a checkout shown in a surface of `kind` (`overlay`, `popup`, `redirect`):
    /// validates the order with the backend's rules, then asks for `post`. `cinetpay`
    /// reads the order in the shape of CinetPay's `getCheckout`.
    fn start(&mut self, order: &JsValue, cinetpay: bool, kind: Option<&str>, out: &Effects) {
        self.redirect = kind == Some("redirect");
        self.begin(None, !self.redirect);
        self.popup = kind == Some("popup");
        let input = self.input(order, cinetpay);
        match Checkout::parse(&input) {
            Ok(checkout) => {
                self.current = Some(checkout.provider);
                let url = JsValue::from(self.api.endpoint.clone() + "/sessions");
                let body = read::body(&input, self.return_url.as_deref());
                out.push("post", &[&url, &body]);
            }
            Err(found) => self.fail(error::invalid_order(&found, self.lang), true, out),
        }
    }

    /// The order as the page gave it, with the options' provider and language.
    fn input(&self, order: &JsValue, cinetpay: bool) -> crate::domain::CheckoutInput {
        let mut input = if cinetpay {
            read::cinetpay(order)
        } else {
            read::checkout(order)
        };
        if input.provider.is_none() {
            input.provider = self.provider.map(|p| p.as_str().to_owned());
        }
        if input.lang.is_none() {
            input.lang = Some(self.lang.code().to_owned());
        }
        input
    }

    /// The answer to `post` (`status` 0 when the network failed; `json` the parsed body or
    /// null). Checks the checkout URL's host before anything is shown, remembers the
    /// session for the return page and a reload, then asks to `go` and `watch`. `closed`
    /// tells whether the shopper closed the surface meanwhile.
    fn created(&mut self, status: f64, json: &JsValue, closed: bool, out: &Effects) {
        if let Err(failure) = self.api.read(status, json) {
            return self.fail(failure.error, true, out);
        }
        let (Some(id), Some(token), Some(url)) = (
            string(json, &["id"]).filter(|id| params::is_session_id(id)),
            string(json, &["token"]),
            string(json, &["checkout_url"]),
        ) else {
            return self.fail(error::ours(Code::BadResponse, self.lang), true, out);
        };
        let Some(provider) = self
            .current
            .filter(|p| hosts::allowed(*p, &url, self.sandbox))
        else {
            return self.fail(error::ours(Code::UnexpectedHost, self.lang), true, out);
        };
        let stored = Stored {
            id,
            token,
            provider,
            popup: self.popup,
        };
        out.push("save", &[&stored.encode().into()]);
        self.session = Some(stored);
        self.outcome = api::outcome(json);
        let url = JsValue::from(url);
        set(&self.outcome, "checkout_url", &url);
        if closed && !self.redirect {
            self.tell(Signal::Created, out);
            self.tell(Signal::SurfaceClosed, out);
            return;
        }
        out.push("go", &[&url]);
        self.tell(Signal::Created, out);
        if self.redirect {
            self.tell(Signal::Left, out);
        } else {
            out.push("watch", &[]);
        }
    }

    /// The clock: `closed` tells whether the surface is closed. Asks to `poll` when a
    /// status request is due (one at a time), or tells a close or the timeout.
    fn tick(&mut self, now: f64, closed: bool, out: &Effects) {
        let asking = self.next_poll == f64::INFINITY;
        if closed && !self.redirect {
            // Closed after the shopper came back (the return page closes its own popup):
            // the outcome is asked for once more before the close is told.
            if self.machine.returned() && self.machine.polling() && (asking || !self.last_check) {
                if !asking {
                    self.last_check = true;
                    self.poll(out);
                }
                return;
            }
            self.tell(Signal::SurfaceClosed, out);
        } else if now >= self.deadline {
            self.tell(Signal::TimedOut, out);
        } else if self.machine.polling() && now >= self.next_poll {
            self.poll(out);
        }
    }

    /// Asks for the session's status (one request at a time).
    fn poll(&mut self, out: &Effects) {
        self.next_poll = f64::INFINITY;
        let session = self.session.as_ref();
        let id = session.map_or("", |s| s.id.as_str());
        let url = JsValue::from(cat(&[&self.api.endpoint, "/sessions/", id]));
        let token = session.map_or("", |s| s.token.as_str());
        let authorization = JsValue::from(String::from("Bearer ") + token);
        out.push("poll", &[&url, &authorization]);
    }

    /// The answer to `poll`. The outcome is only ever what the backend says here. A
    /// network failure or a server error is retried at the next poll, silently; a refused
    /// token or an unknown session ends the session.
    fn answer(&mut self, status: f64, json: &JsValue, out: &Effects) {
        self.next_poll = Date::now() + self.backoff.next_delay();
        match self.api.read(status, json) {
            Ok(()) => {
                let status = api::status(json);
                if status.is_final() {
                    out.push("forget", &[]);
                }
                if self.machine.polling() {
                    self.outcome = api::outcome(json);
                }
                if self.interrupted && !status.is_final() {
                    // The overlay or the provider's page went with the reload: nothing
                    // will come back from it. Told as a close, so the shopper may pay again.
                    self.tell(Signal::SurfaceClosed, out);
                } else {
                    self.tell(Signal::Status(status), out);
                }
            }
            Err(failure) if !failure.fatal => {}
            Err(failure) => {
                out.push("forget", &[]);
                self.fail(failure.error, true, out);
            }
        }
    }

    /// A window `message`: counts only from the expected origin, from the surface's own
    /// window (`from_surface`) and about this session; then the backend is asked at once.
    fn nudge(&mut self, origin: &str, from_surface: bool, data: &JsValue) {
        let Some(session) = &self.session else {
            return;
        };
        let source = string(data, &["source"]);
        let kind = string(data, &["type"]);
        let id = string(data, &["session"]);
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
    }

    /// Follows the session the lookup found: on the return page (`resume` false; `found`
    /// null when it is not this tab's: an error), or after a reload, where a session
    /// whose page went with the reload (overlay, redirect) is asked about once: its
    /// outcome if final, else a `close` (interrupted). False when there is nothing to do.
    fn follow_found(&mut self, resume: bool, found: &JsValue, out: &Effects) -> bool {
        let stored = (|| {
            Some(Stored {
                id: string(found, &["id"])?,
                token: string(found, &["token"])?,
                provider: Provider::parse(&string(found, &["provider"])?)?,
                popup: get(found, "popup").as_bool() == Some(true),
            })
        })();
        let Some(stored) = stored else {
            if resume {
                return false;
            }
            self.begin(None, false);
            self.fail(error::ours(Code::SessionNotFound, self.lang), true, out);
            return true;
        };
        let interrupted = resume && !stored.popup;
        let following = self.follow(stored, out);
        self.interrupted = following && interrupted;
        following
    }

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
        self.popup = session.as_ref().is_some_and(|s| s.popup);
        self.session = session;
        self.interrupted = false;
        self.last_check = false;
        self.backoff = Backoff::new(self.poll_interval);
        let now = Date::now();
        self.next_poll = now + self.poll_interval;
        self.deadline = now + self.timeout;
    }

    /// Applies a signal to the session and appends what it asks for: each event with the
    /// outcome (or the error) as it stands now.
    fn tell(&mut self, signal: Signal, out: &Effects) {
        for effect in self.machine.handle(signal) {
            match effect {
                Effect::Emit(event) => {
                    let detail = if event == Event::Error {
                        &self.error
                    } else {
                        &self.outcome
                    };
                    out.push(event.name(), &[detail]);
                }
                Effect::Resolve => out.push("resolve", &[&self.outcome]),
                Effect::Reject => out.push("reject", &[&self.error]),
                Effect::CloseSurface => out.push("shut", &[]),
            }
        }
    }

    fn fail(&mut self, error: JsValue, fatal: bool, out: &Effects) {
        self.error = error;
        self.tell(Signal::Error { fatal }, out);
    }

    /// Follows a stored session from this page (return page, resume), asking at once.
    /// False when that session is already being followed.
    fn follow(&mut self, stored: Stored, out: &Effects) -> bool {
        let same = self.session.as_ref().is_some_and(|s| s.id == stored.id);
        if !self.done() && same {
            return false;
        }
        self.redirect = false;
        self.begin(Some(stored), false);
        self.machine.handle(Signal::Returned);
        self.next_poll = 0.0;
        out.push("watch", &[]);
        true
    }
}
