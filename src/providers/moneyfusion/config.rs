//! The merchant's MoneyFusion settings: the API URL (a credential), the status and payout
//! hosts, and the private key for withdrawals.

use core::fmt;

use crate::domain::Currency;
use crate::http::redact_url;
use crate::secret::SecretKey;

/// Where `GET /paiementNotif/<token>` lives.
pub const DEFAULT_STATUS_BASE_URL: &str = "https://www.pay.moneyfusion.net";
/// Where `POST /api/v1/withdraw` lives (no `www.`: MoneyFusion publishes it so).
pub const DEFAULT_PAYOUT_BASE_URL: &str = "https://pay.moneyfusion.net";

/// The merchant's own payment URL from the MoneyFusion dashboard,
/// `https://www.pay.moneyfusion.net/<AppName>/<16 hex>/pay/`.
///
/// MoneyFusion has no API key for payments: whoever knows this URL can open payments in
/// the merchant's name. So it is held as a [`SecretKey`], not `Display`, not `Serialize`,
/// its `Debug` shows the host only, and no error message ever contains it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiUrl {
    url: SecretKey,
    /// The 16 hex digits, kept to scrub them from anything the provider says back.
    app_id: SecretKey,
}

/// Why a setting was refused. The messages name the setting, never its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigError {
    /// `MONEYFUSION_API_URL` is not `https://www.pay.moneyfusion.net/<AppName>/<16 hex>/pay/`.
    ApiUrl,
    /// A base URL (status or payout host) is not an absolute `http(s)` URL without query.
    BaseUrl {
        /// Which setting.
        setting: &'static str,
    },
    /// The payout private key is empty or holds characters a header cannot carry.
    PrivateKey,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::ApiUrl => f.write_str(
                "MONEYFUSION_API_URL must look like https://www.pay.moneyfusion.net/<AppName>/<16 hex>/pay/",
            ),
            ConfigError::BaseUrl { setting } => {
                write!(f, "{setting} must be an absolute http(s) URL without query")
            }
            ConfigError::PrivateKey => {
                f.write_str("the MoneyFusion private key must be printable ASCII, not empty")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// The parts of an absolute URL we check: scheme, host (with port) and path.
struct UrlParts<'a> {
    https: bool,
    host: &'a str,
    path: &'a str,
}

fn split_url(url: &str) -> Option<UrlParts<'_>> {
    let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else {
        (false, url.strip_prefix("http://")?)
    };
    if url.contains(['?', '#', '@']) || crate::providers::has_blank_or_control(url) {
        return None;
    }
    let (host, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    host_ok.then_some(UrlParts { https, host, path })
}

/// True for MoneyFusion's own hosts, where only the exact published form is accepted.
fn is_moneyfusion_host(host: &str) -> bool {
    let name = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    name == "moneyfusion.net" || name.ends_with(".moneyfusion.net")
}

fn is_app_name(segment: &str) -> bool {
    (1..=64).contains(&segment.len())
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'%'))
}

fn is_app_id(segment: &str) -> bool {
    segment.len() == 16 && segment.bytes().all(|b| b.is_ascii_hexdigit())
}

impl ApiUrl {
    /// Checks the dashboard URL's shape. On MoneyFusion's hosts it must be exactly
    /// `https://<host>/<AppName>/<16 hex>/pay/` (the final `/` optional). Any other host is
    /// a stand-in (the sandbox): `http` is allowed and a path prefix may come before
    /// `<AppName>/<16 hex>/pay/`.
    pub fn parse(url: &str) -> Result<ApiUrl, ConfigError> {
        let url = url.trim();
        let parts = split_url(url).ok_or(ConfigError::ApiUrl)?;
        let official = is_moneyfusion_host(parts.host);
        if official && !parts.https {
            return Err(ConfigError::ApiUrl);
        }
        let path = parts.path.strip_suffix('/').unwrap_or(parts.path);
        let segments: Vec<&str> = path.split('/').skip(1).collect();
        let [prefix @ .., app_name, app_id, "pay"] = segments.as_slice() else {
            return Err(ConfigError::ApiUrl);
        };
        let prefix_ok = if official {
            prefix.is_empty()
        } else {
            prefix.iter().all(|s| is_app_name(s))
        };
        if !prefix_ok || !is_app_name(app_name) || !is_app_id(app_id) {
            return Err(ConfigError::ApiUrl);
        }
        Ok(ApiUrl {
            app_id: SecretKey::new(*app_id).ok_or(ConfigError::ApiUrl)?,
            url: SecretKey::new(url).ok_or(ConfigError::ApiUrl)?,
        })
    }

    /// The URL itself, to build the request with. Never log it.
    pub fn expose(&self) -> &str {
        self.url.expose()
    }

    /// Replaces the URL and its app id (in any case) with `***` in a text that may quote
    /// them, such as a message the provider sent back.
    pub fn scrub(&self, text: &str) -> String {
        let text = crate::http::text::replace(text, self.url.expose(), "***");
        let needle = self.app_id.expose().to_ascii_lowercase();
        // ASCII lowercasing keeps every byte where it was, so indices carry over.
        let haystack = text.to_ascii_lowercase();
        crate::http::text::replace_matches(&text, &haystack, &needle, "***")
    }
}

impl fmt::Debug for ApiUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ApiUrl")
            .field(&redact_url(self.url.expose()))
            .finish()
    }
}

fn base_url(url: &str, setting: &'static str) -> Result<String, ConfigError> {
    let url = url.trim().trim_end_matches('/');
    split_url(url)
        .map(|_| url.to_owned())
        .ok_or(ConfigError::BaseUrl { setting })
}

/// Everything the MoneyFusion adapter needs. `Debug` is safe to log: the API URL and the
/// private key print redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoneyFusionConfig {
    pub(super) api_url: ApiUrl,
    pub(super) status_base_url: String,
    pub(super) payout_base_url: String,
    /// The `moneyfusion-private-key` header for withdrawals.
    pub(super) private_key: Option<SecretKey>,
    pub(super) currency: Currency,
}

impl MoneyFusionConfig {
    /// Payments through `api_url`, status calls and payouts on MoneyFusion's hosts, amounts
    /// in XOF, payouts off until a private key is given.
    pub fn new(api_url: ApiUrl) -> Self {
        MoneyFusionConfig {
            api_url,
            status_base_url: DEFAULT_STATUS_BASE_URL.to_owned(),
            payout_base_url: DEFAULT_PAYOUT_BASE_URL.to_owned(),
            private_key: None,
            currency: Currency::XOF,
        }
    }

    /// Another host for `GET /paiementNotif/<token>` (`MONEYFUSION_BASE_URL`, the sandbox).
    pub fn with_status_base_url(mut self, url: &str) -> Result<Self, ConfigError> {
        self.status_base_url = base_url(url, "MONEYFUSION_BASE_URL")?;
        Ok(self)
    }

    /// Another host for `POST /api/v1/withdraw` (the sandbox).
    pub fn with_payout_base_url(mut self, url: &str) -> Result<Self, ConfigError> {
        self.payout_base_url = base_url(url, "MONEYFUSION_PAYOUT_BASE_URL")?;
        Ok(self)
    }

    /// Turns payouts on with the `moneyfusion-private-key`: printable ASCII (it travels as
    /// a header value), not blank.
    pub fn with_private_key(mut self, key: impl Into<String>) -> Result<Self, ConfigError> {
        let key = SecretKey::new(key)
            .filter(|k| k.expose().bytes().all(|b| b.is_ascii_graphic()))
            .ok_or(ConfigError::PrivateKey)?;
        self.private_key = Some(key);
        Ok(self)
    }

    /// The currency of the merchant's MoneyFusion account. MoneyFusion's API carries no
    /// currency field: amounts are in the account's currency, XOF unless set here.
    pub fn with_currency(mut self, currency: Currency) -> Self {
        self.currency = currency;
        self
    }

    /// The account's currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_url_accepts_the_dashboard_form_and_a_sandbox_host() {
        for url in [
            "https://www.pay.moneyfusion.net/Shop/0123456789abcdef/pay/",
            "https://www.pay.moneyfusion.net/PartenaireMAGB/F8A52DDFB11EE657/pay",
            "http://127.0.0.1:8787/Shop/0123456789abcdef/pay/",
            "http://localhost:8787/moneyfusion/Shop/0123456789abcdef/pay/",
        ] {
            assert!(ApiUrl::parse(url).is_ok(), "{url}");
        }
    }

    #[test]
    fn api_url_refuses_other_shapes() {
        for url in [
            "",
            "www.pay.moneyfusion.net/Shop/0123456789abcdef/pay/",
            "http://www.pay.moneyfusion.net/Shop/0123456789abcdef/pay/",
            "https://www.pay.moneyfusion.net/x/Shop/0123456789abcdef/pay/",
            "https://www.pay.moneyfusion.net/Shop/0123456789abcde/pay/",
            "https://www.pay.moneyfusion.net/Shop/0123456789abcdeg/pay/",
            "https://www.pay.moneyfusion.net/Shop/0123456789abcdef/",
            "https://www.pay.moneyfusion.net/Shop/0123456789abcdef/pay/?a=1",
            "https://user@www.pay.moneyfusion.net/Shop/0123456789abcdef/pay/",
            "https://www.pay.moneyfusion.net//0123456789abcdef/pay/",
            "ftp://127.0.0.1/Shop/0123456789abcdef/pay/",
        ] {
            assert_eq!(ApiUrl::parse(url), Err(ConfigError::ApiUrl), "{url}");
        }
    }

    #[test]
    fn config_errors_never_quote_the_value() {
        let secret = "https://www.pay.moneyfusion.net/Shop/0123456789abcdeX/pay/";
        let error = ApiUrl::parse(secret).unwrap_err();
        assert!(!error.to_string().contains("0123456789abcde"));
        let url =
            ApiUrl::parse("https://www.pay.moneyfusion.net/Shop/0123456789abcdef/pay/").unwrap();
        let error = MoneyFusionConfig::new(url)
            .with_private_key("bad key")
            .unwrap_err();
        assert_eq!(error, ConfigError::PrivateKey);
        assert!(!error.to_string().contains("bad key"));
    }

    #[test]
    fn base_urls_lose_their_trailing_slash() {
        let url =
            ApiUrl::parse("https://www.pay.moneyfusion.net/Shop/0123456789abcdef/pay/").unwrap();
        let config = MoneyFusionConfig::new(url)
            .with_status_base_url("http://127.0.0.1:9000/")
            .unwrap();
        assert_eq!(config.status_base_url, "http://127.0.0.1:9000");
        assert_eq!(
            MoneyFusionConfig::new(
                ApiUrl::parse("https://www.pay.moneyfusion.net/Shop/0123456789abcdef/pay/")
                    .unwrap()
            )
            .with_payout_base_url("pay.moneyfusion.net"),
            Err(ConfigError::BaseUrl {
                setting: "MONEYFUSION_PAYOUT_BASE_URL"
            })
        );
    }
}
