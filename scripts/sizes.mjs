// Prints the size of each bundle, raw and gzip -9, and with --check enforces the budgets
// (tests/js/budgets.test.mjs asserts the same): the browser's is what a storefront
// downloads before its checkout button works (all of pkg/browser: index.js and the
// wasm), the edge's what a Workers deployment uploads (EDGE_WORKERD_FILES).
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

// 31.2 KB measured (issue #18 round 4: no formatting, panic or future code left through
// the function table, 8 fewer imports, no generic join; bench/PROFILE.md); the issue aims
// at 28 KB.
export const BROWSER_BUDGET_GZIP = 31.5 * 1024;
// 271.8 KB measured (issue #18 round 5: one shared provider-call loop, one payout
// exchange, fewer await points; round 4 read JSON through http::ValueReader and
// http::Fields, 318.4 KB before; bench/PROFILE.md); issue #18 aims at 180 KB.
export const EDGE_WORKERD_BUDGET_GZIP = 272.0 * 1024;
/** The files workerd loads: its entry, the wasm-bindgen glue and the wasm. */
export const EDGE_WORKERD_FILES = ["worker.js", "guichet_edge.js", "guichet_edge_bg.wasm"];

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
    if (name === "browser") check("browser bundle", gzip, BROWSER_BUDGET_GZIP);
    else {
      const workerd = rows.filter((r) => EDGE_WORKERD_FILES.includes(r.file)).reduce((a, r) => a + r.gzip, 0);
      console.log(`  ${"on workerd".padEnd(24)} ${"".padStart(14)} ${kb(workerd).padStart(10)} gzip -9`);
      check("edge bundle on workerd", workerd, EDGE_WORKERD_BUDGET_GZIP);
    }
  }
  process.exit(failed ? 1 : 0);
}
