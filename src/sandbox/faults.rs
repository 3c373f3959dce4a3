//! Faults on purpose: provider answers that fail (500, 429, no answer, slow) and
//! notifications that misbehave (duplicated, out of order, late, dropped).
//!
//! A fault is a [`FaultSpec`], from `--fault` or `POST /_sandbox/faults`. Each one fires
//! at a rate, for the next N matching calls, or both; draws come from the run's seed.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::domain::Provider;

use super::state::SharedState;
use super::support::{api_response_id, lock, Rng};

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FaultKind {
    /// The provider answers HTTP 500.
    #[serde(rename = "500")]
    ServerError,
    /// The provider answers HTTP 429, as its rate limiter would.
    #[serde(rename = "429")]
    TooManyRequests,
    /// The provider never answers.
    #[serde(rename = "timeout")]
    Timeout,
    /// The provider answers, `ms` milliseconds late.
    #[serde(rename = "latency")]
    Latency,
    /// A notification is sent twice.
    #[serde(rename = "duplicate")]
    Duplicate,
    /// A notification is held back until the next one about the same payment went out
    /// (or `ms` passed).
    #[serde(rename = "reorder")]
    Reorder,
    /// A notification leaves `ms` milliseconds late.
    #[serde(rename = "delay")]
    Delay,
    /// A notification is never sent.
    #[serde(rename = "drop")]
    Drop,
}

impl FaultKind {
    fn parse(word: &str) -> Option<FaultKind> {
        match word.trim().to_ascii_lowercase().as_str() {
            "500" | "error" | "server-error" => Some(FaultKind::ServerError),
            "429" | "rate-limit" => Some(FaultKind::TooManyRequests),
            "timeout" | "hang" => Some(FaultKind::Timeout),
            "latency" | "slow" => Some(FaultKind::Latency),
            "duplicate" => Some(FaultKind::Duplicate),
            "reorder" | "out-of-order" => Some(FaultKind::Reorder),
            "delay" | "late" => Some(FaultKind::Delay),
            "drop" => Some(FaultKind::Drop),
            _ => None,
        }
    }

    /// True for the kinds that act on notifications rather than on requests.
    pub fn on_notifications(self) -> bool {
        match self {
            FaultKind::ServerError
            | FaultKind::TooManyRequests
            | FaultKind::Timeout
            | FaultKind::Latency => false,
            FaultKind::Duplicate | FaultKind::Reorder | FaultKind::Delay | FaultKind::Drop => true,
        }
    }
}

/// One fault, as given on the command line or to the control API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultSpec {
    /// Only this provider; every provider when absent.
    #[serde(default)]
    pub provider: Option<Provider>,
    /// What happens.
    pub kind: FaultKind,
    /// Chance of firing on each matching call, 0 to 1 (default 1).
    #[serde(default)]
    pub rate: Option<f64>,
    /// Applies to the next N matching calls only, then goes away.
    #[serde(default)]
    pub next: Option<u32>,
    /// Only requests whose path contains this text (request faults).
    #[serde(default)]
    pub path: Option<String>,
    /// Milliseconds, for `latency`, `delay` and `reorder` (longest hold).
    #[serde(default)]
    pub ms: Option<u64>,
    /// For `500`, `429` and `timeout`: do the work first, then fail the answer (the
    /// payment exists but the caller never learns it).
    #[serde(default)]
    pub after: bool,
}

impl FaultSpec {
    /// Reads `[provider:]kind[,key=value...]`, e.g. `moneroo:500,rate=0.2`,
    /// `cinetpay:timeout,next=1,after`, `latency,ms=300`, `drop,next=1`.
    pub fn parse(text: &str) -> Result<FaultSpec, String> {
        let mut parts = text.split(',');
        let head = parts.next().unwrap_or("").trim();
        let (provider, kind_word) = match head.split_once(':') {
            Some((provider, kind)) => {
                let provider = Provider::parse(provider.trim())
                    .ok_or_else(|| format!("unknown provider {provider:?} in fault {text:?}"))?;
                (Some(provider), kind)
            }
            None => (None, head),
        };
        let kind = FaultKind::parse(kind_word)
            .ok_or_else(|| format!("unknown fault kind {kind_word:?} in {text:?}"))?;
        let mut spec = FaultSpec {
            provider,
            kind,
            rate: None,
            next: None,
            path: None,
            ms: None,
            after: false,
        };
        for part in parts {
            let part = part.trim();
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            let number = |what: &str| -> Result<f64, String> {
                value
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| format!("{what} needs a number in fault {text:?}"))
            };
            match key.trim() {
                "rate" => spec.rate = Some(number("rate")?),
                "next" => spec.next = Some(number("next")? as u32),
                "ms" => spec.ms = Some(number("ms")? as u64),
                "path" => spec.path = Some(value.to_owned()),
                "after" => spec.after = true,
                "provider" => {
                    spec.provider = Some(
                        Provider::parse(value)
                            .ok_or_else(|| format!("unknown provider {value:?}"))?,
                    )
                }
                "" => {}
                other => return Err(format!("unknown fault option {other:?} in {text:?}")),
            }
        }
        spec.check()?;
        Ok(spec)
    }

    /// Refuses specs that cannot mean anything.
    pub fn check(&self) -> Result<(), String> {
        if let Some(rate) = self.rate {
            if !(0.0..=1.0).contains(&rate) {
                return Err("rate must be between 0 and 1".to_owned());
            }
        }
        if self.next == Some(0) {
            return Err("next must be at least 1".to_owned());
        }
        if matches!(self.kind, FaultKind::Latency | FaultKind::Delay) && self.ms.is_none() {
            return Err("latency and delay need ms".to_owned());
        }
        Ok(())
    }
}

/// A fault in force, with what is left of its `next` count.
#[derive(Debug, Clone, Serialize)]
pub struct ActiveFault {
    /// Handle for listing and removal.
    pub id: u64,
    /// The fault.
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// Matching calls left before it goes away.
    pub remaining: Option<u32>,
    /// How many times it fired.
    pub fired: u64,
}

/// What to do to one request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestPlan {
    /// Wait this long before anything else.
    pub latency: Duration,
    /// Fail the request this way, before or after doing its work.
    pub failure: Option<(FaultKind, bool)>,
}

/// What to do to one notification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NotificationPlan {
    /// Never send it.
    pub drop: bool,
    /// Send it twice.
    pub duplicate: bool,
    /// Hold it until the next one about the same subject went out, at most this long.
    pub reorder: Option<Duration>,
    /// Send it this much later.
    pub delay: Duration,
}

/// Faults in force and the random draws deciding them.
#[derive(Debug)]
pub struct FaultBook {
    faults: Vec<ActiveFault>,
    next_id: u64,
    rng: Rng,
}

impl FaultBook {
    /// A book with the given faults, drawing from `seed`.
    pub fn new(specs: &[FaultSpec], seed: u64) -> FaultBook {
        let mut book = FaultBook {
            faults: Vec::new(),
            next_id: 1,
            // A stream of its own, so fault draws never shift the ids.
            rng: Rng::seeded(seed ^ 0xFA17_FA17_FA17_FA17),
        };
        for spec in specs {
            book.add(spec.clone());
        }
        book
    }

    /// Puts a fault in force and returns its id.
    pub fn add(&mut self, spec: FaultSpec) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.faults.push(ActiveFault {
            id,
            remaining: spec.next,
            spec,
            fired: 0,
        });
        id
    }

    /// Removes one fault; false when there was none with that id.
    pub fn remove(&mut self, id: u64) -> bool {
        let before = self.faults.len();
        self.faults.retain(|f| f.id != id);
        self.faults.len() != before
    }

    /// Removes every fault.
    pub fn clear(&mut self) {
        self.faults.clear();
    }

    /// The faults in force.
    pub fn list(&self) -> Vec<ActiveFault> {
        self.faults.clone()
    }

    /// Draws the faults that fire on one call, counting it against every matching
    /// fault, and drops those whose count ran out.
    fn draw(&mut self, matches: impl Fn(&FaultSpec) -> bool) -> Vec<FaultSpec> {
        let mut fired = Vec::new();
        for fault in self.faults.iter_mut().filter(|f| matches(&f.spec)) {
            if let Some(left) = fault.remaining.as_mut() {
                *left = left.saturating_sub(1);
            }
            let rate = fault.spec.rate.unwrap_or(1.0);
            if rate >= 1.0 || self.rng.unit() < rate {
                fault.fired += 1;
                fired.push(fault.spec.clone());
            }
        }
        self.faults.retain(|f| f.remaining != Some(0));
        fired
    }

    /// Decides what happens to a request to `provider` at `path`.
    pub fn plan_request(&mut self, provider: Provider, path: &str) -> RequestPlan {
        let fired = self.draw(|spec| {
            !spec.kind.on_notifications()
                && spec.provider.is_none_or(|p| p == provider)
                && spec.path.as_deref().is_none_or(|want| path.contains(want))
        });
        let mut plan = RequestPlan::default();
        for spec in fired {
            match spec.kind {
                FaultKind::Latency => {
                    plan.latency += Duration::from_millis(spec.ms.unwrap_or(0));
                }
                FaultKind::ServerError | FaultKind::TooManyRequests | FaultKind::Timeout => {
                    if plan.failure.is_none() {
                        plan.failure = Some((spec.kind, spec.after));
                    }
                }
                FaultKind::Duplicate | FaultKind::Reorder | FaultKind::Delay | FaultKind::Drop => {}
            }
        }
        plan
    }

    /// Decides what happens to a notification from `provider`.
    pub fn plan_notification(&mut self, provider: Provider) -> NotificationPlan {
        let fired = self.draw(|spec| {
            spec.kind.on_notifications() && spec.provider.is_none_or(|p| p == provider)
        });
        let mut plan = NotificationPlan::default();
        for spec in fired {
            match spec.kind {
                FaultKind::Drop => plan.drop = true,
                FaultKind::Duplicate => plan.duplicate = true,
                FaultKind::Reorder => {
                    plan.reorder = Some(Duration::from_millis(spec.ms.unwrap_or(5_000)))
                }
                FaultKind::Delay => plan.delay += Duration::from_millis(spec.ms.unwrap_or(0)),
                FaultKind::ServerError
                | FaultKind::TooManyRequests
                | FaultKind::Timeout
                | FaultKind::Latency => {}
            }
        }
        plan
    }
}

/// The provider an API path belongs to, or `None` for hosted pages and the control
/// API, which faults never touch.
fn api_provider(path: &str) -> Option<Provider> {
    let (provider, rest) = if let Some(rest) = path.strip_prefix("/moneroo/") {
        (Provider::Moneroo, rest)
    } else if let Some(rest) = path.strip_prefix("/cinetpay/") {
        (Provider::CinetPay, rest)
    } else if let Some(rest) = path.strip_prefix("/moneyfusion/") {
        (Provider::MoneyFusion, rest)
    } else {
        return None;
    };
    let hosted_page = match provider {
        Provider::Moneroo => rest.starts_with("checkout/"),
        Provider::CinetPay => rest.starts_with("payment/"),
        Provider::MoneyFusion => rest.starts_with("pay/"),
    };
    (!hosted_page).then_some(provider)
}

/// Middleware: applies request faults to provider API calls.
pub async fn apply_request_faults(
    State(shared): State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let Some(provider) = api_provider(&path) else {
        return next.run(request).await;
    };
    let plan = lock(&shared.faults).plan_request(provider, &path);
    if !plan.latency.is_zero() {
        shared.sleep(plan.latency).await;
    }
    match plan.failure {
        None => next.run(request).await,
        Some((kind, after)) => {
            if after {
                // The provider did the work; only the answer is lost.
                let _ = next.run(request).await;
            }
            match kind {
                FaultKind::Timeout => {
                    // Never answer: the caller's own timeout ends this, or shutdown does.
                    shared.sleep(Duration::from_secs(3600)).await;
                    StatusCode::GATEWAY_TIMEOUT.into_response()
                }
                FaultKind::ServerError => {
                    shaped_failure(provider, StatusCode::INTERNAL_SERVER_ERROR)
                }
                FaultKind::TooManyRequests => {
                    shaped_failure(provider, StatusCode::TOO_MANY_REQUESTS)
                }
                FaultKind::Latency
                | FaultKind::Duplicate
                | FaultKind::Reorder
                | FaultKind::Delay
                | FaultKind::Drop => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            }
        }
    }
}

/// A 500 or 429 in the provider's own shape: Laravel JSON for Moneroo, CinetPay's code
/// envelope for its 429 and a bare HTML error page for its 500, `statut: false` for
/// MoneyFusion.
pub fn shaped_failure(provider: Provider, status: StatusCode) -> Response {
    let too_many = status == StatusCode::TOO_MANY_REQUESTS;
    let mut response = match provider {
        Provider::Moneroo => {
            let message = if too_many {
                "Too Many Attempts."
            } else {
                "Server Error"
            };
            (
                status,
                axum::Json(json!({"message": message, "data": null, "errors": null})),
            )
                .into_response()
        }
        Provider::CinetPay if too_many => (
            status,
            axum::Json(json!({
                "code": "429",
                "message": "TOO_MANY_REQUEST",
                "description": "Le système a détecté que l'activité que vous menez sur l'api est suspecte",
                "api_response_id": api_response_id(std::time::SystemTime::now()),
            })),
        )
            .into_response(),
        Provider::CinetPay => {
            let mut response = Response::new(Body::from(
                "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
            ));
            *response.status_mut() = status;
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html"),
            );
            response
        }
        Provider::MoneyFusion => {
            let message = if too_many {
                "Trop de requêtes, réessayez plus tard"
            } else {
                "Erreur interne du serveur"
            };
            (status, axum::Json(json!({"statut": false, "message": message}))).into_response()
        }
    };
    if too_many {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_read_from_the_command_line() {
        let spec = FaultSpec::parse("moneroo:500,rate=0.25,next=3,path=/verify,after").unwrap();
        assert_eq!(spec.provider, Some(Provider::Moneroo));
        assert_eq!(spec.kind, FaultKind::ServerError);
        assert_eq!(spec.rate, Some(0.25));
        assert_eq!(spec.next, Some(3));
        assert_eq!(spec.path.as_deref(), Some("/verify"));
        assert!(spec.after);
        assert!(FaultSpec::parse("latency").is_err(), "latency needs ms");
        assert!(FaultSpec::parse("paypal:500").is_err());
        assert!(FaultSpec::parse("500,rate=2").is_err());
    }

    #[test]
    fn next_n_fires_exactly_n_times() {
        let mut book = FaultBook::new(&[FaultSpec::parse("cinetpay:429,next=2").unwrap()], 7);
        let fired: Vec<bool> = (0..4)
            .map(|_| {
                book.plan_request(Provider::CinetPay, "/cinetpay/v2/payment")
                    .failure
                    .is_some()
            })
            .collect();
        assert_eq!(fired, [true, true, false, false]);
        assert!(book.list().is_empty());
    }

    #[test]
    fn faults_keep_to_their_provider_and_path() {
        let mut book = FaultBook::new(
            &[FaultSpec::parse("moneroo:timeout,path=/verify").unwrap()],
            1,
        );
        assert!(book
            .plan_request(Provider::CinetPay, "/cinetpay/v2/payment/check")
            .failure
            .is_none());
        assert!(book
            .plan_request(Provider::Moneroo, "/moneroo/v1/payments/x")
            .failure
            .is_none());
        assert_eq!(
            book.plan_request(Provider::Moneroo, "/moneroo/v1/payments/x/verify")
                .failure,
            Some((FaultKind::Timeout, false))
        );
    }

    #[test]
    fn the_same_seed_draws_the_same_faults() {
        let spec = FaultSpec::parse("drop,rate=0.5").unwrap();
        let draws = |seed| {
            let mut book = FaultBook::new(std::slice::from_ref(&spec), seed);
            (0..32)
                .map(|_| book.plan_notification(Provider::Moneroo).drop)
                .collect::<Vec<_>>()
        };
        assert_eq!(draws(11), draws(11));
        assert!(draws(11).contains(&true) && draws(11).contains(&false));
    }

    #[test]
    fn hosted_pages_and_control_are_never_faulted() {
        assert_eq!(api_provider("/moneroo/checkout/abc"), None);
        assert_eq!(api_provider("/cinetpay/payment/tok"), None);
        assert_eq!(api_provider("/moneyfusion/pay/id"), None);
        assert_eq!(api_provider("/_sandbox/payments"), None);
        assert_eq!(
            api_provider("/moneyfusion/paiementNotif/t"),
            Some(Provider::MoneyFusion)
        );
    }
}
