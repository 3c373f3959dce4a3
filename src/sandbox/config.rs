//! What a sandbox run accepts and how it behaves: credentials, clock speed, seed,
//! faults. Built in code by tests ([`SandboxConfig::default`]) or from the command line
//! and environment by the binary ([`SandboxConfig::from_args`]).

use core::fmt;
use std::net::IpAddr;
use std::time::Duration;

use super::faults::FaultSpec;
use super::store::Outcome;

/// Moneroo secret key the sandbox accepts unless told otherwise.
pub const DEFAULT_MONEROO_SECRET_KEY: &str = "pvk_sandbox_guichet_test_key";
/// Secret Moneroo signs webhooks with (`X-Moneroo-Signature`).
pub const DEFAULT_MONEROO_WEBHOOK_SECRET: &str = "whsec_guichet_sandbox";
/// CinetPay `apikey`.
pub const DEFAULT_CINETPAY_APIKEY: &str = "12912847765bc0db748fdd44.40081707";
/// CinetPay `site_id`.
pub const DEFAULT_CINETPAY_SITE_ID: &str = "445160";
/// CinetPay "secret key" keying the `x-token` HMAC of notifications.
pub const DEFAULT_CINETPAY_SECRET_KEY: &str = "guichet-sandbox-cinetpay-secret";
/// CinetPay transfer API password (`/v1/auth/login`).
pub const DEFAULT_CINETPAY_TRANSFER_PASSWORD: &str = "guichet-sandbox-transfer";
/// MoneyFusion application name in the merchant's API URL.
pub const DEFAULT_MONEYFUSION_APP: &str = "GuichetSandbox";
/// MoneyFusion 16-hex key in the merchant's API URL.
pub const DEFAULT_MONEYFUSION_KEY: &str = "5a1d3b0c9e7f2468";
/// MoneyFusion `moneyfusion-private-key` header for withdrawals.
pub const DEFAULT_MONEYFUSION_PRIVATE_KEY: &str = "mf_sandbox_private_key";

/// The credentials the simulated providers accept. `Debug` hides every value, so a
/// config can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Moneroo `Authorization: Bearer` key.
    pub moneroo_secret_key: String,
    /// Moneroo webhook signing secret.
    pub moneroo_webhook_secret: String,
    /// CinetPay `apikey` (checkout and transfers).
    pub cinetpay_apikey: String,
    /// CinetPay `site_id`.
    pub cinetpay_site_id: String,
    /// CinetPay secret key for the notification `x-token`.
    pub cinetpay_secret_key: String,
    /// CinetPay transfer API password.
    pub cinetpay_transfer_password: String,
    /// MoneyFusion application name (`/<app>/<key>/pay/`).
    pub moneyfusion_app: String,
    /// MoneyFusion 16-hex key (`/<app>/<key>/pay/`).
    pub moneyfusion_key: String,
    /// MoneyFusion withdrawal private key.
    pub moneyfusion_private_key: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            moneroo_secret_key: DEFAULT_MONEROO_SECRET_KEY.to_owned(),
            moneroo_webhook_secret: DEFAULT_MONEROO_WEBHOOK_SECRET.to_owned(),
            cinetpay_apikey: DEFAULT_CINETPAY_APIKEY.to_owned(),
            cinetpay_site_id: DEFAULT_CINETPAY_SITE_ID.to_owned(),
            cinetpay_secret_key: DEFAULT_CINETPAY_SECRET_KEY.to_owned(),
            cinetpay_transfer_password: DEFAULT_CINETPAY_TRANSFER_PASSWORD.to_owned(),
            moneyfusion_app: DEFAULT_MONEYFUSION_APP.to_owned(),
            moneyfusion_key: DEFAULT_MONEYFUSION_KEY.to_owned(),
            moneyfusion_private_key: DEFAULT_MONEYFUSION_PRIVATE_KEY.to_owned(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(***)")
    }
}

impl Credentials {
    /// Each credential with its name, the value shown only when it is the documented
    /// test value (a key someone passed in may be real: it is never printed).
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let defaults = Credentials::default();
        let show = |value: &str, default: &str| {
            if value == default {
                value.to_owned()
            } else {
                "(yours, not shown)".to_owned()
            }
        };
        vec![
            (
                "moneroo secret key",
                show(&self.moneroo_secret_key, &defaults.moneroo_secret_key),
            ),
            (
                "moneroo webhook secret",
                show(
                    &self.moneroo_webhook_secret,
                    &defaults.moneroo_webhook_secret,
                ),
            ),
            (
                "cinetpay apikey",
                show(&self.cinetpay_apikey, &defaults.cinetpay_apikey),
            ),
            ("cinetpay site_id", self.cinetpay_site_id.clone()),
            (
                "cinetpay secret key",
                show(&self.cinetpay_secret_key, &defaults.cinetpay_secret_key),
            ),
            (
                "cinetpay transfer password",
                show(
                    &self.cinetpay_transfer_password,
                    &defaults.cinetpay_transfer_password,
                ),
            ),
            (
                "moneyfusion private key",
                show(
                    &self.moneyfusion_private_key,
                    &defaults.moneyfusion_private_key,
                ),
            ),
        ]
    }

    /// Reads the app name and key from a MoneyFusion API URL
    /// (`https://www.pay.moneyfusion.net/<app>/<key>/pay/`).
    pub fn set_moneyfusion_api_url(&mut self, url: &str) -> Result<(), String> {
        let path = url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split_once('/'))
            .map(|(_, path)| path)
            .unwrap_or("");
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        match parts.as_slice() {
            [.., app, key, "pay"] => {
                self.moneyfusion_app = (*app).to_owned();
                self.moneyfusion_key = (*key).to_owned();
                Ok(())
            }
            _ => Err("a MoneyFusion API URL looks like https://host/<app>/<key>/pay/".to_owned()),
        }
    }
}

/// How a sandbox run behaves. `Default` gives the documented test credentials, real
/// provider timings and no fault.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Port on 127.0.0.1; 0 picks a free one (tests).
    pub port: u16,
    /// Makes ids and fault draws repeat from run to run.
    pub seed: Option<u64>,
    /// Multiplies every provider delay (retries, abandonment, token lifetime):
    /// `0.001` turns Moneroo's 10 minutes between retries into 600 ms.
    pub time_scale: f64,
    /// One line on stdout per request.
    pub verbose: bool,
    /// What the providers accept.
    pub credentials: Credentials,
    /// Where Moneroo posts webhooks: set in Moneroo's dashboard, not per payment.
    pub moneroo_webhook_urls: Vec<String>,
    /// Moneroo's rate limit, requests per minute per key (120 published).
    pub moneroo_rate_limit: u32,
    /// Currencies the CinetPay account may use (an account takes its country's currency).
    pub cinetpay_currencies: Vec<String>,
    /// CinetPay transfer balance at start.
    pub cinetpay_transfer_balance: u64,
    /// Server IPs MoneyFusion accepts; `None` accepts any.
    pub moneyfusion_allowed_ips: Option<Vec<IpAddr>>,
    /// How long a notification receiver has to answer (Moneroo: 200 within 3 s).
    pub notify_timeout: Duration,
    /// Time between the steps of a payout (initiated, pending, final), not scaled.
    pub payout_delay: Duration,
    /// How long Moneroo leaves a payment `initiated` before abandoning it as cancelled;
    /// `None`: its five minutes, scaled. Tests that speed the clocks up set it apart, so
    /// a loaded machine does not see a payment abandoned before the story pays it.
    pub moneroo_abandon_after: Option<Duration>,
    /// How payouts end when nothing else decides (Moneroo's test numbers do).
    pub payout_outcome: Outcome,
    /// Faults from the start of the run.
    pub faults: Vec<FaultSpec>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: 0,
            seed: None,
            time_scale: 1.0,
            verbose: false,
            credentials: Credentials::default(),
            moneroo_webhook_urls: Vec::new(),
            moneroo_rate_limit: 120,
            cinetpay_currencies: ["XOF", "XAF", "CDF", "GNF", "USD"]
                .iter()
                .map(|c| (*c).to_owned())
                .collect(),
            cinetpay_transfer_balance: 5_000_000,
            moneyfusion_allowed_ips: None,
            notify_timeout: Duration::from_secs(3),
            payout_delay: Duration::from_millis(500),
            moneroo_abandon_after: None,
            payout_outcome: Outcome::Success,
            faults: Vec::new(),
        }
    }
}

/// The binary's `--help`.
pub const USAGE: &str = "\
guichet-sandbox: local stand-in for Moneroo, CinetPay and MoneyFusion (127.0.0.1 only)

USAGE: guichet-sandbox [OPTIONS]

  --port N                       port on 127.0.0.1 (default 4010; 0 = any free port)
  --seed N                       repeatable ids and fault draws
  --time-scale F                 multiply provider delays (0.001: 10 min -> 600 ms)
  --verbose, -v                  one line per request on stdout
  --notify-timeout-ms N          receiver answer deadline (default 3000)
  --payout-delay-ms N            time between payout steps (default 500)
  --moneroo-abandon-ms N         Moneroo abandons an initiated payment after N ms
                                   (default 5 minutes times the time scale)
  --payout-outcome O             success | failed | pending (default success)
  --fault SPEC                   repeatable; see docs/SANDBOX.md, e.g.
                                   moneroo:500,rate=0.2   cinetpay:timeout,next=1
                                   latency,ms=300         moneyfusion:429,next=2,path=/paiementNotif
                                   duplicate,rate=0.5     reorder,next=1   delay,ms=2000   drop,next=1
  --moneroo-secret-key K         env MONEROO_SECRET_KEY
  --moneroo-webhook-secret S     env MONEROO_WEBHOOK_SECRET
  --moneroo-webhook-url URL      repeatable; env MONEROO_WEBHOOK_URL (comma-separated)
  --moneroo-rate-limit N         requests per minute per key (default 120)
  --cinetpay-apikey K            env CINETPAY_API_KEY
  --cinetpay-site-id ID          env CINETPAY_SITE_ID
  --cinetpay-secret-key K        env CINETPAY_SECRET_KEY
  --cinetpay-transfer-password P env CINETPAY_TRANSFER_PASSWORD
  --cinetpay-currencies LIST     comma-separated (default XOF,XAF,CDF,GNF,USD)
  --moneyfusion-api-url URL      take <app>/<key> from a URL; env MONEYFUSION_API_URL
  --moneyfusion-app NAME         app name in /<app>/<key>/pay/
  --moneyfusion-key HEX          16-hex key in /<app>/<key>/pay/
  --moneyfusion-private-key K    env MONEYFUSION_PRIVATE_KEY
  --moneyfusion-allowed-ip IP    repeatable; other callers get the unauthorized-IP answer
  --help, -h                     this text
";

/// What the command line asked for.
#[derive(Debug)]
pub enum Command {
    /// Run with this configuration.
    Run(Box<SandboxConfig>),
    /// Print [`USAGE`] and stop.
    Help,
}

impl SandboxConfig {
    /// Reads the command line (without the program name) over the environment
    /// (`lookup`, e.g. `|k| std::env::var(k).ok()`) over the defaults; port 4010 unless
    /// told otherwise.
    pub fn from_args<I, F>(args: I, lookup: F) -> Result<Command, String>
    where
        I: IntoIterator<Item = String>,
        F: Fn(&str) -> Option<String>,
    {
        let mut config = SandboxConfig {
            port: 4010,
            ..SandboxConfig::default()
        };
        let creds = &mut config.credentials;
        let env_or = |name: &str, target: &mut String| {
            if let Some(value) = lookup(name).filter(|v| !v.trim().is_empty()) {
                *target = value.trim().to_owned();
            }
        };
        env_or("MONEROO_SECRET_KEY", &mut creds.moneroo_secret_key);
        env_or("MONEROO_WEBHOOK_SECRET", &mut creds.moneroo_webhook_secret);
        env_or("CINETPAY_API_KEY", &mut creds.cinetpay_apikey);
        env_or("CINETPAY_SITE_ID", &mut creds.cinetpay_site_id);
        env_or("CINETPAY_SECRET_KEY", &mut creds.cinetpay_secret_key);
        env_or(
            "CINETPAY_TRANSFER_PASSWORD",
            &mut creds.cinetpay_transfer_password,
        );
        env_or(
            "MONEYFUSION_PRIVATE_KEY",
            &mut creds.moneyfusion_private_key,
        );
        if let Some(url) = lookup("MONEYFUSION_API_URL").filter(|v| !v.trim().is_empty()) {
            creds
                .set_moneyfusion_api_url(url.trim())
                .map_err(|why| format!("MONEYFUSION_API_URL: {why}"))?;
        }
        if let Some(urls) = lookup("MONEROO_WEBHOOK_URL") {
            config.moneroo_webhook_urls = split_list(&urls);
        }

        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value)),
                _ => (arg.clone(), None),
            };
            let mut value = |name: &str| -> Result<String, String> {
                match inline {
                    Some(v) => Ok(v.to_owned()),
                    None => args.next().ok_or_else(|| format!("{name} needs a value")),
                }
            };
            let creds = &mut config.credentials;
            match flag.as_str() {
                "--help" | "-h" => return Ok(Command::Help),
                "--verbose" | "-v" => config.verbose = true,
                "--port" => config.port = parse_number(&flag, &value(&flag)?)?,
                "--seed" => config.seed = Some(parse_number(&flag, &value(&flag)?)?),
                "--time-scale" => {
                    let scale: f64 = parse_number(&flag, &value(&flag)?)?;
                    if !(scale.is_finite() && scale > 0.0) {
                        return Err("--time-scale must be a positive number".to_owned());
                    }
                    config.time_scale = scale;
                }
                "--notify-timeout-ms" => {
                    config.notify_timeout =
                        Duration::from_millis(parse_number(&flag, &value(&flag)?)?)
                }
                "--payout-delay-ms" => {
                    config.payout_delay =
                        Duration::from_millis(parse_number(&flag, &value(&flag)?)?)
                }
                "--moneroo-abandon-ms" => {
                    config.moneroo_abandon_after =
                        Some(Duration::from_millis(parse_number(&flag, &value(&flag)?)?))
                }
                "--payout-outcome" => {
                    let word = value(&flag)?;
                    config.payout_outcome = Outcome::parse(&word)
                        .ok_or_else(|| format!("--payout-outcome: unknown outcome {word:?}"))?;
                }
                "--fault" => config.faults.push(FaultSpec::parse(&value(&flag)?)?),
                "--moneroo-secret-key" => creds.moneroo_secret_key = value(&flag)?,
                "--moneroo-webhook-secret" => creds.moneroo_webhook_secret = value(&flag)?,
                "--moneroo-webhook-url" => config.moneroo_webhook_urls.push(value(&flag)?),
                "--moneroo-rate-limit" => {
                    config.moneroo_rate_limit = parse_number(&flag, &value(&flag)?)?
                }
                "--cinetpay-apikey" => creds.cinetpay_apikey = value(&flag)?,
                "--cinetpay-site-id" => creds.cinetpay_site_id = value(&flag)?,
                "--cinetpay-secret-key" => creds.cinetpay_secret_key = value(&flag)?,
                "--cinetpay-transfer-password" => creds.cinetpay_transfer_password = value(&flag)?,
                "--cinetpay-currencies" => {
                    config.cinetpay_currencies = split_list(&value(&flag)?)
                        .into_iter()
                        .map(|c| c.to_ascii_uppercase())
                        .collect()
                }
                "--moneyfusion-api-url" => creds
                    .set_moneyfusion_api_url(&value(&flag)?)
                    .map_err(|why| format!("--moneyfusion-api-url: {why}"))?,
                "--moneyfusion-app" => creds.moneyfusion_app = value(&flag)?,
                "--moneyfusion-key" => creds.moneyfusion_key = value(&flag)?,
                "--moneyfusion-private-key" => creds.moneyfusion_private_key = value(&flag)?,
                "--moneyfusion-allowed-ip" => {
                    let raw = value(&flag)?;
                    let ip: IpAddr = raw
                        .parse()
                        .map_err(|_| format!("--moneyfusion-allowed-ip: not an IP: {raw:?}"))?;
                    config
                        .moneyfusion_allowed_ips
                        .get_or_insert_with(Vec::new)
                        .push(ip);
                }
                other => return Err(format!("unknown option {other:?} (try --help)")),
            }
        }
        Ok(Command::Run(Box::new(config)))
    }
}

fn parse_number<T: core::str::FromStr>(flag: &str, raw: &str) -> Result<T, String> {
    raw.trim()
        .parse()
        .map_err(|_| format!("{flag}: not a number: {raw:?}"))
}

fn split_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Command, String> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        SandboxConfig::from_args(args.iter().map(|a| (*a).to_owned()), |name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    fn run(args: &[&str], env: &[(&str, &str)]) -> SandboxConfig {
        match parse(args, env) {
            Ok(Command::Run(config)) => *config,
            other => panic!("expected a run, got {other:?}"),
        }
    }

    #[test]
    fn flags_win_over_environment_over_defaults() {
        let config = run(
            &["--port", "5000", "--moneroo-secret-key=flag_key", "-v"],
            &[
                ("MONEROO_SECRET_KEY", "env_key"),
                ("CINETPAY_SITE_ID", "999"),
            ],
        );
        assert_eq!(config.port, 5000);
        assert!(config.verbose);
        assert_eq!(config.credentials.moneroo_secret_key, "flag_key");
        assert_eq!(config.credentials.cinetpay_site_id, "999");
        assert_eq!(config.credentials.cinetpay_apikey, DEFAULT_CINETPAY_APIKEY);
    }

    #[test]
    fn moneyfusion_api_url_gives_app_and_key() {
        let config = run(
            &[],
            &[(
                "MONEYFUSION_API_URL",
                "https://www.pay.moneyfusion.net/Shop/0123456789abcdef/pay/",
            )],
        );
        assert_eq!(config.credentials.moneyfusion_app, "Shop");
        assert_eq!(config.credentials.moneyfusion_key, "0123456789abcdef");
    }

    #[test]
    fn bad_options_are_refused_with_a_reason() {
        assert!(parse(&["--nope"], &[]).is_err());
        assert!(parse(&["--port"], &[]).is_err());
        assert!(parse(&["--time-scale", "0"], &[]).is_err());
        assert!(matches!(parse(&["--help"], &[]), Ok(Command::Help)));
    }

    #[test]
    fn overridden_secrets_are_never_described() {
        let creds = Credentials {
            moneroo_secret_key: "sk_live_real".to_owned(),
            ..Credentials::default()
        };
        let shown = format!("{:?} {:?}", creds, creds.describe());
        assert!(!shown.contains("sk_live_real"), "{shown}");
        assert!(shown.contains(DEFAULT_CINETPAY_APIKEY));
    }
}
