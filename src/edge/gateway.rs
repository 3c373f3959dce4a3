//! Calls to a provider: send, read, and try again with backoff and jitter when (and only
//! when) trying again is safe.

use crate::domain::Provider;
use crate::http::{HttpRequest, HttpResponse, Transport, TransportError};
use crate::providers::ProviderError;

use super::backoff::pause;
use super::budget;
use super::runtime::Runtime;

/// When to try a call again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Tries in all, the first included.
    pub attempts: u32,
    /// The first pause; it doubles each time, plus up to as much again of jitter.
    pub base_ms: u64,
    /// Whether the call may be repeated after an answer that does not prove the provider
    /// did nothing (a 5xx, a timeout).
    pub idempotent: bool,
}

impl Retry {
    /// Creating a payment: tried again only after a 429, which proves the provider did
    /// nothing. After a timeout or a 5xx the payment may exist, and a second call would
    /// start a second one for the same session.
    pub const CREATE: Retry = Retry {
        attempts: 3,
        base_ms: 250,
        idempotent: false,
    };
    /// Status calls: reading twice is harmless.
    pub const READ: Retry = Retry {
        attempts: 3,
        base_ms: 200,
        idempotent: true,
    };
    /// Status calls while a provider waits for our answer to its notification (Moneroo
    /// gives 3 s): one quick second try, then the provider's own retry takes over.
    pub const NOTIFIED: Retry = Retry {
        attempts: 2,
        base_ms: 100,
        idempotent: true,
    };

    fn allows(self, error: &ProviderError) -> bool {
        error.retryable && (self.idempotent || error.http_status == Some(429))
    }
}

/// Sends `request` and reads the answer with `read`, trying again as `retry` allows.
/// Every try is counted in the provider's [`budget`]: a status call (an idempotent one)
/// past the budget is not sent and fails as `budget_spent` (retryable); a creation is
/// counted but always sent.
pub async fn call<V>(
    transport: &impl Transport,
    runtime: &impl Runtime,
    provider: Provider,
    request: &HttpRequest,
    retry: Retry,
    read: impl Fn(&HttpResponse) -> Result<V, ProviderError>,
) -> Result<V, ProviderError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        if retry.idempotent {
            if !budget::spend(provider, runtime.now_ms()) {
                return Err(budget_spent(provider));
            }
        } else {
            budget::record(provider, runtime.now_ms());
        }
        let outcome = match transport.send(request).await {
            Ok(response) => read(&response),
            Err(error) => Err(unreachable_provider(provider, &error)),
        };
        match outcome {
            Err(error) if attempt < retry.attempts && retry.allows(&error) => {
                runtime.sleep(pause(retry.base_ms, attempt)).await;
            }
            other => return other,
        }
    }
}

/// A provider error of ours (no HTTP status): one out-of-line constructor for the edge's
/// fixed failures, not the struct's four fields written at each site.
#[inline(never)]
pub(super) fn failure(
    provider: Provider,
    code: &str,
    message: &str,
    retryable: bool,
) -> ProviderError {
    ProviderError {
        provider,
        code: code.to_owned(),
        message: message.to_owned(),
        http_status: None,
        retryable,
    }
}

fn budget_spent(provider: Provider) -> ProviderError {
    failure(
        provider,
        "budget_spent",
        "this backend's budget of status calls to the provider is spent for now",
        true,
    )
}

fn unreachable_provider(provider: Provider, error: &TransportError) -> ProviderError {
    match error {
        TransportError::Timeout => failure(
            provider,
            "timeout",
            "the provider did not answer in time",
            true,
        ),
        TransportError::Network(why) => failure(
            provider,
            "network",
            &format!("could not reach the provider: {why}"),
            true,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;
    use std::cell::RefCell;

    struct Script(
        RefCell<Vec<Result<HttpResponse, TransportError>>>,
        RefCell<u32>,
    );

    impl Transport for Script {
        async fn send(&self, _: &HttpRequest) -> Result<HttpResponse, TransportError> {
            *self.1.borrow_mut() += 1;
            self.0.borrow_mut().remove(0)
        }
    }

    struct NoWait(RefCell<Vec<u64>>);

    impl Runtime for NoWait {
        fn now_ms(&self) -> u64 {
            0
        }
        async fn sleep(&self, ms: u64) {
            self.0.borrow_mut().push(ms);
        }
    }

    fn read(response: &HttpResponse) -> Result<u16, ProviderError> {
        if response.status == 200 {
            Ok(200)
        } else {
            Err(ProviderError {
                provider: Provider::Moneroo,
                code: response.status.to_string(),
                message: String::new(),
                http_status: Some(response.status),
                retryable: response.status == 429 || response.status >= 500,
            })
        }
    }

    fn run(
        answers: Vec<Result<HttpResponse, TransportError>>,
        retry: Retry,
    ) -> (Result<u16, ProviderError>, u32, Vec<u64>) {
        let transport = Script(RefCell::new(answers), RefCell::new(0));
        let runtime = NoWait(RefCell::new(Vec::new()));
        let request = HttpRequest::new(Method::Get, "http://127.0.0.1/");
        let outcome = finish_now(call(
            &transport,
            &runtime,
            Provider::Moneroo,
            &request,
            retry,
            read,
        ));
        let sent = *transport.1.borrow();
        (outcome, sent, runtime.0.into_inner())
    }

    /// The futures here never wait on anything, so polling once with a no-op waker
    /// finishes them.
    fn finish_now<F: core::future::Future>(future: F) -> F::Output {
        let mut future = core::pin::pin!(future);
        let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
        match future.as_mut().poll(&mut cx) {
            core::task::Poll::Ready(value) => value,
            core::task::Poll::Pending => panic!("a scripted call never waits"),
        }
    }

    #[test]
    fn fixed_failures_read_as_before() {
        // The struct literals `failure` replaced, at each of its sites.
        let before = |provider, code: &str, message: &str, retryable| ProviderError {
            provider,
            code: code.to_owned(),
            message: message.to_owned(),
            http_status: None,
            retryable,
        };
        for provider in Provider::ALL {
            assert_eq!(
                budget_spent(provider),
                before(
                    provider,
                    "budget_spent",
                    "this backend's budget of status calls to the provider is spent for now",
                    true
                )
            );
            assert_eq!(
                unreachable_provider(provider, &TransportError::Timeout),
                before(
                    provider,
                    "timeout",
                    "the provider did not answer in time",
                    true
                )
            );
            for why in ["", "connection refused", "é \"x\""] {
                assert_eq!(
                    unreachable_provider(provider, &TransportError::Network(why.to_owned())),
                    before(
                        provider,
                        "network",
                        &format!("could not reach the provider: {why}"),
                        true
                    )
                );
            }
            for (code, message, retryable) in [
                ("bad_token", "not a MoneyFusion token", false),
                ("bad_response", "the provider's answer was not read", false),
                (
                    "invalid_checkout_url",
                    "the provider's checkout URL is not an http(s) URL",
                    false,
                ),
                ("", "", true),
            ] {
                assert_eq!(
                    failure(provider, code, message, retryable),
                    before(provider, code, message, retryable)
                );
            }
        }
    }

    #[test]
    fn reads_retry_5xx_and_timeouts_with_growing_pauses() {
        let (outcome, sent, pauses) = run(
            vec![
                Ok(HttpResponse::new(500, "")),
                Err(TransportError::Timeout),
                Ok(HttpResponse::new(200, "")),
            ],
            Retry::READ,
        );
        assert_eq!(outcome.ok(), Some(200));
        assert_eq!(sent, 3);
        assert_eq!(pauses.len(), 2);
        assert!((200..=400).contains(&pauses[0]), "{pauses:?}");
        assert!((400..=800).contains(&pauses[1]), "{pauses:?}");
    }

    #[test]
    fn creation_is_never_repeated_after_a_5xx_or_a_timeout() {
        let (outcome, sent, _) = run(vec![Ok(HttpResponse::new(502, ""))], Retry::CREATE);
        assert_eq!(outcome.err().map(|e| e.code), Some("502".to_owned()));
        assert_eq!(sent, 1);
        let (outcome, sent, _) = run(vec![Err(TransportError::Timeout)], Retry::CREATE);
        assert_eq!(outcome.err().map(|e| e.code), Some("timeout".to_owned()));
        assert_eq!(sent, 1);
    }

    #[test]
    fn creation_is_repeated_after_a_429_and_gives_up_after_three() {
        let (outcome, sent, _) = run(
            vec![
                Ok(HttpResponse::new(429, "")),
                Ok(HttpResponse::new(429, "")),
                Ok(HttpResponse::new(429, "")),
            ],
            Retry::CREATE,
        );
        assert_eq!(outcome.err().and_then(|e| e.http_status), Some(429));
        assert_eq!(sent, 3);
    }

    #[test]
    fn a_refusal_is_not_retried() {
        let (outcome, sent, _) = run(vec![Ok(HttpResponse::new(422, ""))], Retry::READ);
        assert!(outcome.is_err());
        assert_eq!(sent, 1);
    }
}
