//! Shared by the `adapters_vs_sandbox_*` files: a native [`Transport`] over reqwest, so
//! our adapters (pure request builders and response readers) talk to a running sandbox
//! exactly as the edge's `fetch` transport would; a shopper's browser for the hosted
//! pages; and the sandbox's ground truth.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use guichet::domain::{Customer, Phone};
use guichet::http::{HttpRequest, HttpResponse, Method, Transport, TransportError};
use serde_json::{json, Value};

use crate::sandbox_support::{client, form_action, hidden_field, json, Captured};

/// Sends an adapter's [`HttpRequest`] as it is: method, URL, headers and body, nothing
/// added (reqwest adds no `User-Agent` unless told, so CinetPay's rule is the adapter's
/// to keep), no redirect followed.
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// Gives up after `timeout`, as the edge's transport does.
    pub fn new(timeout: Duration) -> ReqwestTransport {
        ReqwestTransport {
            client: reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(timeout)
                .build()
                .unwrap(),
        }
    }
}

impl Default for ReqwestTransport {
    fn default() -> Self {
        ReqwestTransport::new(Duration::from_secs(5))
    }
}

impl Transport for ReqwestTransport {
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut builder = self.client.request(method, &request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if !request.body.is_empty() {
            builder = builder.body(request.body.clone());
        }
        let response = builder.send().await.map_err(|e| {
            if e.is_timeout() {
                TransportError::Timeout
            } else {
                // The URL may be a credential (MoneyFusion): never in the text.
                TransportError::Network(e.without_url().to_string())
            }
        })?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response
            .bytes()
            .await
            .map_err(|e| TransportError::Network(e.without_url().to_string()))?
            .to_vec();
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

/// Sends through a fresh [`ReqwestTransport`] and insists on an answer.
pub async fn send(request: HttpRequest) -> HttpResponse {
    ReqwestTransport::default()
        .send(&request)
        .await
        .expect("the sandbox answers")
}

/// A request our receiver captured, as the [`HttpRequest`] value the edge would hand to
/// an adapter's notification or return reader.
pub fn inbound(captured: &Captured, base_url: &str) -> HttpRequest {
    let method = match captured.method.as_str() {
        "GET" => Method::Get,
        "POST" => Method::Post,
        other => panic!("unexpected method {other}"),
    };
    let mut request = HttpRequest::new(method, format!("{base_url}{}", captured.path));
    for (name, value) in &captured.headers {
        request = request.header(name, value.clone());
    }
    request.body(captured.body.to_vec())
}

/// The shopper on a hosted page: posts the page's form with a button (`pay`, `decline`,
/// `pending`, `cancel`), a method and a phone number, as the browser would.
pub async fn press(page_url: &str, action: &str, method: &str, phone: &str) -> reqwest::Response {
    let mut form = vec![("action", action), ("phone", phone)];
    if !method.is_empty() {
        form.push(("method", method));
    }
    client().post(page_url).form(&form).send().await.unwrap()
}

/// The `Location` a page sent the shopper to.
pub fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 303, "the page sends the shopper back");
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// CinetPay's return: the browser submits the page's auto-posting form (action =
/// `return_url`, hidden `transaction_id` and `token`) to where it points.
pub async fn submit_return_form(page: &str) -> reqwest::Response {
    let action = form_action(page).expect("a return form");
    let transaction_id = hidden_field(page, "transaction_id").expect("transaction_id");
    let token = hidden_field(page, "token").expect("token");
    client()
        .post(action)
        .form(&[("transaction_id", transaction_id), ("token", token)])
        .send()
        .await
        .unwrap()
}

/// The sandbox's ground truth about one payment.
pub async fn truth(base_url: &str, provider: &str, id: &str) -> Value {
    ledger(base_url, "payments", provider, id).await
}

/// The sandbox's ground truth about one payout.
pub async fn payout_truth(base_url: &str, provider: &str, id: &str) -> Value {
    ledger(base_url, "payouts", provider, id).await
}

async fn ledger(base_url: &str, book: &str, provider: &str, id: &str) -> Value {
    let (status, body) = json(
        client()
            .get(format!("{base_url}/_sandbox/{book}/{provider}/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The shopper of every story: Awa Koné, with an e-mail (Moneroo wants one) and the
/// phone number the provider's page will see.
pub fn awa(phone: &str) -> Customer {
    Customer {
        email: Some("awa.kone@example.ci".into()),
        first_name: Some("Awa".into()),
        last_name: Some("Koné".into()),
        phone: Some(Phone::parse(phone, None).unwrap()),
        country: None,
        address: None,
        city: None,
        state: None,
        zip: None,
    }
}

/// Adds a fault through the control API (`{"provider", "kind", "next", ...}`).
pub async fn add_fault(base_url: &str, fault: Value) {
    let response = client()
        .post(format!("{base_url}/_sandbox/faults"))
        .json(&fault)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

/// `{"provider": p, "kind": k, "next": 1}`: the next matching call fails.
pub fn next_call(provider: &str, kind: &str) -> Value {
    json!({"provider": provider, "kind": kind, "next": 1})
}

/// True when the sandbox's `stage` is what an adapter's verdict means: `initiated` and
/// `pending` are both our `Pending`.
pub fn stage_matches(truth: &Value, status: guichet::domain::PaymentStatus) -> bool {
    use guichet::domain::PaymentStatus;
    match truth["stage"].as_str().unwrap_or_default() {
        "initiated" | "pending" => status == PaymentStatus::Pending,
        "succeeded" => status == PaymentStatus::Succeeded,
        "failed" => status == PaymentStatus::Failed,
        "cancelled" => status == PaymentStatus::Cancelled,
        other => panic!("unknown stage {other}"),
    }
}
