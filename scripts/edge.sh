#!/usr/bin/env bash
# `npm run edge`: the edge bundle alone on 127.0.0.1, configured from the shell environment
# and a .dev.vars file: on Node with the ledger in a SQLite file (./guichet-ledger.db), or
# in workerd with a local D1 ledger (GUICHET_EDGE_RUNTIME=workerd). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
[ -f pkg/edge/worker.js ] || bash scripts/build.sh
exec node scripts/edge.mjs
