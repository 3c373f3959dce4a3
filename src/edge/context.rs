//! What a route is handed: the request as a value ([`Incoming`]) and everything with
//! effects ([`Edge`]: settings, ledger, network, clock). The router and every handler name
//! this module; it names none of them, so requests flow one way.

use super::ledger::Ledger;
use super::runtime::Runtime;
use super::Config;
use crate::http::{HttpRequest, Method, Transport};

/// A request as the router sees it, whatever the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// The method, uppercase (`GET`, `POST`, `OPTIONS`).
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string, without its `?`.
    pub query: String,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
}

/// The first value named `name` in a decoded query or form, as sent (untrimmed). One
/// plain search for every route that reads a parameter.
pub fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    for (key, value) in pairs {
        if key == name {
            return Some(value);
        }
    }
    None
}

impl Incoming {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::http::find_header(&self.headers, name)
    }

    /// The request as an adapter reads an inbound message (CinetPay's notifications):
    /// `GET` stays `GET`, anything else reads as a `POST`; the URL plays no part.
    pub fn as_http_request(&self) -> HttpRequest {
        HttpRequest {
            method: if self.method == "GET" {
                Method::Get
            } else {
                Method::Post
            },
            url: String::new(),
            headers: self.headers.clone(),
            body: self.body.clone(),
        }
    }

    /// The token of an `Authorization: Bearer` header.
    pub fn bearer(&self) -> Option<&str> {
        let value = self.header("authorization")?.trim();
        let (scheme, token) = value.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim())
            .filter(|t| !t.is_empty())
    }
}

/// The kinds of ledger, network and clock one [`Edge`] is built from, named together so
/// that a route has one type parameter: `edge: &Edge<'_, impl Effects>`. Every runtime
/// builds one kind (`worker.rs`), the native tests another, so each route is compiled
/// once per build.
pub trait Effects {
    /// Where records live.
    type Ledger: Ledger;
    /// How providers are reached.
    type Transport: Transport;
    /// The clock.
    type Runtime: Runtime;
}

impl<L: Ledger, T: Transport, R: Runtime> Effects for (L, T, R) {
    type Ledger = L;
    type Transport = T;
    type Runtime = R;
}

/// What a route may use: the settings, the ledger, the network and the clock.
pub struct Edge<'a, E: Effects> {
    /// The settings.
    pub config: &'a Config,
    /// Where records live.
    pub ledger: &'a E::Ledger,
    /// How providers are reached.
    pub transport: &'a E::Transport,
    /// The clock.
    pub runtime: &'a E::Runtime,
}

impl<'a, L: Ledger, T: Transport, R: Runtime> Edge<'a, (L, T, R)> {
    /// The context of one request (or one sweep) from its parts.
    pub fn new(config: &'a Config, ledger: &'a L, transport: &'a T, runtime: &'a R) -> Self {
        Edge {
            config,
            ledger,
            transport,
            runtime,
        }
    }
}
