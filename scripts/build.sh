#!/usr/bin/env bash
# Builds both WebAssembly bundles into pkg/ and prints their sizes:
#   pkg/browser/  the storefront SDK (wasm-bindgen `web` target, fetched at import in a page)
#   pkg/edge/     the merchant backend (`web` target, `initSync` in workerd, Deno, Node)
# Each is compiled with only its own feature, so the browser bundle cannot contain the
# edge's code. wasm-opt comes from npm's binaryen: Debian's binaryen 108 corrupts modules.
# A panic traps at once (scripts/panic-trap.mjs: no message formatted for a stderr that
# wasm32-unknown-unknown does not have). The wasm imports of both get short names
# (scripts/minify-imports.mjs) and esbuild
# minifies the glue. The browser's JavaScript is bundled (readable sources stay in
# js/browser): one index.js carries surface.js, flow.js and guichet.js (the wasm-bindgen
# glue), so a page makes two requests, index.js then the wasm, which index.js starts
# fetching and compiling as soon as it runs. The return page's session lookup is a second
# module beside it (feature `return-page`: return.js and guichet_return_bg.wasm), which
# index.js imports only from handleReturn() and resume(): off the checkout's path.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_OPT=node_modules/.bin/wasm-opt
ESBUILD=node_modules/.bin/esbuild
# The features rustc 1.95 enables by default for wasm32-unknown-unknown.
WASM_FEATURES=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
  --enable-mutable-globals --enable-reference-types --enable-multivalue)

bundle() {
  local feature=$1 name=$2 out=pkg/$1
  local target=${CARGO_TARGET_DIR:-target}
  local wasm=$target/wasm32-unknown-unknown/release/guichet.wasm
  if [ "$feature" = edge ]; then
    cargo build --quiet --release --lib --target wasm32-unknown-unknown \
      --no-default-features --features "$feature"
  else
    # The browser's modules hold JavaScript values in wasm-bindgen's JavaScript heap, not
    # an externref table (scripts/no-externref.mjs says why): their crates are compiled
    # without reference-types, in a target directory of their own so that the edge's and
    # the tests' builds, with the default flags, are not rebuilt after them.
    RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=-reference-types" CARGO_TARGET_DIR=$target/lean \
      cargo build --quiet --release --lib --target wasm32-unknown-unknown \
      --no-default-features --features "$feature"
    mkdir -p "$target/lean/bindgen"
    node scripts/no-externref.mjs "$target/lean/wasm32-unknown-unknown/release/guichet.wasm" \
      "$target/lean/bindgen/$name.wasm"
    wasm=$target/lean/bindgen/$name.wasm
  fi
  rm -rf "$out.tmp" && mkdir -p "$out.tmp"
  # The edge's entry points replace an instance that trapped (js/edge/guard.js).
  local reset=()
  [ "$feature" = edge ] && reset=(--experimental-reset-state-function)
  wasm-bindgen "$wasm" \
    --target web --out-dir "$out.tmp" --out-name "$name" \
    --remove-producers-section "${reset[@]}"
  # Needs the name section, which --strip-debug then removes. The browser formats nothing
  # and runs no future: its table's Display, fmt::Write and waker methods go too
  # (--no-fmt), once the call graph shows nothing else reaches formatting (--check-no-fmt).
  # --low-memory-unused (both bundles): Rust's stack sits below its data and grows down
  # towards 0, so no pointer lands in the first 1 KB; constant offsets then fold into
  # loads and stores (the edge: -1.9 KB gzip).
  local lean=()
  if [ "$feature" != edge ]; then
    lean=(--no-fmt)
  fi
  node scripts/panic-trap.mjs "${lean[@]}" "$out.tmp/${name}_bg.wasm"
  if [ "$feature" != edge ]; then
    node scripts/panic-trap.mjs --check-no-fmt "$out.tmp/${name}_bg.wasm"
  fi
  # --flatten --rereloop first: rustc's control flow rebuilt by binaryen's relooper, then
  # shrunk, gives -0.9 KB gzip on the edge and -64 B on the browser's path against -Oz alone
  # (bench/PROFILE.md, round 8, wasm-opt passes).
  "$WASM_OPT" --flatten --rereloop -Oz -Oz --converge --low-memory-unused --strip-debug --strip-producers --strip-target-features \
    "${WASM_FEATURES[@]}" "$out.tmp/${name}_bg.wasm" -o "$out.tmp/${name}_bg.wasm"
  # Short import and export names in the wasm and the glue; exports the glue never reads
  # dropped, so the wasm-opt run below removes their code. The edge's imports also declare
  # their wasm type's parameters (--arity: no wrapper left to compile when Node or workerd
  # instantiates it).
  local arity=()
  [ "$feature" = edge ] && arity=(--arity)
  node scripts/minify-imports.mjs "${arity[@]}" "$out.tmp" "$name"
  # Functions placed next to the ones they most resemble (scripts/order-functions.mjs names
  # them by rank, wasm-opt sorts by name): about -5 KB gzip on the edge. Reading the module
  # back leaves binaryen's multivalue locals in it, which the second -Oz removes again.
  node scripts/order-functions.mjs "$out.tmp/${name}_bg.wasm" "$out.tmp/ranked.wasm"
  "$WASM_OPT" -Oz --reorder-functions-by-name --low-memory-unused --strip-debug --strip-producers --strip-target-features \
    "${WASM_FEATURES[@]}" "$out.tmp/ranked.wasm" -o "$out.tmp/${name}_bg.wasm"
  rm "$out.tmp/ranked.wasm"
  if [ "$feature" = return-page ]; then
    # Bundled with the browser's sources below (bundle browser).
    :
  elif [ "$feature" = browser ]; then
    # The sources beside the glue they import, bundled into index.js (and the return
    # page's lookup, beside its own glue, into return.js), then removed.
    cp js/browser/*.js pkg/return-page/guichet_return.js pkg/return-page/guichet_return_bg.wasm "$out.tmp/"
    "$ESBUILD" --log-level=warning --minify --format=esm --bundle --allow-overwrite \
      --external:./return.js "$out.tmp/index.js" --outfile="$out.tmp/index.js"
    "$ESBUILD" --log-level=warning --minify --format=esm --bundle --allow-overwrite \
      "$out.tmp/return.js" --outfile="$out.tmp/return.js"
    for f in js/browser/*.js; do
      case "${f##*/}" in index.js | return.js) ;; *) rm "$out.tmp/${f##*/}" ;; esac
    done
    rm "$out.tmp/$name.js" "$out.tmp/$name.d.ts" "$out.tmp/${name}_bg.wasm.d.ts" "$out.tmp/guichet_return.js"
    rm -rf pkg/return-page
    cp js/browser/index.d.ts "$out.tmp/"
  else
    # After a trap, js/edge/guard.js replaces the instance; a callback the old one left
    # behind (a provider's answer arriving later) must then do nothing. wasm-bindgen
    # throws instead, inside a promise reaction: an unhandled rejection, which ends a
    # Node process. Done before minifying, which rewrites the text; the build fails if
    # wasm-bindgen's text ever changes.
    local stale="throw new Error('Cannot invoke closure from previous WASM instance');"
    grep -qF "$stale" "$out.tmp/$name.js"
    sed -i "s/$stale/return; \/\/ a closure of a replaced instance (js\/edge\/guard.js)/" "$out.tmp/$name.js"
    cp js/"$feature"/* "$out.tmp/"
    # Each entry carries guard.js and the glue in one module, which esbuild minifies and
    # rids of the glue's exports nothing calls. For Node and Deno (index.js): Node's loader
    # reads each module with asynchronous file reads, a second level of imports costs a
    # cold start 1 to 3 ms (bench/PROFILE.md, round 8). For workerd (worker.js, beside the
    # wasm it imports): 1.4 KB gzip less than the three modules apart (round 9).
    "$ESBUILD" --log-level=warning --minify --bundle --format=esm --platform=neutral --allow-overwrite \
      --external:node:fs --external:./ledger-url.js "$out.tmp/index.js" --outfile="$out.tmp/index.js"
    "$ESBUILD" --log-level=warning --minify --bundle --format=esm --platform=neutral --allow-overwrite \
      --external:./${name}_bg.wasm "$out.tmp/worker.js" --outfile="$out.tmp/worker.js"
    rm "$out.tmp/guard.js" "$out.tmp/$name.js" "$out.tmp/$name.d.ts" "$out.tmp/${name}_bg.wasm.d.ts"
  fi
  rm -rf "$out" && mv "$out.tmp" "$out"
}

bundle return-page guichet_return
bundle browser guichet
bundle edge guichet_edge
node scripts/sizes.mjs
