//! Which checkout pages the shopper may be sent to. The backend answers `checkout_url`,
//! but a compromised or misconfigured backend must not turn the shop into an open
//! redirect: only the provider's own hosted-page hosts pass, and loopback hosts (the
//! sandbox) only when the page opted into sandbox mode.

use crate::domain::Provider;

/// The hosted-page hosts each provider publishes (docs/PROVIDERS.md).
fn hosts(provider: Provider) -> &'static [&'static str] {
    match provider {
        Provider::Moneroo => &["checkout.moneroo.io"],
        Provider::CinetPay => &["checkout.cinetpay.com"],
        Provider::MoneyFusion => &["www.pay.moneyfusion.net", "pay.moneyfusion.net"],
    }
}

const LOOPBACK: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// True when `url` is an absolute URL on one of `provider`'s hosted-page hosts: `https`
/// without a port or credentials; or, with `sandbox`, `http`/`https` on a loopback host
/// with any port.
///
/// The authority is read strictly (letters, digits, `.`, `-`, `:`, brackets) so that no
/// spelling a browser would resolve elsewhere (`user@host`, `\`, percent escapes,
/// whitespace) can pass.
pub fn allowed(provider: Provider, url: &str, sandbox: bool) -> bool {
    // `scheme://`, read without a substring search (its code is large in the bundle); the
    // colons are found with closures, whose searcher is smaller than a char's.
    #[allow(clippy::manual_pattern_char_comparison)] // the closure is the point: smaller
    let Some((scheme, rest)) = url.split_once(|c| c == ':') else {
        return false;
    };
    let Some(rest) = rest.strip_prefix("//") else {
        return false;
    };
    #[allow(clippy::manual_pattern_char_comparison)] // the closure is the point: smaller
    let authority = rest
        .split_once(|c| matches!(c, '/' | '?' | '#'))
        .map_or(rest, |(authority, _)| authority);
    let clean = !authority.is_empty()
        && authority
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
    if !clean {
        return false;
    }
    let listed = |list: &[&str], host: &str| list.iter().any(|h| h.eq_ignore_ascii_case(host));
    let https = scheme.eq_ignore_ascii_case("https");
    if https && listed(hosts(provider), authority) {
        return true;
    }
    if !sandbox || !(https || scheme.eq_ignore_ascii_case("http")) {
        return false;
    }
    // Split an optional `:port` off the end; `[::1]` keeps its inner colons.
    #[allow(clippy::manual_pattern_char_comparison)] // the closure is the point: smaller
    let (host, port) = match authority.rsplit_once(|c| c == ':') {
        Some((host, port)) if !port.as_bytes().contains(&b']') => (host, Some(port)),
        _ => (authority, None),
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok && listed(&LOOPBACK, host)
}
