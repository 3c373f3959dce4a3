// Transient ledger errors are tried again before any 503 (src/edge/ledger/sql/binding.rs),
// on the real databases of Node and Deno:
// a SQLite file whose write lock another process holds: held for a moment, the shopper's
// session is recorded after a logged retry; held past every try, the edge answers the
// clear 503 `ledger_unavailable`, and serves again once the lock is gone. Every step waits
// for a condition (the lock taken, the retry logged), never for a fixed time. (Which
// PostgreSQL and D1 errors are tried again is checked in binding.rs's unit tests.)
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, startNode, freePort, eventually } from "./support/stack.mjs";

const root = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "guichet-ledger-transient-"));
const customer = { first_name: "Awa", last_name: "Koné", email: "awa@example.ci", phone: "+2250701020304", country: "CI" };

// The edge runs in this process: its log lines (console.error) are read here.
const logged = [];
const consoleError = console.error;
let sandbox;
before(async () => {
  console.error = (...args) => {
    logged.push(args.join(" "));
    consoleError(...args);
  };
  sandbox = await startSandbox();
});
/** Stops an edge and closes the ledgers it opened (before their database goes away). */
async function stopEdge(edge) {
  await edge?.stop();
  const { closeLedgers } = await import(join(root, "pkg/edge/index.js"));
  await closeLedgers();
}

after(async () => {
  console.error = consoleError;
  await sandbox?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function startEdge(ledgerUrl) {
  const port = await freePort();
  return startNode({
    ...sandbox.env,
    GUICHET_LEDGER_URL: ledgerUrl,
    GUICHET_LEDGER_AUTO_MIGRATE: "1",
    GUICHET_SESSION_SECRET: "transient-secret-0123456789abcdef",
    GUICHET_PUBLIC_URL: `http://127.0.0.1:${port}`,
    GUICHET_CATALOG: JSON.stringify({ "wax-6y": { name: "Wax 6 yards", price: 15000, currency: "XOF" } }),
  }, port);
}

const openSession = (edge) =>
  fetch(`${edge.url}/api/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ provider: "moneroo", items: [{ sku: "wax-6y", quantity: 1 }], customer }),
  });

async function opened(response) {
  const body = await response.json();
  assert.equal(response.status, 201, JSON.stringify(body));
  return body;
}

/** Log lines since `mark` that say a statement is tried again. */
const retriesSince = (mark) => logged.slice(mark).filter((line) => /a transient error; trying again in \d+ ms \(try \d of 4\)/.test(line));

describe("a SQLite file locked by another process", () => {
  const file = join(dir, "ledger.db");
  let edge;
  before(async () => {
    edge = await startEdge(`file:${file}`);
    await opened(await openSession(edge)); // the file exists and is migrated
  });
  after(() => stopEdge(edge));

  /** Another process takes the file's write lock (BEGIN IMMEDIATE) and keeps it until released. */
  async function holdWriteLock() {
    const holder = spawn(process.execPath, ["--input-type=module", "-e", `
      const { default: Database } = await import("libsql");
      const db = new Database(${JSON.stringify(file)});
      db.exec("BEGIN IMMEDIATE");
      process.stdout.write("locked\\n");
      process.stdin.once("data", () => {
        db.exec("COMMIT");
        db.close();
        process.stdout.write("released\\n");
      });
    `], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    holder.stdout.on("data", (chunk) => (out += chunk));
    const exited = new Promise((ok) => holder.once("exit", ok));
    await eventually(() => out.includes("locked") || holder.exitCode !== null, 20_000, "the other process to take the lock");
    assert.ok(out.includes("locked"), `the lock holder exited: ${holder.exitCode}`);
    return {
      async release() {
        if (holder.exitCode === null && !out.includes("released")) holder.stdin.end("release\n");
        await exited;
      },
    };
  }

  test("a lock held for a moment: the session is recorded after a logged retry, not refused", async () => {
    const lock = await holdWriteLock();
    const mark = logged.length;
    let answer;
    try {
      const response = openSession(edge);
      // The first try found the file locked and said it will try again; only then is the
      // lock released, so the answer below can only come from a retry.
      await eventually(() => retriesSince(mark).length >= 1, 20_000, "a retry of the locked write");
      await lock.release();
      answer = await opened(await response);
    } finally {
      await lock.release();
    }
    assert.match(retriesSince(mark)[0], /SQLite .* failed: database is locked, a transient error/);
    assert.ok(!logged.slice(mark).some((line) => /on each of 4 tries/.test(line)), "no try gave up");
    const shown = await fetch(`${edge.url}/api/sessions/${answer.id}`, { headers: { authorization: `Bearer ${answer.token}` } });
    assert.equal(shown.status, 200);
    assert.equal((await shown.json()).status, "pending");
  });

  test("a lock held past every try ends in the clear 503 ledger_unavailable, then the edge serves again", async () => {
    const lock = await holdWriteLock();
    const mark = logged.length;
    let response;
    try {
      response = await openSession(edge);
    } finally {
      await lock.release();
    }
    const body = await response.json();
    assert.equal(response.status, 503, JSON.stringify(body));
    assert.equal(body.error.code, "ledger_unavailable");
    assert.equal(response.headers.get("retry-after"), "1");
    assert.equal(retriesSince(mark).length, 3, logged.slice(mark).join("\n"));
    assert.ok(logged.slice(mark).some((line) => /database is locked, a transient error, on each of 4 tries/.test(line)), logged.slice(mark).join("\n"));
    await opened(await openSession(edge));
  });
});
