//! The backend's settings, read once per request from the runtime's environment (Workers
//! vars and secrets, or the process environment). Names are in docs/EDGE.md.
//!
//! Reading never fails: a provider whose keys are missing is simply not offered, and a
//! malformed setting is kept as its error so the route that needs it can say which one.

use crate::domain::{Currency, Message, Provider};
use crate::providers::cinetpay::{Cinetpay, Keys as CinetpayKeys};
use crate::providers::moneroo::MonerooKeys;
use crate::providers::moneyfusion::{ApiUrl, MoneyFusion, MoneyFusionConfig};

use super::catalog::Catalog;
use super::token::SessionKeys;
use crate::secret::SecretKey;

/// How long a session may stay unpaid, unless `GUICHET_SESSION_TTL` says otherwise.
pub const DEFAULT_SESSION_TTL: u64 = 30 * 60;

/// Settings the routes need.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the contract is mounted, without a trailing slash (default `/api`).
    pub base_path: String,
    /// Origins allowed to call from a browser (`GUICHET_ALLOWED_ORIGINS`, comma-separated).
    pub allowed_origins: Vec<String>,
    /// Keys that sign session tokens.
    pub session_keys: SessionKeys,
    /// Seconds a session lives.
    pub session_ttl: u64,
    /// The price list, or why it could not be read; `None` when unset.
    pub catalog: Option<Result<Catalog, String>>,
    /// The bearer key of the merchant's own servers (`/orders`, `/payouts`).
    pub admin_key: Option<SecretKey>,
    /// Where providers reach this worker, without a trailing slash.
    pub public_url: Option<String>,
    /// The shopper's default return page.
    pub return_url: Option<String>,
    /// Moneroo, when `MONEROO_SECRET_KEY` is set.
    pub moneroo: Option<MonerooKeys>,
    /// CinetPay, when its API key, site id and secret key are set.
    pub cinetpay: Option<Cinetpay>,
    /// MoneyFusion, when `MONEYFUSION_API_URL` is set (or why it is unusable).
    pub moneyfusion: Option<Result<MoneyFusion, String>>,
}

impl Config {
    /// Reads the settings through `lookup` (an environment variable getter).
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Config {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
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
        let allowed_origins = get("GUICHET_ALLOWED_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        Config {
            base_path,
            allowed_origins,
            session_keys: SessionKeys::from_env(
                get("GUICHET_SESSION_SECRETS").as_deref(),
                get("GUICHET_SESSION_SECRET").as_deref(),
            ),
            session_ttl: get("GUICHET_SESSION_TTL")
                .and_then(|t| t.trim().parse().ok())
                .filter(|t| *t > 0)
                .unwrap_or(DEFAULT_SESSION_TTL),
            catalog: get("GUICHET_CATALOG").map(|json| Catalog::parse(&json)),
            admin_key: get("GUICHET_ADMIN_KEY").and_then(SecretKey::new),
            public_url: get("GUICHET_PUBLIC_URL")
                .map(|u| u.trim().trim_end_matches('/').to_owned()),
            return_url: get("GUICHET_RETURN_URL").map(|u| u.trim().to_owned()),
            moneroo: get("MONEROO_SECRET_KEY").map(|key| {
                let keys = MonerooKeys::new(key.trim())
                    .with_webhook_secret(get("MONEROO_WEBHOOK_SECRET").unwrap_or_default());
                match get("MONEROO_BASE_URL") {
                    Some(base) => keys.with_base_url(&base),
                    None => keys,
                }
            }),
            cinetpay: cinetpay(&get),
            moneyfusion: get("MONEYFUSION_API_URL").map(|url| moneyfusion(&url, &get)),
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

fn cinetpay(get: &impl Fn(&str) -> Option<String>) -> Option<Cinetpay> {
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

fn moneyfusion(url: &str, get: &impl Fn(&str) -> Option<String>) -> Result<MoneyFusion, String> {
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
}
