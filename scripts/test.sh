#!/usr/bin/env bash
# Every suite, in the order a failure is cheapest to find: format, lints for each feature
# set, native tests, a short fuzzing run, wasm tests in Node and in headless Chromium,
# then the built bundles inside workerd (miniflare) and Node, with the browser size budget.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$1"; shift; "$@"; }
WASM=wasm32-unknown-unknown
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export CHROMEDRIVER=/usr/bin/chromedriver
export WASM_BINDGEN_TEST_TIMEOUT=120

step "cargo fmt --check" cargo fmt --all -- --check
step "layers point down" bash scripts/layers.sh
step "clippy: domain only" cargo clippy --quiet --all-targets --no-default-features -- -D warnings
step "clippy: edge + sandbox (native)" cargo clippy --quiet --all-targets --features edge,sandbox -- -D warnings
step "clippy: browser (wasm32)" cargo clippy --quiet --all-targets --target $WASM --features browser,return-page -- -D warnings
step "clippy: edge (wasm32)" cargo clippy --quiet --all-targets --target $WASM --features edge -- -D warnings
step "native tests" cargo test --features edge,sandbox
step "fuzzing every untrusted-bytes parser, 12 s a target" bash scripts/fuzz.sh
step "wasm tests in Node" cargo test --target $WASM --features edge --test wasm_node
step "wasm tests in headless Chromium" timeout 600 cargo test --target $WASM --features browser,return-page --test wasm_browser
step "build both bundles" bash scripts/build.sh
step "bundles in workerd and Node, package checks" node --test tests/js/
step "demo shop end to end in Chromium" timeout 600 node --test tests/e2e/
