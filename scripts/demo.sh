#!/usr/bin/env bash
# The demo: sets up what is missing, builds the bundles when pkg/ is missing or older
# than their sources, builds the sandbox providers, then serves the sandbox, the edge
# bundle in workerd (D1 ledger in .cache/demo-d1) and the demo shop. Ctrl-C stops
# everything. Ports: GUICHET_DEMO_PORT (shop, 8080), GUICHET_SANDBOX_PORT (4010),
# GUICHET_DEMO_EDGE_PORT (the edge's own, free by default); GUICHET_DEMO_D1 moves the ledger.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh

say() { printf '\033[1m[demo]\033[0m %s\n' "$*"; }

stale() {
  local built
  for built in pkg/browser/index.js pkg/browser/guichet_bg.wasm pkg/edge/worker.js pkg/edge/guichet_edge_bg.wasm; do
    [ -f "$built" ] || return 0
  done
  [ -n "$(find src js Cargo.toml Cargo.lock scripts/build.sh -newer pkg/browser/guichet_bg.wasm -type f -print -quit)" ] && return 0
  [ -n "$(find src js Cargo.toml Cargo.lock scripts/build.sh -newer pkg/edge/guichet_edge_bg.wasm -type f -print -quit)" ] && return 0
  return 1
}

if stale; then
  say "building the bundles into pkg/"
  bash scripts/build.sh
fi

say "building the sandbox providers"
GUICHET_SANDBOX_BIN=$(node --input-type=module -e 'import { sandboxBinary } from "./tests/js/support/stack.mjs"; console.log(sandboxBinary());')
export GUICHET_SANDBOX_BIN
exec node scripts/demo.mjs
