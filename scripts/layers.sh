#!/usr/bin/env bash
# The crate's layers, checked by name: dependencies run worker -> router -> handlers ->
# gateway/connector/ledger -> providers -> http/form/secret/signature/domain, never back.
# A `use` that points upward fails `npm test` with the file and line.
set -euo pipefail
cd "$(dirname "$0")/.."

failed=0
forbid() { # forbid <who> <what it may not name> <pattern> <files...>
  local who=$1 what=$2 pattern=$3 hits
  shift 3
  hits=$(grep -rnE "$pattern" "$@" --include='*.rs' || true)
  if [ -n "$hits" ]; then
    printf '%s must not name %s:\n%s\n' "$who" "$what" "$hits" >&2
    failed=1
  fi
}

forbid src/providers "the edge, the browser or the sandbox" 'crate::(edge|browser|sandbox)\b' src/providers
forbid src/domain "anything above it" 'crate::(edge|providers|browser|sandbox|http|form|secret|signature)\b' src/domain
forbid "http, form, secret and signature" "anything above them" 'crate::(edge|providers|browser|sandbox)\b' \
  src/http.rs src/form.rs src/secret.rs src/signature.rs
forbid src/browser "the edge, the providers or a secret" 'crate::(edge|providers|secret|signature)\b' src/browser
# Handlers take their request and context from edge::context; only the worker and the
# module root name the router.
mapfile -t handlers < <(find src/edge -name '*.rs' | grep -vE '^src/edge/(mod|router|worker)\.rs$' | sort)
forbid "the edge's handlers" "the router" '(super|crate::edge)::router\b' "${handlers[@]}"

# A file a newcomer can read whole: no source file under src/ over 750 lines (tests and
# fixtures live outside src/).
while read -r lines file; do
  if [ "$lines" -gt 750 ]; then
    printf '%s has %s lines: split it (at most 750)\n' "$file" "$lines" >&2
    failed=1
  fi
done < <(find src -name '*.rs' -exec wc -l {} + | grep -v ' total$')

[ "$failed" -eq 0 ] && echo "layers: every dependency points down, every file under 750 lines"
exit "$failed"
