//! How much one request may make the backend read: every body has a ceiling, checked on
//! the declared `Content-Length` before anything is read and again while a streamed body
//! arrives, so that no request costs more memory than a small multiple of that ceiling.
//!
//! - browser and merchant routes (`/sessions`, `/orders`, `/payouts`, `/return`):
//!   `GUICHET_MAX_BODY_BYTES`, default 32 KiB (a checkout of 100 cart lines, 20
//!   metadata entries and a full customer is under 12 KiB);
//! - provider notifications (`/webhooks/...`): 64 KiB, or the setting when larger (the
//!   providers send one payment's record, a few KiB at most).
//!
//! Past the ceiling the answer is `413 body_too_large`.

use super::{reply, Config};
use crate::http::HttpResponse;

/// The default ceiling of a browser or merchant route's body, in bytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 * 1024;

/// The ceiling of a provider notification's body, in bytes (unless the setting is larger).
pub const NOTIFICATION_MAX_BYTES: usize = 64 * 1024;

/// The longest body the route at `path` reads.
pub fn body_limit(config: &Config, path: &str) -> usize {
    let route = path.strip_prefix(config.base_path.as_str()).unwrap_or(path);
    if route.starts_with("/webhooks/") {
        NOTIFICATION_MAX_BYTES.max(config.max_body_bytes)
    } else {
        config.max_body_bytes
    }
}

/// The `413` for a body already read that is over the route's ceiling (adapters that
/// hand the router a whole body).
pub fn refuse_read(config: &Config, path: &str, body: &[u8]) -> Option<HttpResponse> {
    let limit = body_limit(config, path);
    (body.len() > limit).then(|| reply::too_large(limit))
}
