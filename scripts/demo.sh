#!/usr/bin/env bash
# The demo: sets up what is missing, builds the bundles, then serves the edge bundle in
# workerd and the demo shop. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/build.sh
exec node scripts/demo.mjs
