// The edge bundle, unchanged, inside workerd (through miniflare) and inside Node: the same
// requests get the same answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { inProcess } from "./support/stack.mjs";

const version = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url))).version;
const env = { GUICHET_ALLOWED_ORIGINS: "https://shop.ci" };

const { runtimes, node } = await inProcess(env);

for (const [name, send] of Object.entries(runtimes)) {
  test(`${name}: health answers with the version, CORS only for allowed origins`, async () => {
    const ok = await send("http://edge.test/api/health", { headers: { Origin: "https://shop.ci" } });
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get("content-type"), /^application\/json/);
    assert.equal(ok.headers.get("access-control-allow-origin"), "https://shop.ci");
    // No ledger is configured here: health says so (routes that record answer 503).
    assert.deepEqual(await ok.json(), { ok: true, version, ledger: "none" });

    const foreign = await send("http://edge.test/api/health", { headers: { Origin: "https://evil.example" } });
    assert.equal(foreign.headers.get("access-control-allow-origin"), null);
    await foreign.arrayBuffer();
  });

  test(`${name}: unknown routes and wrong methods answer in the error form`, async () => {
    const missing = await send("http://edge.test/api/nope");
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, "not_found");

    const wrong = await send("http://edge.test/api/health", { method: "POST", body: "{}" });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "GET");
    assert.equal((await wrong.json()).error.code, "method_not_allowed");
  });

  test(`${name}: a preflight from a foreign origin is refused`, async () => {
    const refused = await send("http://edge.test/api/sessions", { method: "OPTIONS", headers: { Origin: "https://evil.example" } });
    assert.equal(refused.status, 403);
    await refused.arrayBuffer();
    const allowed = await send("http://edge.test/api/sessions", { method: "OPTIONS", headers: { Origin: "https://shop.ci" } });
    assert.equal(allowed.status, 204);
    assert.match(allowed.headers.get("access-control-allow-headers"), /authorization/);
  });
}

test("node: with no ledger configured, a route that reads one answers 503 ledger_not_configured", async () => {
  const key = "admin-key-of-this-test-0123456789abcdef";
  const answer = await node.fetch(
    new Request("http://edge.test/api/orders/ord-0123456789abcdef", { headers: { Authorization: `Bearer ${key}` } }),
    { ...env, GUICHET_ADMIN_KEY: key },
  );
  const body = await answer.json();
  assert.equal(answer.status, 503, JSON.stringify(body));
  assert.equal(body.error.code, "ledger_not_configured");
  assert.match(body.error.message, /GUICHET_LEDGER/);
});

// The settings are built once and kept while every setting they were read from is the same
// (`===`) in the env the next request brings: Node's process.env can change under a running
// server, and Deno hands a new env object to every request.
test("node: a setting changed between two requests is read by the second, a foreign one changes nothing", async () => {
  const own = { GUICHET_ALLOWED_ORIGINS: "https://shop.ci" };
  const health = async (origin) => {
    const answer = await node.fetch(new Request("http://edge.test/api/health", { headers: { Origin: origin } }), own);
    return [answer.headers.get("access-control-allow-origin"), (await answer.json()).ledger];
  };
  assert.deepEqual(await health("https://market.ci"), [null, "none"]);

  own.GUICHET_ALLOWED_ORIGINS = "https://shop.ci,https://market.ci";
  own.GUICHET_LEDGER = "memory";
  assert.deepEqual(await health("https://market.ci"), ["https://market.ci", "memory"]);

  own.SOMETHING_ELSE = "1";
  assert.deepEqual(await health("https://market.ci"), ["https://market.ci", "memory"]);

  delete own.GUICHET_LEDGER;
  own.GUICHET_ALLOWED_ORIGINS = "https://shop.ci";
  assert.deepEqual(await health("https://market.ci"), [null, "none"]);
  // The other tests' env is still read as itself.
  const theirs = await node.fetch(new Request("http://edge.test/api/health", { headers: { Origin: "https://shop.ci" } }), env);
  assert.equal(theirs.headers.get("access-control-allow-origin"), "https://shop.ci");
  await theirs.arrayBuffer();
});

// The costly settings (keys, catalog, adapters) are built when a route first needs them,
// from the env of the latest request whose settings were unchanged, and kept while what
// they read stays the same: a request that needs none of them (health) builds none.
test("node: the provider settings are read when a route first needs them, and read again once changed", async () => {
  const checkout = JSON.stringify({
    provider: "moneroo",
    items: [{ sku: "pagne-wax", quantity: 1 }],
    customer: { first_name: "Awa", last_name: "Koné", email: "awa@example.ci", phone: "+2250701020304", country: "CI" },
    lang: "en",
  });
  const own = { GUICHET_ALLOWED_ORIGINS: "https://market.ci" };
  const session = async (settings) => {
    const answer = await node.fetch(new Request("http://edge.test/api/sessions", { method: "POST", body: checkout }), settings);
    const body = await answer.json();
    return [answer.status, body.error.code, body.error.message];
  };
  const health = await node.fetch(new Request("http://edge.test/api/health"), own);
  assert.equal(health.status, 200);
  await health.arrayBuffer();

  // A new env object with the same settings, and Moneroo's key since: read by the first route that needs it.
  const withKey = { ...own, MONEROO_SECRET_KEY: "pvk_test" };
  assert.deepEqual(await session(withKey), [500, "not_configured", "GUICHET_SESSION_SECRET is not set on this backend"]);
  // Read, kept, and read again once it changes.
  delete withKey.MONEROO_SECRET_KEY;
  const [status, code, message] = await session(withKey);
  assert.deepEqual([status, code], [422, "provider_not_available"]);
  assert.match(message, /MONEROO_SECRET_KEY: not set/);
});
