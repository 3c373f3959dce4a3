//! The merchant's backend: a WinterCG `fetch` handler for workerd, Deno and Node.
//!
//! [`router::route`] is pure: an [`Incoming`] request and a [`Config`] in, an
//! [`crate::http::HttpResponse`] out, so every route is tested natively. [`worker`] adapts
//! it to the runtime's `Request` and `Response` objects.

pub mod backoff;
pub mod budget;
pub mod catalog;
pub mod config;
pub mod connector;
pub mod context;
pub mod events;
pub mod gateway;
pub mod ledger;
pub mod limits;
pub mod log;
pub mod orders;
pub mod outbox;
pub mod payouts;
pub mod reply;
pub mod router;
pub mod runtime;
pub mod sessions;
pub mod standard_webhooks;
pub mod sweep;
pub mod token;
pub mod urls;
pub mod webhooks;
pub mod worker;

pub use config::Config;
pub use context::{Edge, Effects, Incoming};
pub use router::route;

/// The edge's allocator: talc instead of Rust's default dlmalloc, smaller in the bundle and
/// quicker per allocation, and a request makes a few hundred of them (bench/PROFILE.md,
/// round 7, allocator). It grows the wasm memory as dlmalloc did; a request that runs it
/// out still traps, and guard.js replaces the instance.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
