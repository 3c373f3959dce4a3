// The sweep draws on the provider budget shoppers' reads draw on (src/edge/budget.rs), in
// its own process so that budget starts empty: Moneroo's calls are counted on their way
// to the sandbox, and requests and sweeps together stay within the budget of a minute
// (Moneroo publishes 120 requests a minute), with a reserve the sweep leaves to shoppers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { join } from "node:path";
import { startSandbox, startNode, freePort } from "./support/stack.mjs";

const root = new URL("../../", import.meta.url).pathname;
const customer = { first_name: "Awa", last_name: "Koné", email: "awa@example.ci", phone: "+2250701020304", country: "CI" };
// Fixed in src/edge/budget.rs: status calls a minute per provider, and the sweep's reserve.
const PER_MINUTE = 100;
const RESERVE = 25;
const SESSIONS = 60;

let sandbox, proxy, edge, env;
const calls = []; // every request the edge sent to Moneroo: [method, path]

/** Forwards to the sandbox's Moneroo, counting each request. */
async function countingProxy(target) {
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    calls.push([req.method, req.url]);
    const answer = await fetch(`${target}${req.url}`, { method: req.method, headers: { ...req.headers, host: undefined }, body: chunks.length ? Buffer.concat(chunks) : undefined });
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  const port = await freePort();
  await new Promise((ok) => server.listen(port, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${port}`, stop: () => new Promise((ok) => { server.close(ok); server.closeAllConnections(); }) };
}

before(async () => {
  // Real time: nothing settles on the provider's side while the test runs.
  sandbox = await startSandbox([], { timeScale: 1 });
  proxy = await countingProxy(sandbox.env.MONEROO_BASE_URL);
  const port = await freePort();
  env = {
    ...sandbox.env,
    MONEROO_BASE_URL: proxy.url,
    GUICHET_LEDGER: "memory",
    GUICHET_SESSION_SECRET: "budget-secret-0123456789abcdef",
    GUICHET_CATALOG: JSON.stringify({ "wax-6y": { name: "Wax 6 yards", price: 15000, currency: "XOF" } }),
    GUICHET_PUBLIC_URL: `http://127.0.0.1:${port}`,
    GUICHET_SWEEP_AFTER: "0",
  };
  edge = await startNode(env, port);
});
after(async () => {
  await edge?.stop();
  await proxy?.stop();
  await sandbox?.stop();
});

test("requests and sweeps together stay within a provider's minute, and the sweep leaves shoppers their reserve", async () => {
  const { sweep } = await import(join(root, "pkg/edge/index.js"));
  const started = Date.now();
  const sessions = [];
  for (let i = 0; i < SESSIONS; i++) {
    const response = await fetch(`${edge.url}/api/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ provider: "moneroo", items: [{ sku: "wax-6y", quantity: 1 }], customer }) });
    const session = await response.json();
    assert.equal(response.status, 201, JSON.stringify(session));
    sessions.push(session);
  }
  assert.equal(calls.length, SESSIONS, "one creation each");

  // The sweep finds every session pending; it asks only while more than the reserve is left.
  const report = await sweep(env);
  const bySweep = calls.length - SESSIONS;
  assert.equal(bySweep, PER_MINUTE - RESERVE - SESSIONS, JSON.stringify(report));
  assert.equal(report.checked, bySweep, JSON.stringify(report));
  assert.ok(report.deferred > 0, JSON.stringify(report));
  assert.equal(report.unanswered, 0, "nothing counted as unanswered for want of budget");

  // Shoppers' reads still reach the provider: the reserve is theirs, then the budget is spent.
  const read = (s) => fetch(`${edge.url}/api/sessions/${s.id}`, { headers: { authorization: `Bearer ${s.token}` } }).then((r) => r.json());
  const unchecked = sessions.slice(bySweep);
  for (const session of unchecked.slice(0, RESERVE + 5)) assert.equal((await read(session)).status, "pending");
  assert.equal(calls.length, PER_MINUTE, "the reads took the reserve, and no call past the budget");

  // A sweep now asks nobody, and says it deferred what it found.
  const spent = await sweep(env);
  assert.equal(calls.length, PER_MINUTE, JSON.stringify(spent));
  assert.equal(spent.checked, 0);
  assert.ok(spent.deferred > 0, JSON.stringify(spent));
  assert.ok(Date.now() - started < 60_000, "all of it within one minute (the budget's window)");
  assert.ok(calls.length <= 120, "under Moneroo's published 120 requests a minute");
});
