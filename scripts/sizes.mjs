// Prints the size of each bundle, raw and gzip -9, and with --check enforces the browser
// budget: what a storefront downloads before its checkout button works.
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

export const BROWSER_BUDGET_GZIP = 40 * 1024;

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
  for (const name of ["browser", "edge"]) {
    const { rows, raw, gzip } = bundleSizes(join("pkg", name));
    console.log(`pkg/${name}`);
    for (const r of rows) console.log(`  ${r.file.padEnd(24)} ${kb(r.raw).padStart(10)} raw ${kb(r.gzip).padStart(10)} gzip -9`);
    console.log(`  ${"total".padEnd(24)} ${kb(raw).padStart(10)} raw ${kb(gzip).padStart(10)} gzip -9`);
    if (name === "browser" && process.argv.includes("--check") && gzip > BROWSER_BUDGET_GZIP) {
      console.error(`browser bundle ${kb(gzip)} gzip is over its ${kb(BROWSER_BUDGET_GZIP)} budget`);
      failed = true;
    }
  }
  process.exit(failed ? 1 : 0);
}
