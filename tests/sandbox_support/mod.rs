//! Shared by the sandbox test files: start a sandbox, a tiny notification receiver, and
//! an HTTP client.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use guichet::sandbox::{Sandbox, SandboxConfig, SandboxHandle};
use serde_json::Value;

/// A sandbox on 127.0.0.1, any free port.
pub async fn sandbox(config: SandboxConfig) -> SandboxHandle {
    Sandbox::start(config).await.expect("sandbox starts")
}

/// The default config with a seed and fast clocks, as most tests want.
pub fn fast_config() -> SandboxConfig {
    SandboxConfig {
        seed: Some(7),
        time_scale: 0.001,
        payout_delay: Duration::from_millis(50),
        notify_timeout: Duration::from_millis(500),
        ..SandboxConfig::default()
    }
}

/// A client with a User-Agent (CinetPay refuses calls without one) and no proxy.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent("guichet-tests/1.0")
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A client that sends no User-Agent at all.
pub fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Captured {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Bytes,
    pub at: Instant,
}

impl Captured {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// Form fields, in order.
    pub fn form(&self) -> Vec<(String, String)> {
        url_decode_pairs(std::str::from_utf8(&self.body).unwrap())
    }

    pub fn field(&self, name: &str) -> Option<String> {
        self.form()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// Decodes `a=1&b=x+y` into pairs.
pub fn url_decode_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// How the receiver answers the n-th request (1-based).
pub type Behavior = Arc<dyn Fn(usize) -> (StatusCode, Duration) + Send + Sync>;

#[derive(Clone)]
struct ReceiverState {
    captured: Arc<Mutex<Vec<Captured>>>,
    behavior: Behavior,
}

/// A merchant endpoint that records what providers send it.
pub struct Receiver {
    pub url: String,
    captured: Arc<Mutex<Vec<Captured>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn capture(State(state): State<ReceiverState>, request: Request) -> Response {
    let method = request.method().to_string();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let headers = request
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = axum::body::to_bytes(request.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let n = {
        let mut captured = state.captured.lock().unwrap();
        captured.push(Captured {
            method,
            path,
            headers,
            body,
            at: Instant::now(),
        });
        captured.len()
    };
    let (status, delay) = (state.behavior)(n);
    tokio::time::sleep(delay).await;
    (status, "ok").into_response()
}

impl Receiver {
    /// Answers 200 at once.
    pub async fn start() -> Receiver {
        Receiver::with(Arc::new(|_| (StatusCode::OK, Duration::ZERO))).await
    }

    /// Answers as `behavior` says.
    pub async fn with(behavior: Behavior) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let captured = Arc::new(Mutex::new(Vec::new()));
        let state = ReceiverState {
            captured: captured.clone(),
            behavior,
        };
        let app = Router::new().fallback(capture).with_state(state);
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver {
            url: format!("http://{addr}"),
            captured,
            task,
        }
    }

    /// Everything received so far.
    pub fn all(&self) -> Vec<Captured> {
        self.captured.lock().unwrap().clone()
    }

    /// Waits until `count` requests match, or panics after `within`.
    pub async fn wait_for(
        &self,
        count: usize,
        within: Duration,
        matches: impl Fn(&Captured) -> bool,
    ) -> Vec<Captured> {
        let deadline = Instant::now() + within;
        loop {
            let found: Vec<Captured> = self.all().into_iter().filter(|c| matches(c)).collect();
            if found.len() >= count {
                return found;
            }
            if Instant::now() > deadline {
                panic!(
                    "expected {count} matching requests within {within:?}, got {}: {:#?}",
                    found.len(),
                    self.all()
                        .iter()
                        .map(|c| (
                            c.method.clone(),
                            c.path.clone(),
                            String::from_utf8_lossy(&c.body).into_owned()
                        ))
                        .collect::<Vec<_>>()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Reads a JSON answer.
pub async fn json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value =
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, value)
}

/// Waits until `check` holds, polling every 10 ms, or panics after `within`.
pub async fn eventually<F, Fut>(within: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !check().await {
        if Instant::now() > deadline {
            panic!("timed out waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Lowercase hex HMAC-SHA256, computed here independently of the sandbox.
pub fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The value of `name="<field>" value="..."` in an HTML form.
pub fn hidden_field(html: &str, field: &str) -> Option<String> {
    let marker = format!(r#"name="{field}" value=""#);
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].replace("&amp;", "&"))
}

/// The `action` of the first `<form method="post" action="...">` in a page.
pub fn form_action(html: &str) -> Option<String> {
    let marker = r#"<form method="post" action=""#;
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].replace("&amp;", "&"))
}
