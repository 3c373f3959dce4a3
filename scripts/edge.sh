#!/usr/bin/env bash
# `npm run edge`: the edge bundle alone in workerd on 127.0.0.1, configured from the shell
# environment and a .dev.vars file, with a local D1 ledger. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
[ -f pkg/edge/worker.js ] || bash scripts/build.sh
exec node scripts/edge.mjs
