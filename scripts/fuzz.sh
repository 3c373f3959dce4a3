#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers that read untrusted bytes (docs/HARDENING.md),
# with libFuzzer on stable Rust: the targets in fuzz/ built with the sanitizer-coverage
# flags cargo-fuzz would pass (no sanitizer, so no nightly), then each run for a while.
#
#   bash scripts/fuzz.sh                 every target for 12 s (what `npm test` runs)
#   bash scripts/fuzz.sh 600             every target for 10 minutes
#   bash scripts/fuzz.sh 3600 notifications checkout_body
#
# The corpus grows in .cache/fuzz/corpus/<target> (seeded from fuzz/seeds/<target>) and
# is kept between runs. A crash leaves its input in .cache/fuzz/artifacts/<target>/ and
# fails the run; replay it with `target/fuzz/<host triple>/release/<target> <file>`, then
# add it as a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."

EACH=${1:-12}
shift || true
ALL=(checkout_body merchant_bodies notifications provider_answers session_token return_params)
TARGETS=("${@:-${ALL[@]}}")

export CARGO_TARGET_DIR=target/fuzz
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
# An explicit --target keeps the flags off build scripts and proc macros, as cargo-fuzz does.
HOST=$(rustc -vV | sed -n 's/^host: //p')
cargo build --quiet --release --manifest-path fuzz/Cargo.toml --bins --target "$HOST"

for target in "${TARGETS[@]}"; do
  corpus=.cache/fuzz/corpus/$target
  artifacts=.cache/fuzz/artifacts/$target
  mkdir -p "$corpus" "$artifacts"
  printf '[fuzz] %s for %s s\n' "$target" "$EACH"
  # -rss_limit_mb: a parser that balloons is a finding too. -timeout: one input, 5 s.
  status=0
  "$CARGO_TARGET_DIR/$HOST/release/$target" "$corpus" "fuzz/seeds/$target" \
    -max_total_time="$EACH" -rss_limit_mb=1024 -timeout=5 -max_len=65536 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 >"$artifacts/last-run.log" 2>&1 || status=$?
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$artifacts/last-run.log" || true
  if [ "$status" -ne 0 ]; then
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$artifacts/last-run.log" >&2 || true
    echo "[fuzz] $target found a crash (log: $artifacts/last-run.log)" >&2
    exit 1
  fi
done
