// The npm package as a merchant gets it: importing is free and safe, the browser bundle
// holds nothing of the edge (its size budget is in budgets.test.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

test("importing guichet in Node, as server-side rendering does, touches no browser global", async () => {
  assert.equal(typeof globalThis.window, "undefined");
  const guichet = await import("guichet");
  assert.equal(typeof guichet.validateCheckout, "function");
  // Constructing a Guichet during rendering loads nothing either.
  const checkout = new guichet.Guichet({ endpoint: "/api", provider: "moneroo" });
  assert.equal(typeof checkout.open, "function");
  // CinetPay's face refuses the key its own SDK puts in the page.
  assert.throws(() => checkout.setConfig({ apikey: "k", site_id: "1" }), /no API key in the page/);
  // The wasm is loaded on first use (read from the package on a server: see
  // recipes.test.mjs), so nothing has been attempted yet.
  assert.equal(typeof globalThis.window, "undefined");
});

test("npm pack ships the bundles, the edge reference, the recipes, the migrations and the licence, nothing else", () => {
  const [{ files }] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
  const shipped = files.map((f) => f.path).sort();
  const expected = [
    "LICENSE",
    "README.md",
    "package.json",
    "docs/EDGE.md",
    "docs/recipes/deno.js",
    "docs/recipes/express.mjs",
    "docs/recipes/hono.mjs",
    "docs/recipes/next/app/api/[...guichet]/route.js",
    ...readdirSync("migrations", { recursive: true }).filter((f) => f.endsWith(".sql")).map((f) => `migrations/${f}`),
    // The browser bundle is one module (the wasm-bindgen glue bundled in) and its wasm, and
    // the return page's lookup (return.js, its wasm), imported only by handleReturn() and resume().
    ...["guichet_bg.wasm", "guichet_return_bg.wasm", "index.d.ts", "index.js", "return.js"].map((f) => `pkg/browser/${f}`),
    ...["guichet_edge_bg.wasm", "index.d.ts", "index.js", "ledger-migrate.js", "ledger-migrations.js", "ledger-postgres.js", "ledger-sqlite.js", "ledger-url.js", "node.d.ts", "node.js", "worker.d.ts", "worker.js"].map((f) => `pkg/edge/${f}`),
  ].sort();
  assert.deepEqual(shipped, expected);
  assert.ok(readdirSync("migrations").some((f) => f.endsWith(".sql")), "the migrations were listed");

  const pkg = JSON.parse(readFileSync("package.json", "utf8"));
  assert.equal(pkg.license, "MIT");
  assert.match(readFileSync("LICENSE", "utf8"), /^MIT License/);
  assert.match(pkg.repository.url, /^git\+https:\/\/.+\.git$/);
  // Every file of the package the README names is in it; no file outside the repository.
  const readme = readFileSync("README.md", "utf8");
  const named = [...readme.matchAll(/node_modules\/guichet\/([\w./\[\]-]+[\w\]])/g)].map((m) => m[1]);
  assert.ok(named.includes("docs/EDGE.md"), "the README points to the edge reference in the package");
  for (const path of named) assert.ok(shipped.some((f) => f === path || f.startsWith(`${path}/`)), `README names node_modules/guichet/${path}`);
  assert.doesNotMatch(readme, /\.\.\/shared\/|tests\/js\/support\/stack\.mjs/, "no file outside the package or the repository's documented layout");
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

// The shipped files, not the sources: the build minifies the JavaScript and renames the
// wasm's imports, which the Rust tests in Chromium (tests/wasm_browser.rs) do not see.
test("the built browser bundle validates, formats and runs a checkout in Chromium", async (t) => {
  const { chromium } = await import("playwright-core");
  const { createServer } = await import("node:http");
  const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };
  const page = `<!doctype html><button>Payer</button><script type="module">
    import { Guichet, validateCheckout, formatAmount } from "/pkg/browser/index.js";
    const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    let gets = 0;
    const real = window.fetch;
    window.fetch = async (url, init = {}) => {
      if (!String(url).startsWith("/api/")) return real(url, init);
      if (init.method === "POST") {
        return json(201, { id: "ses_built", token: "v1.k.ses_built.sig", provider: "cinetpay",
          checkout_url: location.origin + "/checkout", amount: 15000, currency: "XOF", status: "pending" });
      }
      gets += 1;
      return json(200, { id: "ses_built", provider: "cinetpay", amount: 15000, currency: "XOF",
        reference: "ORD-1", status: gets > 1 ? "succeeded" : "pending" });
    };
    const report = await validateCheckout({ provider: "moneroo", items: [], customer: {} }, "en");
    const amount = await formatAmount(12500, "XOF");
    const guichet = new Guichet({ endpoint: "/api", provider: "cinetpay", sandbox: true, pollInterval: 100, display: "overlay" });
    const events = [];
    for (const type of ["ready", "success", "close"]) guichet.on(type, () => events.push(type));
    const outcome = await guichet.open({ order_id: "ORD-1", customer: {} });
    // What the wasm refuses reaches the page as a rejection: options (a provider key) and
    // amounts it cannot write.
    const refused = await new Guichet({ endpoint: "/api", apiKey: "k", display: "redirect" })
      .open({ order_id: "ORD-1", customer: {} })
      .then(() => "resolved", (e) => [e.name, e.code, e.field].join(" "));
    const unwritable = await Promise.all([formatAmount(12.5, "XOF"), formatAmount(100, "BTC")].map((p) =>
      p.then(() => "resolved", (e) => e instanceof Error && e.message)));
    window.result = { codes: report.violations.map((v) => v.code), ok: report.ok, amount, status: outcome.status, events, refused, unwritable };
  </script>`;
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const file = path === "/" ? null : path.startsWith("/pkg/browser/") ? path.slice(1) : undefined;
    if (file === undefined) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": types[file ? file.slice(file.lastIndexOf(".")) : ".html"] });
    res.end(file ? readFileSync(file) : page);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  t.after(() => server.close());
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium" });
  t.after(() => browser.close());
  const tab = await browser.newPage();
  const errors = [];
  tab.on("pageerror", (error) => errors.push(error.message));
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  const result = await tab.waitForFunction(() => window.result, null, { timeout: 10_000 }).then((h) => h.jsonValue());
  assert.deepEqual(errors, []);
  assert.equal(result.ok, false);
  assert.deepEqual(result.codes, ["empty_cart", "required", "required", "required"]);
  assert.equal(result.amount, "12\u202f500\u00a0F\u202fCFA");
  assert.equal(result.status, "succeeded");
  assert.deepEqual(result.events, ["ready", "success", "close"]);
  assert.equal(result.refused, "GuichetError invalid_options apiKey");
  assert.deepEqual(result.unwritable, [
    "amount: a whole number of minor units is required",
    "currency: not one of the supported ISO 4217 codes",
  ]);
});
