// The README's recipes, run from the packed package in a fresh project as a merchant runs
// them: Hono and Express on Node, a Next.js route handler, Deno (the README's command and
// a server of its own), and Workers through `wrangler deploy --dry-run` with the README's
// wrangler.toml. Each takes one order paid on the sandbox, or, for Workers, bundles.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, startSandbox } from "./support/stack.mjs";
import { merchantProject, payOneOrder, root, serveUntil, shopSettings } from "./support/merchant.mjs";

const readme = readFileSync(join(root, "README.md"), "utf8");
const deno = join(root, "node_modules/.bin/deno");
const origin = "http://shop.test";
let shop;
let sandbox;

before(async () => {
  shop = merchantProject(["hono", "@hono/node-server", "express"]);
  // Real clocks: at the tests' usual 0.001, Moneroo abandons a payment after 300 ms.
  sandbox = await startSandbox([], { timeScale: 1 });
});
after(async () => {
  await sandbox?.stop();
  shop?.dispose();
});

/** The README's fenced block whose first line matches `first`. */
function readmeBlock(lang, first) {
  const blocks = [...readme.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]);
  const block = blocks.find((b) => first.test(b));
  assert.ok(block, `the README has a ${lang} block matching ${first}`);
  return block;
}

/** A recipe as the package ships it, copied into the project. */
function recipe(path, to = path.split("/").pop()) {
  const target = join(shop.project, to);
  mkdirSync(join(target, ".."), { recursive: true });
  copyFileSync(join(shop.project, "node_modules/guichet/docs/recipes", path), target);
  assert.ok(readme.includes(`docs/recipes/${path}`), `the README names docs/recipes/${path}`);
  return target;
}

/** Runs a shipped recipe on a free port and pays one order through it. */
async function serveAndPay(command, args) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await serveUntil(command, args, {
    cwd: shop.project,
    env: { ...sandbox.env, ...shopSettings(url, origin), PORT: String(port), DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
  });
  try {
    assert.equal(server.match[1], url);
    assert.equal(await (await fetch(`${url}/`)).text(), "Chez Awa", "the shop's own route answers");
    assert.equal((await payOneOrder(assert, { api: `${url}/api`, origin, sandbox: sandbox.url })).amount, 30000);
    return { url, server };
  } finally {
    await server.stop();
  }
}

test("Hono on Node: the shipped recipe takes a paid order", async () => {
  await serveAndPay(process.execPath, [recipe("hono.mjs")]);
});

test("Express on Node: the shipped recipe, with express.json() in front, takes a paid order", async () => {
  await serveAndPay(process.execPath, [recipe("express.mjs")]);
});

test("Express with a body parser that keeps nothing: a clear 500 body_already_read, naming the fix", async () => {
  const script = join(shop.project, "express-plain.mjs");
  writeFileSync(
    script,
    `import express from "express";
import { handler } from "guichet/edge/node";
const app = express();
app.use(express.json());
app.use("/api", handler(process.env));
const port = Number(process.env.PORT);
app.listen(port, "127.0.0.1", () => console.log("listening on http://127.0.0.1:" + port));
`,
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await serveUntil(process.execPath, [script], { cwd: shop.project, env: { ...sandbox.env, ...shopSettings(url, origin), PORT: String(port) }, ready: /listening on/ });
  try {
    assert.equal((await fetch(`${url}/api/health`)).status, 200, "a GET has no body to lose");
    const answer = await fetch(`${url}/api/sessions`, { method: "POST", headers: { "content-type": "application/json", origin }, body: JSON.stringify({ provider: "moneroo" }) });
    const { error } = await answer.json();
    assert.equal(answer.status, 500);
    assert.equal(error.code, "body_already_read");
    assert.match(error.message, /POST \/api\/sessions/);
    assert.match(error.message, /express\.json\(\{ verify: keepRawBody \}\)/);
  } finally {
    await server.stop();
  }
});

// `next build` is not run (Next.js and its compiler are hundreds of MB): the shipped route
// module is imported as Next's Node runtime imports it, and called with Requests.
test("Next.js route handler: the shipped module answers GET, POST and OPTIONS and takes a paid order", async () => {
  const route = recipe("next/app/api/[...guichet]/route.js", "app/api/[...guichet]/route.js");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const saved = { ...process.env };
  Object.assign(process.env, sandbox.env, shopSettings(url, origin));
  after(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  });
  const handlers = await import(route);
  assert.equal(handlers.runtime, "nodejs");
  for (const method of ["GET", "POST", "OPTIONS"]) assert.equal(typeof handlers[method], "function", method);
  // A tiny stand-in for Next's server: each request goes to the exported handler.
  const { createServer } = await import("node:http");
  const { toRequest, send } = await import(join(shop.project, "node_modules/guichet/pkg/edge/node.js"));
  const server = createServer(async (req, res) => send(res, await handlers[req.method](await toRequest(req))));
  await new Promise((ok) => server.listen(port, "127.0.0.1", ok));
  after(() => server.close());
  const preflight = await fetch(`${url}/api/sessions`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
  assert.equal(preflight.headers.get("access-control-allow-origin"), origin);
  assert.equal((await payOneOrder(assert, { api: `${url}/api`, origin, sandbox: sandbox.url })).amount, 30000);
});

test("Deno: the README's deno serve command, bound to 127.0.0.1, takes a paid order", async () => {
  const command = readmeBlock("sh", /^deno serve /).trim();
  assert.match(command, /--host 127\.0\.0\.1/);
  const port = await freePort();
  const args = command.replace(/^deno /, "").replace(/--port \d+/, `--port ${port}`).split(/\s+/);
  const url = `http://127.0.0.1:${port}`;
  const server = await serveUntil(deno, args, {
    cwd: shop.project,
    env: { ...sandbox.env, ...shopSettings(url, origin), DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    ready: new RegExp(`Listening on http://127\\.0\\.0\\.1:${port}/`),
  });
  try {
    assert.equal((await payOneOrder(assert, { api: `${url}/api`, origin, sandbox: sandbox.url })).amount, 30000);
  } finally {
    await server.stop();
  }
});

test("Deno: the shipped server with routes of its own takes a paid order", async () => {
  await serveAndPay(deno, ["run", "--allow-net", "--allow-read", "--allow-env", recipe("deno.js")]);
});

test("validateCheckout and formatAmount run in Node and Deno, the wasm read from the package", async () => {
  const script = `import { validateCheckout, formatAmount } from "guichet";
const report = await validateCheckout({ provider: "moneroo", items: [], customer: {} }, "en");
console.log(JSON.stringify({ codes: report.violations.map((v) => v.code), amount: await formatAmount(12500, "XOF") }));`;
  writeFileSync(join(shop.project, "checks.mjs"), script);
  const expected = { codes: ["empty_cart", "required", "required", "required"], amount: "12\u202f500\u00a0F\u202fCFA" };
  // No network at all: a fetch would fail.
  const node = execFileSync(process.execPath, ["checks.mjs"], { cwd: shop.project, encoding: "utf8" });
  assert.deepEqual(JSON.parse(node), expected);
  const inDeno = execFileSync(deno, ["run", "--allow-read", "--allow-env", "checks.mjs"], { cwd: shop.project, encoding: "utf8", env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" } });
  assert.deepEqual(JSON.parse(inDeno), expected);
});

test("Workers: wrangler deploy --dry-run bundles the README's wrangler.toml", () => {
  const toml = readmeBlock("toml", /^# wrangler\.toml/);
  assert.doesNotMatch(toml, /^rules\s*=/m, "no rules line: wrangler warns it has no fallback");
  writeFileSync(join(shop.project, "wrangler.toml"), toml);
  const run = spawnSync(join(root, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", "dist"], {
    cwd: shop.project,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_LOG_PATH: join(shop.dir, "wrangler-logs"), NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  const out = `${run.stdout}${run.stderr}`;
  assert.equal(run.status, 0, out);
  const size = out.match(/Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/);
  assert.ok(size, out);
  assert.doesNotMatch(out, /fallback|WARNING|▲/, out);
  const [, raw, gzip] = size.map(Number);
  console.log(`# wrangler deploy --dry-run: ${raw} KiB, ${gzip} KiB gzip`);
  assert.ok(gzip < 3 * 1024, "within Workers' free-plan 3 MB limit");
  assert.match(out, /env\.GUICHET_LEDGER \(guichet-ledger\)\s+D1 Database/);
});

test("every 'not available' answer names the setting that would make it available", async () => {
  const { fetch: guichet } = await import(join(shop.project, "node_modules/guichet/pkg/edge/index.js"));
  const env = { ...shopSettings("http://127.0.0.1:1", origin), MONEROO_SECRET_KEY: "pvk_only_the_key" };
  const call = async (path, init) => {
    const answer = await guichet(new Request(`http://127.0.0.1:1/api${path}`, init), env);
    return { status: answer.status, ...(await answer.json()).error };
  };
  const checkout = (provider) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ provider, items: [{ sku: "wax-6y", quantity: 1 }], customer: { first_name: "Awa", last_name: "Koné", email: "awa@example.ci", phone: "+2250701020304" }, lang: "en" }) });
  const cinetpay = await call("/sessions", checkout("cinetpay"));
  assert.equal(cinetpay.code, "provider_not_available");
  assert.match(cinetpay.message, /CINETPAY_API_KEY, CINETPAY_SITE_ID, CINETPAY_SECRET_KEY/);
  assert.match((await call("/sessions", checkout("moneyfusion"))).message, /MONEYFUSION_API_URL/);
  const webhook = await call("/webhooks/cinetpay", { method: "POST", body: "cpm_trans_id=1" });
  assert.deepEqual([webhook.status, webhook.code], [404, "provider_not_configured"]);
  assert.match(webhook.message, /CINETPAY_SECRET_KEY/);
  const moneroo = await call("/webhooks/moneroo", { method: "POST", headers: { "x-moneroo-signature": "00" }, body: "{}" });
  assert.deepEqual([moneroo.status, moneroo.code], [503, "webhook_not_configured"]);
  assert.match(moneroo.message, /MONEROO_WEBHOOK_SECRET/);
  const orders = await call("/orders", { method: "POST", body: "{}" });
  assert.deepEqual([orders.code, orders.message], ["not_configured", "GUICHET_ADMIN_KEY is not set on this backend"]);
});
