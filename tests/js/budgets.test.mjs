// Size budgets of the built bundles (scripts/sizes.mjs holds the figures; `npm run bench`
// measures the time they cost). A budget is lowered when a change makes a bundle smaller,
// never raised to let a change in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { bundleSizes, BROWSER_BUDGET_GZIP, BROWSER_CRITICAL_FILES, EDGE_WORKERD_BUDGET_GZIP, EDGE_WORKERD_FILES } from "../../scripts/sizes.mjs";

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

test(`the browser's critical path (index.js + wasm) stays within ${kb(BROWSER_BUDGET_GZIP)} gzip -9`, () => {
  const { rows } = bundleSizes("pkg/browser");
  // Two requests: the bundled JavaScript, which starts the wasm's fetch when it runs. The
  // return page's lookup (return.js and its wasm) is loaded only by handleReturn() and resume().
  assert.deepEqual(rows.map((r) => r.file).sort(), ["guichet_bg.wasm", "guichet_return_bg.wasm", "index.js", "return.js"]);
  const gzip = rows.filter((r) => BROWSER_CRITICAL_FILES.includes(r.file)).reduce((a, r) => a + r.gzip, 0);
  assert.ok(gzip > 10_000, "the bundle was measured");
  assert.ok(gzip <= BROWSER_BUDGET_GZIP, `${gzip} bytes gzip`);
});

test("the built index.js fetches the wasm as soon as it runs in a page, and never outside one", async () => {
  const index = readFileSync("pkg/browser/index.js", "utf8");
  // No second JavaScript request between the import and the wasm: the one dynamic import
  // is the return page's lookup.
  assert.deepEqual(index.match(/import\([^)]*\)/g), ['import("./return.js")']);
  const fetched = [];
  const realFetch = globalThis.fetch;
  const builtin = process.getBuiltinModule;
  globalThis.fetch = async (url) => {
    fetched.push(String(url));
    throw new Error("no network in this test");
  };
  try {
    // Server-side rendering: importing fetches nothing.
    await import("../../pkg/browser/index.js?ssr");
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(fetched, []);
    // In a page (a window, no Node built-ins to read files with): the wasm is requested
    // during the import itself.
    globalThis.window = globalThis;
    process.getBuiltinModule = undefined;
    await import("../../pkg/browser/index.js?page");
    assert.equal(fetched.length, 1);
    assert.match(fetched[0], /\/pkg\/browser\/guichet_bg\.wasm$/);
    await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    delete globalThis.window;
    globalThis.fetch = realFetch;
    process.getBuiltinModule = builtin;
  }
});

test(`the edge bundle on workerd stays within ${kb(EDGE_WORKERD_BUDGET_GZIP)} gzip -9`, () => {
  const { rows } = bundleSizes("pkg/edge");
  const files = rows.filter((r) => EDGE_WORKERD_FILES.includes(r.file));
  assert.deepEqual(files.map((r) => r.file).sort(), [...EDGE_WORKERD_FILES].sort(), "every file workerd loads was measured");
  const gzip = files.reduce((a, r) => a + r.gzip, 0);
  assert.ok(gzip > 100_000, "the bundle was measured");
  assert.ok(gzip <= EDGE_WORKERD_BUDGET_GZIP, `${gzip} bytes gzip`);
  // The workerd entry imports exactly these files: nothing it loads goes unmeasured.
  const worker = readFileSync("pkg/edge/worker.js", "utf8");
  const imported = [...worker.matchAll(/(?:\bfrom|\bimport)\s*(?:\(\s*)?["']([^"']+)["']/g)].map((m) => m[1]);
  assert.deepEqual(imported.sort(), EDGE_WORKERD_FILES.filter((f) => f !== "worker.js").map((f) => `./${f}`).sort());
  assert.ok(readdirSync("pkg/edge").includes("index.js"), "the Node and Deno entry is there too");
});
