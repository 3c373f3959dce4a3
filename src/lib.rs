//! Guichet: one crate, three products.
//!
//! - [`domain`] is the shop's vocabulary (money, customers, orders, statuses, validation).
//!   Pure Rust, no I/O, no secrets; compiled into every bundle so the storefront and the
//!   backend apply the same rules.
//! - `http`, `form`, `secret` and `signature` sit below everything that talks to a
//!   provider: request and response values, the form codec, the one secret type and the
//!   HMAC primitives. They name nothing above them.
//! - `providers` (feature `edge`) turns domain values into the requests Moneroo, CinetPay
//!   and MoneyFusion publish, and their answers back into domain values. No I/O: an
//!   [`http::Transport`] sends what an adapter builds. Each provider's folder holds the
//!   same files (`mod.rs`, `wire.rs`, `payment.rs`, `payout.rs`, `webhook.rs`) and spells
//!   each step the same way (`initialize_payment`, `read_created_payment`,
//!   `check_payment`, `read_payment_check`; `prepare_payout`, `initialize_payout`,
//!   `read_created_payout`, `check_payout`, `read_payout_check`). A payout that takes
//!   several calls (CinetPay's login, contact, send) is an exchange of
//!   `providers::PayoutCall`s, each answer read giving the next (`cinetpay/exchange.rs`);
//!   every provider's word on a payout is one `providers::CheckedPayout`.
//! - `edge` (feature `edge`) is the merchant's backend: a WinterCG `fetch` handler that
//!   prices orders, signs sessions, confirms outcomes with the providers and keeps the
//!   ledger. `edge::worker` builds each request's context (`edge::context`: the request,
//!   and an `Edge` of settings, ledger, network and clock); `edge::router` hands it to a
//!   handler (`sessions`, `orders`, `events`, `webhooks`, `payouts/`, `sweep`), which
//!   answers a `reply::Reply` and carries a failure up with `?`.
//!
//!   Dependencies run one way: `edge::worker` → `edge::router` → the handlers →
//!   `edge::{gateway, connector, ledger}` → `providers` → `http`/`form`/`secret`/
//!   `signature`/`domain`. `providers` never names `edge`; `domain` names neither; no
//!   source file under `src/` passes 750 lines (`scripts/layers.sh` checks all three in
//!   `npm test`).
//! - `browser` (feature `browser`) is the storefront SDK: redirect and seamless checkout.
//!   It never compiles `edge` or `providers`, so it cannot name a secret.
//! - `sandbox` (feature `sandbox`, native only) is a local stand-in for the three
//!   providers, hosted pages and faults included.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod domain;

#[cfg(any(feature = "edge", feature = "sandbox"))]
pub mod http;

#[cfg(feature = "edge")]
pub mod form;

#[cfg(feature = "edge")]
pub mod secret;

#[cfg(feature = "edge")]
pub mod signature;

#[cfg(feature = "edge")]
pub mod providers;

#[cfg(feature = "edge")]
pub mod edge;

#[cfg(any(feature = "browser", feature = "return-page"))]
pub mod browser;

#[cfg(all(feature = "sandbox", not(target_arch = "wasm32")))]
pub mod sandbox;

/// The crate version, reported by `GET /health` and the browser bundle.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
