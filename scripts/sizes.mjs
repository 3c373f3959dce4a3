// Prints the size of each bundle, raw and gzip -9, and with --check enforces the budgets
// (tests/js/budgets.test.mjs asserts the same): the browser's is what a storefront
// downloads before its checkout button works (index.js and guichet_bg.wasm; the return
// page's lookup, return.js and its wasm, is loaded only by handleReturn() and resume()),
// the edge's what a Workers deployment uploads (EDGE_WORKERD_FILES).
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

// 27.4 KB measured (issue #18 round 9: functions ordered for gzip, short export names and
// unread exports dropped; round 6: the browser's modules on wasm-bindgen's JavaScript
// heap rather than an externref table, strings and errors crossing as JavaScript values,
// integer formatting's digit table blanked, std's panicking functions trapping at entry,
// channels read without a list; round 5: the return page's lookup in a second module;
// bench/PROFILE.md). The bar is 28 KB.
export const BROWSER_BUDGET_GZIP = 27.5 * 1024;
/** The browser's critical path: what a page loads at import. */
export const BROWSER_CRITICAL_FILES = ["index.js", "guichet_bg.wasm"];
// 176.2 KB measured (issue #18 round 10 spent 0.6 KB for 16 % fewer instructions per
// POST /sessions: answers, times, ids and the session token written straight into their
// buffers, URL checks on bytes; 175.6 KB after round 9: the wasm's functions ordered for gzip, worker.js one
// module with guard.js and the glue, short export names, serde_json without std, the memory
// ledger ordered by its index instead of a sort and its methods as ready futures, the SQL
// ledger's writes through one future, fixed errors built out of line; round 8: wasm-opt's
// relooper before -Oz, answers written by one non-generic JSON writer (reply::Json),
// byte searches instead of core's substring searcher, one out-of-line Fields::read
// opening; round 7: the
// SQLite schema bundled without its comments, one SQL path and one row reader, no
// hashbrown, loops instead of one-use iterator adapters, talc as the allocator; round 6:
// std's panicking functions trapped at entry and the panic texts blanked; one
// non-generic SQL query path, field readers that keep their first failure, no second JSON
// parser, serializer or B-tree type, base64 written out; round 5b: the ledger's
// dispatch, one match per method to the backend's boxed future; round 5: edge library code,
// one B-tree type and one sort in the memory ledger, sorted vectors for metadata and the catalog, the storefront's input
// read with http::Fields; route futures, one shared provider-call loop; round 4 read JSON
// through http::ValueReader and http::Fields, 318.4 KB before; bench/PROFILE.md); issue #18
// aimed at 180 KB.
export const EDGE_WORKERD_BUDGET_GZIP = 176.5 * 1024;
/** The files workerd loads: its entry (guard.js and the wasm-bindgen glue bundled in) and the wasm. */
export const EDGE_WORKERD_FILES = ["worker.js", "guichet_edge_bg.wasm"];

export function bundleSizes(dir) {
  const files = readdirSync(dir).filter((f) => f.endsWith(".js") || f.endsWith(".wasm"));
  let raw = 0;
  let gzip = 0;
  const rows = files.map((file) => {
    const bytes = readFileSync(join(dir, file));
    const gz = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gzip += gz;
    return { file, raw: bytes.length, gzip: gz };
  });
  return { rows, raw, gzip };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

if (import.meta.url === `file://${process.argv[1]}`) {
  let failed = false;
  const check = (what, gzip, budget) => {
    if (process.argv.includes("--check") && gzip > budget) {
      console.error(`${what} ${kb(gzip)} gzip is over its ${kb(budget)} budget`);
      failed = true;
    }
  };
  for (const name of ["browser", "edge"]) {
    const { rows, raw, gzip } = bundleSizes(join("pkg", name));
    console.log(`pkg/${name}`);
    for (const r of rows) console.log(`  ${r.file.padEnd(24)} ${kb(r.raw).padStart(10)} raw ${kb(r.gzip).padStart(10)} gzip -9`);
    console.log(`  ${"total".padEnd(24)} ${kb(raw).padStart(10)} raw ${kb(gzip).padStart(10)} gzip -9`);
    if (name === "browser") {
      const critical = rows.filter((r) => BROWSER_CRITICAL_FILES.includes(r.file)).reduce((a, r) => a + r.gzip, 0);
      console.log(`  ${"critical path".padEnd(24)} ${"".padStart(14)} ${kb(critical).padStart(10)} gzip -9`);
      check("browser critical path", critical, BROWSER_BUDGET_GZIP);
    }
    else {
      const workerd = rows.filter((r) => EDGE_WORKERD_FILES.includes(r.file)).reduce((a, r) => a + r.gzip, 0);
      console.log(`  ${"on workerd".padEnd(24)} ${"".padStart(14)} ${kb(workerd).padStart(10)} gzip -9`);
      check("edge bundle on workerd", workerd, EDGE_WORKERD_BUDGET_GZIP);
    }
  }
  process.exit(failed ? 1 : 0);
}
