// The npm package as a merchant gets it: importing is free and safe, the browser bundle
// holds nothing of the edge and stays within its size budget.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { bundleSizes, BROWSER_BUDGET_GZIP } from "../../scripts/sizes.mjs";

test("importing guichet in Node, as server-side rendering does, touches no browser global", async () => {
  assert.equal(typeof globalThis.window, "undefined");
  const guichet = await import("guichet");
  assert.equal(typeof guichet.validateCheckout, "function");
  // Constructing a Guichet during rendering loads nothing either.
  const checkout = new guichet.Guichet({ endpoint: "/api", provider: "moneroo" });
  assert.equal(typeof checkout.open, "function");
  // CinetPay's face refuses the key its own SDK puts in the page.
  assert.throws(() => checkout.setConfig({ apikey: "k", site_id: "1" }), /no API key in the page/);
  // The wasm is loaded on first use; in Node that first use is the caller's choice, and a
  // fetch of a file URL is not available, so nothing has been attempted yet.
  assert.equal(typeof globalThis.window, "undefined");
});

test("the package exports the browser and edge entries with their types", () => {
  const pkg = JSON.parse(readFileSync("package.json", "utf8"));
  assert.equal(pkg.exports["."].default, "./pkg/browser/index.js");
  assert.equal(pkg.exports["./edge"].workerd, "./pkg/edge/worker.js");
  for (const entry of [pkg.exports["."], pkg.exports["./edge"]]) {
    assert.ok(readFileSync(entry.types, "utf8").includes("export"), entry.types);
  }
  assert.deepEqual(pkg.files.filter((f) => f.startsWith("src")), [], "no Rust sources in the package");
});

test("the browser build's dependency tree has no HMAC or SHA-2 crate", () => {
  const tree = execFileSync(
    "cargo",
    ["tree", "--target", "wasm32-unknown-unknown", "--no-default-features", "--features", "browser", "-e", "normal", "--prefix", "none"],
    { encoding: "utf8" },
  );
  assert.match(tree, /^wasm-bindgen /m, "the tree was read");
  for (const crate of ["hmac", "sha2", "digest", "serde_json", "gloo-net"]) {
    assert.doesNotMatch(tree, new RegExp(`^${crate} `, "m"), `${crate} is in the browser build`);
  }
});

test("the browser .wasm holds none of the edge's names", () => {
  const browser = Buffer.concat(
    readdirSync("pkg/browser").filter((f) => /\.(wasm|js)$/.test(f)).map((f) => readFileSync(`pkg/browser/${f}`)),
  );
  const edge = readFileSync("pkg/edge/guichet_edge_bg.wasm");
  // Names that only the backend knows; each is checked to be in the edge bundle, so the
  // test would notice if the list went stale.
  for (const name of ["GUICHET_ALLOWED_ORIGINS", "GUICHET_BASE_PATH", "access-control-allow-origin", "method_not_allowed"]) {
    assert.ok(edge.includes(name), `${name} should be in the edge bundle`);
    assert.ok(!browser.includes(name), `${name} leaked into the browser bundle`);
  }
});

test(`the browser bundle stays within ${BROWSER_BUDGET_GZIP / 1024} KB gzip`, () => {
  const { gzip } = bundleSizes("pkg/browser");
  assert.ok(gzip > 10_000, "the bundle was measured");
  assert.ok(gzip <= BROWSER_BUDGET_GZIP, `${gzip} bytes gzip`);
});
