//! The browser's second module (feature `return-page`): which session the return page or
//! `resume()` follows. A page loads it (js/browser/return.js) only when it calls
//! `handleReturn()`, or `resume()` with a session stored in this tab, so none of it is on
//! the checkout's critical path. It only finds the session; the page's one `Client`
//! (src/browser/client.rs, `step("return" | "resume", found)`) follows it, so a resumed
//! session and a new click never run in two state machines.

use js_sys::Object;
use wasm_bindgen::prelude::*;

use super::store::{self, Stored};
use super::{get, here, params, set};

/// What `call` (`return` or `resume`) is to follow: `{id, token, provider, popup}`;
/// `null` on a return page whose session is not this tab's (an error to tell); `undefined`
/// when there is nothing to do (not a Guichet return, nothing stored, or the session's
/// token is in the page that opened this frame or popup, which follows it).
#[wasm_bindgen]
pub fn lookup(call: &str) -> JsValue {
    let stored = store::load();
    if call != "return" {
        return stored.map_or(JsValue::UNDEFINED, |s| found(&s));
    }
    let Some(window) = super::window() else {
        return JsValue::UNDEFINED;
    };
    let query = web_sys::UrlSearchParams::new_with_str(&here("search")).ok();
    let from = params::read(|name| query.as_ref().and_then(|q| q.get(name)));
    let id = from.session.or_else(|| {
        let provider = from.provider?;
        stored
            .as_ref()
            .filter(|s| s.provider == provider)
            .map(|s| s.id.clone())
    });
    let Some(id) = id else {
        return JsValue::UNDEFINED;
    };
    let embedded = tell_opener(&window, &id);
    match stored.filter(|s| s.id == id) {
        Some(stored) => found(&stored),
        None if embedded => JsValue::UNDEFINED,
        None => JsValue::NULL,
    }
}

/// The session as the `Client` reads it.
fn found(stored: &Stored) -> JsValue {
    let session: JsValue = Object::new().into();
    set(&session, "id", &stored.id.as_str().into());
    set(&session, "token", &stored.token.as_str().into());
    set(&session, "provider", &stored.provider.as_str().into());
    set(&session, "popup", &stored.popup.into());
    session
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
    let origin = here("origin");
    if let Ok(post) = get(&target, "postMessage").dyn_into::<js_sys::Function>() {
        let _ = post.call2(&target, &nudge, &origin.into());
    }
    true
}
