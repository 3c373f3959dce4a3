//! A local stand-in for Moneroo, CinetPay and MoneyFusion: their APIs, hosted checkout
//! pages, notifications and payouts, with faults on purpose. Written from the
//! providers' published documentation (`docs/PROVIDERS.md`), not from our adapters, so that
//! tests and demos meet the providers as they are.
//!
//! Start it in-process from a test:
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use guichet::sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?; // 127.0.0.1, any port
//! let moneroo = sandbox.endpoints().moneroo; // http://127.0.0.1:<port>/moneroo
//! # let _ = moneroo;
//! sandbox.stop().await;
//! # Ok(()) }
//! ```
//!
//! or as the `guichet-sandbox` binary. The control API (`/_sandbox/...`) and every flag
//! are described in `docs/SANDBOX.md`.
//!
//! Layout: [`config`] (what a run accepts), `store` (the providers' books), one module per
//! provider (`moneroo`, `cinetpay`, `moneyfusion`), `hosted` and `checkout` (the pages),
//! `notify` (webhooks), [`faults`], `control` (the `/_sandbox` API).

// Handlers return early with the provider's ready answer (`Result<_, Response>`); the
// answer is about to be sent, so boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::middleware::{from_fn_with_state, map_request, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

mod checkout;
mod cinetpay;
mod cinetpay_transfers;
pub mod config;
mod control;
pub mod faults;
mod hosted;
mod lifecycle;
mod moneroo;
mod moneroo_methods;
mod moneroo_payouts;
mod moneroo_validation;
mod moneyfusion;
mod notify;
mod state;
mod store;
mod support;

pub use config::{Command, Credentials, SandboxConfig, USAGE};
pub use faults::{FaultKind, FaultSpec};
pub use store::Outcome;
pub use support::hmac_sha256_hex;

use state::{Shared, SharedState};

/// Where each provider lives on a running sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// Moneroo's API base (`MONEROO_BASE_URL`): `{base}/v1/payments/initialize`...
    pub moneroo: String,
    /// CinetPay's checkout API base (`CINETPAY_BASE_URL`): `{base}/v2/payment`...
    pub cinetpay: String,
    /// CinetPay's transfer API base: `{base}/v1/auth/login`...
    pub cinetpay_transfer: String,
    /// MoneyFusion's base (`MONEYFUSION_BASE_URL`): `{base}/paiementNotif/<token>`,
    /// `{base}/api/v1/withdraw`.
    pub moneyfusion: String,
    /// The merchant's MoneyFusion API URL (`MONEYFUSION_API_URL`), which is a credential.
    pub moneyfusion_api_url: String,
}

impl Endpoints {
    fn new(base_url: &str, credentials: &Credentials) -> Endpoints {
        Endpoints {
            base_url: base_url.to_owned(),
            moneroo: format!("{base_url}/moneroo"),
            cinetpay: format!("{base_url}/cinetpay"),
            cinetpay_transfer: format!("{base_url}/cinetpay/client"),
            moneyfusion: format!("{base_url}/moneyfusion"),
            moneyfusion_api_url: format!(
                "{base_url}/moneyfusion/{}/{}/pay/",
                credentials.moneyfusion_app, credentials.moneyfusion_key
            ),
        }
    }

    /// The MoneyFusion API URL as it may be printed: whole when it is the documented
    /// test one, its key hidden otherwise.
    fn moneyfusion_api_url_shown(&self, credentials: &Credentials) -> String {
        let defaults = Credentials::default();
        if credentials.moneyfusion_app == defaults.moneyfusion_app
            && credentials.moneyfusion_key == defaults.moneyfusion_key
        {
            self.moneyfusion_api_url.clone()
        } else {
            format!(
                "{}/moneyfusion/{}/***/pay/",
                self.base_url, credentials.moneyfusion_app
            )
        }
    }

    /// Lines the binary prints at start: base URLs and the accepted test credentials.
    pub fn banner(&self, credentials: &Credentials) -> Vec<String> {
        let mut lines = vec![
            format!("guichet-sandbox listening on {}", self.base_url),
            format!("  moneroo      {}", self.moneroo),
            format!("  cinetpay     {}", self.cinetpay),
            format!("  cinetpay transfers {}", self.cinetpay_transfer),
            format!("  moneyfusion  {}", self.moneyfusion),
            format!(
                "  moneyfusion API URL {}",
                self.moneyfusion_api_url_shown(credentials)
            ),
            format!("  control      {}/_sandbox", self.base_url),
            "accepted test credentials:".to_owned(),
        ];
        for (name, value) in credentials.describe() {
            lines.push(format!("  {name:<27} {value}"));
        }
        lines
    }
}

/// The sandbox server.
#[derive(Debug)]
pub struct Sandbox;

impl Sandbox {
    /// Binds 127.0.0.1 on `config.port` (0: any free port) and serves until the handle
    /// is stopped or dropped. Needs a Tokio runtime.
    pub async fn start(config: SandboxConfig) -> std::io::Result<SandboxHandle> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let (stop, stopped) = watch::channel(false);
        let shared: SharedState = Arc::new(Shared::new(&config, base_url.clone(), stopped.clone()));
        let app = app(shared.clone());
        let mut until = stopped;
        let server = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            // Err: the handle is gone, which also means stop.
            let _ = until.wait_for(|stopped| *stopped).await;
        });
        let task = tokio::spawn(async move { server.await });
        Ok(SandboxHandle {
            addr,
            endpoints: Endpoints::new(&base_url, &config.credentials),
            credentials: config.credentials,
            stop,
            task: Some(task),
        })
    }
}

/// A running sandbox. Dropping it stops the server.
#[derive(Debug)]
pub struct SandboxHandle {
    addr: SocketAddr,
    endpoints: Endpoints,
    credentials: Credentials,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl SandboxHandle {
    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.endpoints.base_url
    }

    /// The socket address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every provider's base URL.
    pub fn endpoints(&self) -> Endpoints {
        self.endpoints.clone()
    }

    /// The credentials it accepts.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Stops accepting requests, ends pending work (timers, retries, hung faults) and
    /// waits for the server to finish.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            // A panicked or failed server has stopped too.
            let _ = task.await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn app(shared: SharedState) -> Router {
    let routes = Router::new()
        .merge(moneroo::router(shared.clone()))
        .merge(cinetpay::router())
        .merge(moneyfusion::router())
        .merge(hosted::router())
        .merge(control::router())
        .fallback(not_found)
        .layer(from_fn_with_state(
            shared.clone(),
            faults::apply_request_faults,
        ))
        .layer(from_fn_with_state(shared.clone(), log_requests))
        .with_state(shared);
    // A layer on a router runs after its routing: the rewrite goes on an outer router
    // whose only route is the real one, so the real one routes the rewritten path.
    Router::new()
        .fallback_service(routes)
        .layer(map_request(merge_cinetpay_slashes))
}

/// CinetPay's API sits behind nginx, whose default `merge_slashes` reads
/// `//v2/payment/check` as `/v2/payment/check`; the PyPI `cinetpay` client sends exactly
/// that. The other providers get their paths as sent.
async fn merge_cinetpay_slashes(mut request: Request) -> Request {
    let path = request.uri().path();
    if path.starts_with("/cinetpay/") && path.contains("//") {
        let mut merged = String::with_capacity(path.len());
        for c in path.chars() {
            if !(c == '/' && merged.ends_with('/')) {
                merged.push(c);
            }
        }
        let rewritten = match request.uri().query() {
            Some(query) => format!("{merged}?{query}"),
            None => merged,
        };
        if let Ok(uri) = rewritten.parse::<Uri>() {
            *request.uri_mut() = uri;
        }
    }
    request
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not Found").into_response()
}

/// The path as it may be printed: MoneyFusion's key and every query (tokens) hidden.
fn printable_path(uri: &Uri) -> String {
    let path = uri.path();
    let parts: Vec<&str> = path.split('/').collect();
    let shown = match parts.as_slice() {
        ["", "moneyfusion", app, _key, "pay", rest @ ..]
            if *app != "api" && *app != "pay" && *app != "paiementNotif" =>
        {
            format!(
                "/moneyfusion/{app}/***/pay{}",
                if rest.is_empty() { "" } else { "/" }
            )
        }
        _ => path.to_owned(),
    };
    if uri.query().is_some() {
        format!("{shown}?***")
    } else {
        shown
    }
}

/// `--verbose`: one line per request on stdout.
async fn log_requests(State(shared): State<SharedState>, request: Request, next: Next) -> Response {
    if !shared.verbose {
        return next.run(request).await;
    }
    let started = Instant::now();
    let method = request.method().clone();
    let path = printable_path(request.uri());
    let response = next.run(request).await;
    println!(
        "{method} {path} -> {} ({} ms)",
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_paths_hide_the_moneyfusion_key_and_queries() {
        let uri: Uri = "/moneyfusion/Shop/0123456789abcdef/pay/".parse().unwrap();
        assert_eq!(printable_path(&uri), "/moneyfusion/Shop/***/pay/");
        let uri: Uri = "/cinetpay/client/v1/transfer/check/balance?token=abc"
            .parse()
            .unwrap();
        assert_eq!(
            printable_path(&uri),
            "/cinetpay/client/v1/transfer/check/balance?***"
        );
        let uri: Uri = "/moneyfusion/paiementNotif/tok".parse().unwrap();
        assert_eq!(printable_path(&uri), "/moneyfusion/paiementNotif/tok");
    }

    #[test]
    fn banner_never_prints_a_key_someone_passed_in() {
        let creds = Credentials {
            moneyfusion_key: "feedfacefeedface".to_owned(),
            cinetpay_secret_key: "real-secret".to_owned(),
            ..Credentials::default()
        };
        let endpoints = Endpoints::new("http://127.0.0.1:4010", &creds);
        let banner = endpoints.banner(&creds).join("\n");
        assert!(!banner.contains("feedfacefeedface"), "{banner}");
        assert!(!banner.contains("real-secret"), "{banner}");
        assert!(banner.contains("http://127.0.0.1:4010/moneroo"));
    }
}
