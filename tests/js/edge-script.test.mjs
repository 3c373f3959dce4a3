// `npm run edge` (scripts/edge.mjs) serves the contract against the sandbox: settings from
// a .dev.vars file, overridden by the shell, and a ledger on disk.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, freePort, eventually } from "./support/stack.mjs";

const root = new URL("../../", import.meta.url).pathname;

// On Node (the default) the ledger is ./guichet-ledger.db in the working directory; in
// workerd (GUICHET_EDGE_RUNTIME=workerd) a local D1 database.
for (const runtime of ["node", "workerd"]) {
  test(`npm run edge (${runtime}): .dev.vars and the shell configure the edge, its ledger on disk`, async () => {
    const sandbox = await startSandbox();
    after(() => sandbox.stop());
    const dir = mkdtempSync(join(tmpdir(), "guichet-edge-"));
    const port = await freePort();
    const vars = { ...sandbox.env, GUICHET_SESSION_SECRET: "from-dev-vars", GUICHET_PUBLIC_URL: `http://127.0.0.1:${port}`, GUICHET_CATALOG: JSON.stringify({ pagne: { name: "Pagne", price: 9000, currency: "XOF" } }) };
    writeFileSync(join(dir, ".dev.vars"), `# local settings\n${Object.entries(vars).map(([k, v]) => `${k}='${v}'`).join("\n")}\nGUICHET_ALLOWED_ORIGINS=http://wrong.example\n`);
    const edge = spawn(process.execPath, [join(root, "scripts/edge.mjs")], {
      cwd: runtime === "node" ? dir : root,
      env: { ...process.env, GUICHET_EDGE_RUNTIME: runtime, GUICHET_EDGE_PORT: String(port), GUICHET_DEV_VARS: join(dir, ".dev.vars"), GUICHET_EDGE_D1: join(dir, "d1"), GUICHET_ALLOWED_ORIGINS: "http://shop.test" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    after(() => edge.kill("SIGTERM"));
    const url = `http://127.0.0.1:${port}/api`;
    await eventually(() => fetch(`${url}/health`).then((r) => r.ok, () => false), 30_000, "the edge to answer");
    const health = await (await fetch(`${url}/health`)).json();
    assert.equal(health.ledger, runtime === "node" ? "sqlite" : "d1");

    const opened = await fetch(`${url}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://shop.test" },
      body: JSON.stringify({ provider: "moneyfusion", items: [{ sku: "pagne", quantity: 2 }], customer: { first_name: "Awa", last_name: "Koné", phone: "+2250701020304" } }),
    });
    const session = await opened.json();
    assert.equal(opened.status, 201, JSON.stringify(session));
    assert.equal(session.amount, 18000);
    assert.equal(opened.headers.get("access-control-allow-origin"), "http://shop.test", "the shell overrides .dev.vars");
    const read = await fetch(`${url}/sessions/${session.id}`, { headers: { authorization: `Bearer ${session.token}` } });
    assert.equal((await read.json()).status, "pending");
    if (runtime === "node") assert.ok(readdirSync(dir).includes("guichet-ledger.db"), "the ledger is ./guichet-ledger.db");
    else assert.ok(readdirSync(join(dir, "d1")).length > 0, "the ledger is on disk");
  });
}
