#!/usr/bin/env bash
# Installs what Guichet needs on a fresh machine, and skips what is already there:
# the wasm32 target, wasm-bindgen-cli at exactly the crate's version, Chromium and
# chromedriver (Debian's), PostgreSQL (Debian's, for the ledger suites), the npm dev
# dependencies (binaryen's wasm-opt, miniflare, playwright-core, fusionpay, libsql and
# postgres for the ledgers), and a Python venv in .cache/pyenv holding the PyPI `cinetpay`
# client the sandbox is checked against. Safe to run again and again; both README
# commands run it.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v cargo >/dev/null; then
  echo "cargo is missing: install Rust with rustup first (https://rustup.rs)" >&2
  exit 1
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  timeout 300 rustup target add wasm32-unknown-unknown
fi

# The CLI must equal the wasm-bindgen crate version, which Cargo.toml pins exactly.
wanted=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$wanted" ] || ! command -v wasm-bindgen-test-runner >/dev/null; then
  say "installing wasm-bindgen-cli $wanted (about 3 minutes)"
  # No --locked: one locked dependency is missing from the registry mirror.
  cargo install wasm-bindgen-cli --version "$wanted" --force
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  say "installing Debian's chromium and chromium-driver"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# The fuzz targets (scripts/fuzz.sh) link libFuzzer, which libfuzzer-sys compiles from
# its C++ sources: a C++ compiler is all they need beyond crates.io.
if ! command -v c++ >/dev/null; then
  say "installing Debian's g++ (for libFuzzer)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++ >/dev/null
fi

# PostgreSQL's server binaries, for the ledger suites: each test starts its own cluster in
# a temporary directory on a free port (tests/js/support/postgres.mjs); the service the
# package would start is not used.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  say "installing Debian's postgresql"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

# npm ci when the lock file matches; the marker avoids re-running it when nothing changed.
if [ ! -f node_modules/.guichet-installed ] || [ package-lock.json -nt node_modules/.guichet-installed ]; then
  say "installing npm dev dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  touch node_modules/.guichet-installed
fi

# The PyPI `cinetpay` client (tests/third_party/), pinned, in a venv of its own.
PYENV=.cache/pyenv
if ! "$PYENV/bin/python" -c 'import cinetpay' >/dev/null 2>&1; then
  if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    say "installing Debian's python3-venv"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
  say "installing the PyPI cinetpay client into $PYENV"
  rm -rf "$PYENV"
  python3 -m venv "$PYENV"
  timeout 300 "$PYENV/bin/pip" install --quiet --disable-pip-version-check cinetpay==0.0.1
fi

say "ready"
