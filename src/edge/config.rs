//! The backend's settings, read from the runtime's environment (Workers vars and secrets,
//! or the process environment). Names are in docs/EDGE.md. The worker keeps a `Config`
//! between requests while its settings read the same, so the catalog is parsed and the
//! adapters built once per isolate; and it builds those costly settings ([`Costly`])
//! only when a route first reads one ([`Config::on_demand`]), so that a request that
//! needs none of them (`GET /health`, the first one a deployment usually gets) does not
//! run them, nor make V8 compile them (bench/PROFILE.md, round 7, cold start).
//!
//! Reading never fails: a provider whose keys are missing is simply not offered, and a
//! malformed setting is kept as its error so the route that needs it can say which one.

use std::cell::OnceCell;
use std::ops::Deref;
use std::rc::Rc;

use crate::domain::{Currency, Message, Provider};
use crate::providers::cinetpay::{Cinetpay, Keys as CinetpayKeys};
use crate::providers::moneroo::MonerooKeys;
use crate::providers::moneyfusion::{ApiUrl, MoneyFusion, MoneyFusionConfig};

use super::catalog::Catalog;
use super::standard_webhooks::WebhookSigner;
use super::token::SessionKeys;
use crate::secret::SecretKey;

/// How long a session may stay unpaid, unless `GUICHET_SESSION_TTL` says otherwise.
pub const DEFAULT_SESSION_TTL: u64 = 30 * 60;

/// Settings the routes need. The costly ones ([`Costly`]: keys derived, the catalog
/// parsed, the adapters built) read as fields of the `Config` too (`config.catalog`).
#[derive(Clone)]
pub struct Config {
    /// Where the contract is mounted, without a trailing slash (default `/api`).
    pub base_path: String,
    /// Origins allowed to call from a browser (`GUICHET_ALLOWED_ORIGINS`, comma-separated).
    pub allowed_origins: Vec<String>,
    /// Seconds a session lives.
    pub session_ttl: u64,
    /// The bearer key of the merchant's own servers (`/orders`, `/payouts`).
    pub admin_key: Option<SecretKey>,
    /// Where providers reach this worker, without a trailing slash.
    pub public_url: Option<String>,
    /// The shopper's default return page.
    pub return_url: Option<String>,
    /// The longest body a browser or merchant route reads (`GUICHET_MAX_BODY_BYTES`,
    /// default [`super::limits::DEFAULT_MAX_BODY_BYTES`]); see [`super::limits`].
    pub max_body_bytes: usize,
    /// How much one sweep does.
    pub sweep: SweepSettings,
    /// `GUICHET_PROVIDER_TIMEOUT_MS`: how long one provider call may take before it counts
    /// as unanswered (default [`DEFAULT_PROVIDER_TIMEOUT_MS`]), or why the value is refused.
    pub provider_timeout_ms: Result<u32, &'static str>,
    /// The costly settings, once built.
    costly: OnceCell<Costly>,
    /// Where the costly settings are read (blank ones as unset) when first needed.
    get: Lookup,
}

/// The settings that cost something to build, which a route reads through its `Config`
/// (`config.catalog`, see [`Config::on_demand`]): all built together, at the first read
/// of any of them. Cheap ones (strings, numbers) are read at once.
#[derive(Debug, Clone)]
pub struct Costly {
    /// Keys that sign session tokens.
    pub session_keys: SessionKeys,
    /// The price list, or why it could not be read; `None` when unset.
    pub catalog: Option<Result<Catalog, String>>,
    /// Moneroo, when `MONEROO_SECRET_KEY` is set.
    pub moneroo: Option<MonerooKeys>,
    /// CinetPay, when its API key, site id and secret key are set.
    pub cinetpay: Option<Cinetpay>,
    /// MoneyFusion, when `MONEYFUSION_API_URL` is set (or why it is unusable).
    pub moneyfusion: Option<Result<MoneyFusion, String>>,
    /// Where and how events reach the merchant.
    pub webhooks: WebhookSettings,
}

/// A provider call's deadline when `GUICHET_PROVIDER_TIMEOUT_MS` is unset.
pub const DEFAULT_PROVIDER_TIMEOUT_MS: u32 = 10_000;
/// The longest deadline `GUICHET_PROVIDER_TIMEOUT_MS` may set: ten minutes.
const MAX_PROVIDER_TIMEOUT_MS: u32 = 600_000;

/// The merchant's event endpoints (docs/EDGE.md, "Events to the merchant").
#[derive(Debug, Clone, Default)]
pub struct WebhookSettings {
    /// `GUICHET_WEBHOOK_URL`, comma-separated.
    pub urls: Vec<String>,
    /// `GUICHET_WEBHOOK_SECRET` (`whsec_<base64>`), or why it is unusable.
    pub signer: Option<Result<WebhookSigner, String>>,
    /// `GUICHET_WEBHOOK_RETRY_BASE`: seconds the retry schedule is counted in (default 5;
    /// 0 tries again at every sweep, for tests).
    pub retry_base: u64,
}

/// The sweep's bounds (docs/EDGE.md, "The sweep").
#[derive(Debug, Clone, Copy)]
pub struct SweepSettings {
    /// `GUICHET_SWEEP_LIMIT`: sessions and payouts checked per run at most (default 50).
    pub limit: u32,
    /// `GUICHET_SWEEP_AFTER`: seconds a pending session waits before the sweep asks the
    /// provider about it, and between two asks (default 300).
    pub stale_after: u64,
    /// `GUICHET_SWEEP_PROVIDER_CALLS`: status calls to one provider per run at most
    /// (default 40: Moneroo allows 120 a minute, and each ask may be tried 3 times).
    pub provider_calls: u32,
}

impl Default for SweepSettings {
    fn default() -> Self {
        SweepSettings {
            limit: 50,
            stale_after: 300,
            provider_calls: 40,
        }
    }
}

/// A setting's value as the environment holds it, `None` when unset or blank.
type Get<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// Where a [`Config`] built on demand reads its costly settings: an environment variable
/// getter, kept until they are built.
pub type Lookup = Rc<dyn Fn(&str) -> Option<String>>;

impl Deref for Config {
    type Target = Costly;

    /// The costly settings, built from the settings at the first read.
    fn deref(&self) -> &Costly {
        self.costly.get_or_init(|| Costly::read(&*self.get))
    }
}

/// `None` for a blank setting, as for an unset one.
fn present(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

impl Config {
    /// Reads the settings through `lookup` (an environment variable getter), all at once.
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Config {
        let get = |name: &str| present(lookup(name));
        // Never called: the costly settings are there.
        Config::read(&get, OnceCell::from(Costly::read(&get)), Rc::new(|_| None))
    }

    /// Reads the settings through `lookup`: the cheap ones at once, the [`Costly`] ones at
    /// the first read of any of them (the values [`Config::from_env`] gives, as long as
    /// `lookup` answers the same).
    pub fn on_demand(lookup: Lookup) -> Config {
        let get: Lookup = Rc::new(move |name| present(lookup(name)));
        Config::read(&*get, OnceCell::new(), Rc::clone(&get))
    }

    fn read(get: &Get, costly: OnceCell<Costly>, later: Lookup) -> Config {
        let base_path = get("GUICHET_BASE_PATH")
            .map(|p| p.trim().trim_end_matches('/').to_owned())
            .filter(|p| !p.is_empty())
            .map_or_else(
                || "/api".to_owned(),
                |p| {
                    if p.starts_with('/') {
                        p
                    } else {
                        format!("/{p}")
                    }
                },
            );
        let allowed_origins = list(get("GUICHET_ALLOWED_ORIGINS"), true);
        Config {
            base_path,
            allowed_origins,
            session_ttl: number(get, "GUICHET_SESSION_TTL")
                .filter(|t| *t > 0)
                .unwrap_or(DEFAULT_SESSION_TTL),
            admin_key: get("GUICHET_ADMIN_KEY").and_then(SecretKey::new),
            public_url: get("GUICHET_PUBLIC_URL")
                .map(|u| u.trim().trim_end_matches('/').to_owned()),
            return_url: get("GUICHET_RETURN_URL").map(|u| u.trim().to_owned()),
            sweep: {
                let default = SweepSettings::default();
                SweepSettings {
                    limit: number(get, "GUICHET_SWEEP_LIMIT")
                        .filter(|n| *n > 0)
                        .map_or(default.limit, |n| n.min(1000) as u32),
                    stale_after: number(get, "GUICHET_SWEEP_AFTER").unwrap_or(default.stale_after),
                    provider_calls: number(get, "GUICHET_SWEEP_PROVIDER_CALLS")
                        .filter(|n| *n > 0)
                        .map_or(default.provider_calls, |n| n.min(1000) as u32),
                }
            },
            // Every number read as a `u64` (one `FromStr` instance for all of them), then
            // narrowed: the same values as a `usize` or `u32` read, the same refusals.
            max_body_bytes: number(get, "GUICHET_MAX_BODY_BYTES")
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| *n > 0)
                .unwrap_or(super::limits::DEFAULT_MAX_BODY_BYTES),
            provider_timeout_ms: get("GUICHET_PROVIDER_TIMEOUT_MS").map_or(
                Ok(DEFAULT_PROVIDER_TIMEOUT_MS),
                |ms| {
                    ms.trim()
                        .parse::<u64>()
                        .ok()
                        .filter(|ms| (1..=u64::from(MAX_PROVIDER_TIMEOUT_MS)).contains(ms))
                        .map(|ms| ms as u32)
                        .ok_or("GUICHET_PROVIDER_TIMEOUT_MS must be a whole number of milliseconds from 1 to 600000")
                },
            ),
            costly,
            get: later,
        }
    }

    /// True when a browser at `origin` may read our answers.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins.iter().any(|o| o == origin)
    }

    /// The providers this merchant configured, in a stable order.
    pub fn providers(&self) -> Vec<Provider> {
        let mut on = Vec::new();
        if self.moneroo.is_some() {
            on.push(Provider::Moneroo);
        }
        if self.cinetpay.is_some() {
            on.push(Provider::CinetPay);
        }
        if matches!(self.moneyfusion, Some(Ok(_))) {
            on.push(Provider::MoneyFusion);
        }
        on
    }

    /// Why `provider` is not offered (ask when it is not among [`Config::providers`]):
    /// the settings that would turn it on, by name, never their values, in French and
    /// English.
    pub fn unavailable(&self, provider: Provider) -> Message {
        let unset = |names: &str| {
            Message::new(
                format!("{names} : réglage manquant"),
                format!("{names}: not set"),
            )
        };
        match (provider, &self.moneyfusion) {
            (Provider::Moneroo, _) => unset("MONEROO_SECRET_KEY"),
            (Provider::CinetPay, _) => {
                unset("CINETPAY_API_KEY, CINETPAY_SITE_ID, CINETPAY_SECRET_KEY")
            }
            (Provider::MoneyFusion, Some(Err(why))) => Message::new(
                format!("MONEYFUSION_API_URL inutilisable : {why}"),
                format!("MONEYFUSION_API_URL unusable: {why}"),
            ),
            (Provider::MoneyFusion, _) => unset("MONEYFUSION_API_URL"),
        }
    }
}

impl Costly {
    fn read(get: &Get) -> Costly {
        Costly {
            session_keys: SessionKeys::from_env(
                get("GUICHET_SESSION_SECRETS").as_deref(),
                get("GUICHET_SESSION_SECRET").as_deref(),
            ),
            catalog: get("GUICHET_CATALOG").map(|json| Catalog::parse(&json)),
            moneroo: get("MONEROO_SECRET_KEY").map(|key| {
                let keys = MonerooKeys::new(key.trim())
                    .with_webhook_secret(get("MONEROO_WEBHOOK_SECRET").unwrap_or_default());
                match get("MONEROO_BASE_URL") {
                    Some(base) => keys.with_base_url(&base),
                    None => keys,
                }
            }),
            cinetpay: cinetpay(get),
            moneyfusion: get("MONEYFUSION_API_URL").map(|url| moneyfusion(&url, get)),
            webhooks: WebhookSettings {
                urls: list(get("GUICHET_WEBHOOK_URL"), false),
                signer: get("GUICHET_WEBHOOK_SECRET")
                    .and_then(SecretKey::new)
                    .map(|secret| {
                        WebhookSigner::from_secret(&secret).ok_or_else(|| {
                            "GUICHET_WEBHOOK_SECRET is not whsec_ and base64".to_owned()
                        })
                    }),
                retry_base: number(get, "GUICHET_WEBHOOK_RETRY_BASE").unwrap_or(5),
            },
        }
    }
}

/// The non-blank items of a comma-separated setting, trimmed (and of any trailing `/`
/// with `trailing_slash`). One loop for both lists, not an adapter chain for each.
fn list(setting: Option<String>, trailing_slash: bool) -> Vec<String> {
    let mut items = Vec::new();
    for item in setting.unwrap_or_default().split(',') {
        let mut item = item.trim();
        if trailing_slash {
            item = item.trim_end_matches('/');
        }
        if !item.is_empty() {
            items.push(item.to_owned());
        }
    }
    items
}

fn number(get: &Get, name: &str) -> Option<u64> {
    get(name).and_then(|v| v.trim().parse().ok())
}

fn cinetpay(get: &Get) -> Option<Cinetpay> {
    let keys = CinetpayKeys::new(
        get("CINETPAY_API_KEY")?.trim(),
        get("CINETPAY_SITE_ID")?.trim(),
        get("CINETPAY_SECRET_KEY")?.trim(),
    );
    let keys = match get("CINETPAY_TRANSFER_PASSWORD") {
        Some(password) => keys.with_transfer_password(password.trim()),
        None => keys,
    };
    let mut adapter = Cinetpay::new(keys);
    if let Some(base) = get("CINETPAY_BASE_URL") {
        adapter = adapter.with_checkout_base(base.trim());
    }
    if let Some(base) = get("CINETPAY_TRANSFER_BASE_URL") {
        adapter = adapter.with_transfer_base(base.trim());
    }
    Some(adapter)
}

fn moneyfusion(url: &str, get: &Get) -> Result<MoneyFusion, String> {
    let mut config = MoneyFusionConfig::new(ApiUrl::parse(url.trim()).map_err(|e| e.to_string())?);
    if let Some(base) = get("MONEYFUSION_BASE_URL") {
        config = config
            .with_status_base_url(base.trim())
            .map_err(|e| e.to_string())?;
    }
    if let Some(base) = get("MONEYFUSION_PAYOUT_BASE_URL") {
        config = config
            .with_payout_base_url(base.trim())
            .map_err(|e| e.to_string())?;
    }
    if let Some(key) = get("MONEYFUSION_PRIVATE_KEY") {
        config = config
            .with_private_key(key.trim())
            .map_err(|e| e.to_string())?;
    }
    if let Some(code) = get("MONEYFUSION_CURRENCY") {
        let currency = Currency::from_code(code.trim())
            .ok_or_else(|| "MONEYFUSION_CURRENCY is not a known currency".to_owned())?;
        config = config.with_currency(currency);
    }
    Ok(MoneyFusion::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_the_adapter_chains_did() {
        let parts = [
            "",
            " ",
            ",",
            "a",
            " b/ ",
            "c//",
            "/",
            " https://x.ci/ ",
            "d,e",
        ];
        let mut checked = 0;
        for a in parts {
            for b in parts {
                for c in parts {
                    let text = format!("{a},{b}{c}");
                    let origins: Vec<String> = text
                        .split(',')
                        .map(|o| o.trim().trim_end_matches('/').to_owned())
                        .filter(|o| !o.is_empty())
                        .collect();
                    let urls: Vec<String> = text
                        .split(',')
                        .map(|u| u.trim().to_owned())
                        .filter(|u| !u.is_empty())
                        .collect();
                    assert_eq!(list(Some(text.clone()), true), origins, "{text:?}");
                    assert_eq!(list(Some(text.clone()), false), urls, "{text:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 729);
        assert!(list(None, true).is_empty() && list(None, false).is_empty());
    }

    #[test]
    fn defaults_and_normalization() {
        let config = Config::from_env(|_| None);
        assert_eq!(config.base_path, "/api");
        assert!(config.allowed_origins.is_empty());
        assert!(config.providers().is_empty());
        assert!(config.session_keys.is_empty());
        assert_eq!(config.session_ttl, DEFAULT_SESSION_TTL);

        let config = Config::from_env(|name| match name {
            "GUICHET_BASE_PATH" => Some("pay/".into()),
            "GUICHET_ALLOWED_ORIGINS" => Some(" https://shop.ci/ , http://localhost:5173,".into()),
            "MONEROO_SECRET_KEY" => Some("pvk_x".into()),
            "MONEYFUSION_API_URL" => Some("not a url".into()),
            _ => None,
        });
        assert_eq!(config.base_path, "/pay");
        assert!(config.allows_origin("https://shop.ci"));
        assert!(config.allows_origin("http://localhost:5173"));
        assert!(!config.allows_origin("https://evil.example"));
        assert_eq!(config.providers(), vec![Provider::Moneroo]);
        assert!(matches!(config.moneyfusion, Some(Err(_))));
        let cinetpay = config.unavailable(Provider::CinetPay);
        assert!(cinetpay.en.contains("CINETPAY_SITE_ID"), "{}", cinetpay.en);
        let moneyfusion = config.unavailable(Provider::MoneyFusion);
        assert!(
            moneyfusion.en.starts_with("MONEYFUSION_API_URL unusable"),
            "{}",
            moneyfusion.en
        );
        let nothing = Config::from_env(|_| None);
        assert_eq!(
            nothing.unavailable(Provider::Moneroo).en,
            "MONEROO_SECRET_KEY: not set"
        );
    }

    /// Every number setting read through `u64` answers as its own type's reader did
    /// (`usize` is 32 bits on wasm32: a `u32` stands in for it there).
    #[test]
    fn numbers_read_as_their_own_types_did() {
        let texts = crate::edge::events::tests::number_texts();
        for text in &texts {
            let config = Config::from_env(|name| match name {
                "GUICHET_MAX_BODY_BYTES"
                | "GUICHET_PROVIDER_TIMEOUT_MS"
                | "GUICHET_SESSION_TTL" => Some(format!(" {text} ")),
                _ => None,
            });
            // What each setting's reader saw (blank is unset).
            let text = text.trim();
            let timeout = if text.trim().is_empty() {
                Ok(DEFAULT_PROVIDER_TIMEOUT_MS)
            } else {
                text.parse::<u32>()
                    .ok()
                    .filter(|ms| (1..=MAX_PROVIDER_TIMEOUT_MS).contains(ms))
                    .ok_or(())
            };
            assert_eq!(
                config.provider_timeout_ms.map_err(|_| ()),
                timeout,
                "{text:?}"
            );
            let body = |n: Option<usize>| {
                n.filter(|n| *n > 0)
                    .unwrap_or(crate::edge::limits::DEFAULT_MAX_BODY_BYTES)
            };
            let native = body(text.parse::<usize>().ok());
            assert_eq!(config.max_body_bytes, native, "{text:?}");
            let on_wasm32 = body(text.parse::<u32>().ok().map(|n| n as usize));
            let narrowed = body(
                text.parse::<u64>()
                    .ok()
                    .and_then(|n| u32::try_from(n).ok())
                    .map(|n| n as usize),
            );
            assert_eq!(narrowed, on_wasm32, "{text:?}");
            let ttl = text
                .parse::<u64>()
                .ok()
                .filter(|t| *t > 0)
                .unwrap_or(DEFAULT_SESSION_TTL);
            assert_eq!(config.session_ttl, ttl, "{text:?}");
        }
    }

    #[test]
    fn the_provider_timeout_is_a_number_of_milliseconds_in_range() {
        let timeout = |value: &str| {
            let value = value.to_owned();
            Config::from_env(|name| (name == "GUICHET_PROVIDER_TIMEOUT_MS").then(|| value.clone()))
                .provider_timeout_ms
        };
        assert_eq!(Config::from_env(|_| None).provider_timeout_ms, Ok(10_000));
        assert_eq!(timeout(" "), Ok(10_000));
        assert_eq!(timeout(" 250 "), Ok(250));
        assert_eq!(timeout("600000"), Ok(600_000));
        for refused in ["0", "600001", "-5", "1.5", "10s", "99999999999"] {
            let why = timeout(refused).expect_err(refused);
            assert!(why.starts_with("GUICHET_PROVIDER_TIMEOUT_MS "), "{why}");
        }
    }

    /// Settings of every kind, each unset, blank, valid or refused, in many combinations.
    fn environments() -> Vec<Vec<(&'static str, &'static str)>> {
        let choices: &[(&str, &[&str])] = &[
            ("GUICHET_BASE_PATH", &["", " ", "pay/", "/api/"]),
            (
                "GUICHET_ALLOWED_ORIGINS",
                &["", "https://shop.ci/, ,http://a"],
            ),
            ("GUICHET_SESSION_SECRET", &["", "  ", "s3cret"]),
            ("GUICHET_SESSION_SECRETS", &["", "k2:new, k1:old", "bad"]),
            ("GUICHET_SESSION_TTL", &["", "0", "60", "x"]),
            (
                "GUICHET_CATALOG",
                &["", "{", r#"{"a":{"name":"A","price":5,"currency":"XOF"}}"#],
            ),
            ("GUICHET_ADMIN_KEY", &["", " ", "admin"]),
            ("GUICHET_PUBLIC_URL", &["", "https://pay.shop.ci/"]),
            ("GUICHET_RETURN_URL", &["", " https://shop.ci/back "]),
            ("MONEROO_SECRET_KEY", &["", " pvk_x "]),
            ("MONEROO_WEBHOOK_SECRET", &["", "whsec_m"]),
            ("MONEROO_BASE_URL", &["", "http://127.0.0.1:9"]),
            ("CINETPAY_API_KEY", &["", "api"]),
            ("CINETPAY_SITE_ID", &["", "445160"]),
            ("CINETPAY_SECRET_KEY", &["", "secret"]),
            ("CINETPAY_TRANSFER_PASSWORD", &["", "pw"]),
            ("CINETPAY_BASE_URL", &["", "http://127.0.0.1:9/cp"]),
            (
                "MONEYFUSION_API_URL",
                &[
                    "",
                    "not a url",
                    "https://www.pay.moneyfusion.net/M/5a1d3b0c9e7f2468/pay/",
                ],
            ),
            ("MONEYFUSION_CURRENCY", &["", "XOF", "ZZZ"]),
            ("MONEYFUSION_PRIVATE_KEY", &["", "mf"]),
            ("GUICHET_WEBHOOK_URL", &["", "https://a, ,https://b"]),
            (
                "GUICHET_WEBHOOK_SECRET",
                &["", "whsec_bm90IGJhc2U2NA==", "whsec_!!", "raw"],
            ),
            ("GUICHET_WEBHOOK_RETRY_BASE", &["", "0", "x"]),
            ("GUICHET_SWEEP_LIMIT", &["", "0", "5000"]),
            ("GUICHET_SWEEP_AFTER", &["", "10"]),
            ("GUICHET_SWEEP_PROVIDER_CALLS", &["", "3"]),
            ("GUICHET_MAX_BODY_BYTES", &["", "0", "100"]),
            ("GUICHET_PROVIDER_TIMEOUT_MS", &["", "250", "0"]),
        ];
        // A simple generator: each environment picks every setting's value from a seed.
        (0u64..400)
            .map(|n| {
                let mut seed = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (n << 7);
                choices
                    .iter()
                    .filter_map(|(name, values)| {
                        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                        let value = values[(seed >> 33) as usize % values.len()];
                        (!value.is_empty() || n % 3 == 0).then_some((*name, value))
                    })
                    .collect()
            })
            .collect()
    }

    /// Everything a `Config` holds, as text.
    fn describe(config: &Config) -> String {
        format!(
            "{:?} {:?} {} {:?} {:?} {:?} {} {:?} {:?} {:?} {:?}",
            config.base_path,
            config.allowed_origins,
            config.session_ttl,
            config.admin_key,
            config.public_url,
            config.return_url,
            config.max_body_bytes,
            config.sweep,
            config.provider_timeout_ms,
            config.providers(),
            **config,
        )
    }

    #[test]
    fn settings_built_on_demand_are_the_settings_read_at_once() {
        for env in environments() {
            let lookup = move |name: &str| {
                env.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            };
            let at_once = describe(&Config::from_env(&lookup));
            assert_eq!(describe(&Config::on_demand(Rc::new(lookup))), at_once);
        }
    }

    #[test]
    fn the_costly_settings_are_read_only_when_a_route_needs_one() {
        let read = Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
        let names = Rc::clone(&read);
        let config = Config::on_demand(Rc::new(move |name| {
            names.borrow_mut().push(name.to_owned());
            Some("1".to_owned())
        }));
        let costly = [
            "GUICHET_CATALOG",
            "GUICHET_SESSION_SECRET",
            "MONEROO_SECRET_KEY",
        ];
        let seen = |name: &str| read.borrow().iter().any(|n| n == name);
        assert!(config.provider_timeout_ms.is_ok() && config.base_path == "/1");
        assert!(costly.iter().all(|name| !seen(name)), "{:?}", read.borrow());
        assert!(config.catalog.is_some());
        assert!(costly.iter().all(|name| seen(name)), "{:?}", read.borrow());
        let count = read.borrow().len();
        assert!(!config.session_keys.is_empty());
        assert_eq!(read.borrow().len(), count, "built once");
    }
}
