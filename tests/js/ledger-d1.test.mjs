// The D1 ledger on miniflare's real local D1 (workerd's SQLite), not a fake: the schema
// in migrations/ keeps the ledger's promises by itself, and the edge bundle bound to a D1
// database records each fact once, whatever the number of deliveries.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { Miniflare } from "miniflare";
import { startSandbox, readNow } from "./support/stack.mjs";
import { readMigrations } from "../../js/edge/ledger-migrations.js";

/** Applies every migration in order, as `wrangler d1 migrations apply` does. */
async function migrate(db) {
  const migrations = readMigrations("sqlite");
  assert.ok(migrations.length > 0, "migrations/ holds the schema");
  for (const { statements } of migrations) await db.batch(statements.map((s) => db.prepare(s)));
}

let databases = 0;
/** A miniflare with an empty D1 database bound as GUICHET_LEDGER. */
function sqlOnly() {
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 204 }); } }",
    d1Databases: { GUICHET_LEDGER: `ledger-sql-${++databases}` },
    compatibilityDate: "2025-01-01",
  });
  after(() => mf.dispose());
  return mf;
}

const session = (id, extra = {}) => ({
  id,
  provider: "moneroo",
  order_id: null,
  amount: 15000,
  currency: "XOF",
  description: "Pagne wax 6 yards",
  status: "pending",
  return_url: "https://shop.ci/merci",
  lang: "fr",
  created_at: 1_790_000_000,
  updated_at: 1_790_000_000,
  expires_at: 1_790_001_800,
  ...extra,
});

function insert(db, table, row, verb = "INSERT") {
  const columns = Object.keys(row);
  return db
    .prepare(`${verb} INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`)
    .bind(...Object.values(row));
}

const event = (key, sessionId, extra = {}) => ({
  event_key: key,
  session_id: sessionId,
  source: "webhook",
  status: "succeeded",
  previous_status: "pending",
  provider_status: "success",
  moved: 1,
  at: 1_790_000_100,
  claim: "c1",
  ...extra,
});

const payout = (id, key, extra = {}) => ({
  id,
  idempotency_key: key,
  request_digest: "d1",
  provider: "cinetpay",
  amount: 5000,
  currency: "XOF",
  recipient_json: "{}",
  status: "pending",
  created_at: 1_790_000_000,
  updated_at: 1_790_000_000,
  ...extra,
});

test("the migrations create the ledger tables, and applying them again changes nothing", async () => {
  const db = await sqlOnly().getD1Database("GUICHET_LEDGER");
  await migrate(db);
  await insert(db, "sessions", session("gs-1")).run();
  await migrate(db);
  const tables = await db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name <> 'sqlite_sequence' ORDER BY name")
    .all();
  assert.deepEqual(
    tables.results.map((t) => t.name),
    ["merchant_events", "orders", "payout_events", "payouts", "rechecks", "session_events", "session_metadata", "sessions", "sweep_checks"],
  );
  assert.equal((await db.prepare("SELECT count(*) AS n FROM sessions").first()).n, 1, "the row survived");
});

test("a second delivery of the same event key is refused by the schema itself", async () => {
  const db = await sqlOnly().getD1Database("GUICHET_LEDGER");
  await migrate(db);
  await insert(db, "sessions", session("gs-1")).run();
  await insert(db, "sessions", session("gs-2")).run();
  await insert(db, "session_events", event("moneroo:py_1:success", "gs-1")).run();
  await assert.rejects(
    insert(db, "session_events", event("moneroo:py_1:success", "gs-1", { claim: "c2" })).run(),
    /UNIQUE constraint failed: session_events.event_key/,
  );
  // Event keys are unique across sessions, as in the memory ledger.
  const ignored = await insert(db, "session_events", event("moneroo:py_1:success", "gs-2"), "INSERT OR IGNORE").run();
  assert.equal(ignored.meta.changes, 0);
  assert.equal((await db.prepare("SELECT count(*) AS n FROM session_events").first()).n, 1);
});

test("an order reference, an idempotency key and a provider payment id are each stored once", async () => {
  const db = await sqlOnly().getD1Database("GUICHET_LEDGER");
  await migrate(db);
  const order = { id: "ord-1", reference: "CMD-2026-0042", amount: 15000, currency: "XOF", description: "Wax", created_at: 1 };
  await insert(db, "orders", order).run();
  await assert.rejects(insert(db, "orders", { ...order, id: "ord-2" }).run(), /UNIQUE constraint failed: orders.reference/);

  await insert(db, "payouts", payout("po-1", "idem-1")).run();
  await assert.rejects(insert(db, "payouts", payout("po-2", "idem-1")).run(), /UNIQUE constraint failed: payouts.idempotency_key/);

  await insert(db, "sessions", session("gs-1", { provider_ref: "py_1" })).run();
  // Another provider may use the same id; a session not yet initialized has none.
  await insert(db, "sessions", session("gs-2", { provider: "cinetpay", provider_ref: "py_1" })).run();
  await insert(db, "sessions", session("gs-3")).run();
  await insert(db, "sessions", session("gs-4")).run();
  await assert.rejects(
    insert(db, "sessions", session("gs-5", { provider_ref: "py_1" })).run(),
    /UNIQUE constraint failed: sessions.provider, sessions.provider_ref/,
  );
  await assert.rejects(insert(db, "sessions", session("gs-1")).run(), /UNIQUE constraint failed: sessions.id/);
});

test("amounts are whole minor units and statuses are the five known words", async () => {
  const db = await sqlOnly().getD1Database("GUICHET_LEDGER");
  await migrate(db);
  await assert.rejects(insert(db, "sessions", session("gs-1", { amount: 150.5 })).run(), /CHECK constraint failed/);
  await assert.rejects(insert(db, "sessions", session("gs-1", { amount: -1 })).run(), /CHECK constraint failed/);
  await assert.rejects(insert(db, "sessions", session("gs-1", { status: "paid" })).run(), /CHECK constraint failed/);
  await assert.rejects(insert(db, "sessions", session("gs-1", { currency: "xof" })).run(), /CHECK constraint failed/);
  await assert.rejects(insert(db, "sessions", session("gs-1", { provider: "paypal" })).run(), /CHECK constraint failed/);
  await assert.rejects(insert(db, "payouts", payout("po-1", "k", { status: "sent" })).run(), /CHECK constraint failed/);
  await insert(db, "sessions", session("gs-1")).run();
  await assert.rejects(
    insert(db, "session_events", event("e1", "gs-1", { source: "email" })).run(),
    /CHECK constraint failed/,
  );
  // An event for a session that does not exist has nowhere to go.
  await assert.rejects(insert(db, "session_events", event("e2", "gs-404")).run(), /FOREIGN KEY constraint failed/);
});

test("the largest amount JavaScript holds exactly, 2^53 - 1 minor units, comes back unchanged", async () => {
  const db = await sqlOnly().getD1Database("GUICHET_LEDGER");
  await migrate(db);
  await insert(db, "sessions", session("gs-1", { amount: Number.MAX_SAFE_INTEGER })).run();
  const row = await db.prepare("SELECT amount, typeof(amount) AS kind FROM sessions WHERE id = 'gs-1'").first();
  assert.deepEqual(row, { amount: Number.MAX_SAFE_INTEGER, kind: "integer" });
});

// The edge bundle itself, bound to D1: the ledger inside the wasm keeps its promises
// through HTTP, and across isolates. Two workers share one database, as two Workers
// isolates do in production.
const ADMIN_KEY = "admin-key-for-tests-0123456789";
let bundles = 0;
function edge({ autoMigrate = true, workers = 2, env = {} } = {}) {
  const database = `ledger-edge-${++bundles}`;
  const bindings = { GUICHET_ADMIN_KEY: ADMIN_KEY, GUICHET_ALLOWED_ORIGINS: "https://shop.ci", ...env };
  if (autoMigrate) bindings.GUICHET_LEDGER_AUTO_MIGRATE = "1";
  const mf = new Miniflare({
    workers: Array.from({ length: workers }, (_, i) => ({
      name: `edge-${i}`,
      modules: true,
      scriptPath: "pkg/edge/worker.js",
      modulesRules: [
        { type: "ESModule", include: ["**/*.js"] },
        { type: "CompiledWasm", include: ["**/*.wasm"] },
      ],
      bindings,
      d1Databases: { GUICHET_LEDGER: database },
      compatibilityDate: "2025-01-01",
    })),
  });
  after(() => mf.dispose());
  const isolates = Promise.all(Array.from({ length: workers }, (_, i) => mf.getWorker(`edge-${i}`)));
  return {
    mf,
    db: () => mf.getD1Database("GUICHET_LEDGER", "edge-0"),
    /** Sends through isolate `i % workers`. */
    async send(i, path, init = {}) {
      const worker = (await isolates)[i % workers];
      return readNow(worker.fetch(`http://edge.test/api${path}`, init));
    },
  };
}

const admin = (body) => ({
  method: "POST",
  headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
  body: JSON.stringify(body),
});

const ORDER = { reference: "CMD-2026-0042", amount: 15000, currency: "XOF", description: "Pagne wax 6 yards" };

test("edge on D1: one order reference posted at once to two isolates is stored once", async () => {
  const { send, db } = edge();
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => send(i, "/orders", admin(ORDER))));
  const bodies = await Promise.all(answers.map((a) => a.json()));
  const statuses = answers.map((a) => a.status).sort();
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 201], JSON.stringify(bodies[0]));
  assert.equal(new Set(bodies.map((b) => b.order_id)).size, 1, "every answer names the same order");

  const rows = (await (await db()).prepare("SELECT id, reference, amount, typeof(amount) AS kind, currency FROM orders").all()).results;
  assert.deepEqual(rows, [{ id: bodies[0].order_id, reference: ORDER.reference, amount: 15000, kind: "integer", currency: "XOF" }]);

  const conflict = await send(1, "/orders", admin({ ...ORDER, amount: 14000 }));
  assert.equal(conflict.status, 409);
  assert.equal((await conflict.json()).error.code, "order_conflict");
  assert.equal((await (await db()).prepare("SELECT amount FROM orders").first()).amount, 15000, "the first order stands");
});

test("edge on D1: without the migrations applied the ledger refuses, and creates no table behind the owner's back", async () => {
  const { send, db } = edge({ autoMigrate: false, workers: 1 });
  const answer = await send(0, "/orders", admin(ORDER));
  assert.equal(answer.status, 503);
  const { error } = await answer.json();
  assert.equal(error.code, "ledger_unavailable");
  assert.match(error.message, /migrations/);
  const tables = await (await db()).prepare("SELECT name FROM sqlite_master WHERE name = 'orders'").all();
  assert.deepEqual(tables.results, []);

  // Once the merchant applies migrations/, the same isolate goes on without a restart.
  await migrate(await db());
  const created = await send(0, "/orders", admin(ORDER));
  assert.equal(created.status, 201);
  assert.equal((await (await db()).prepare("SELECT count(*) AS n FROM orders").first()).n, 1);
});

// A whole Moneroo payment against the provider sandbox, with its notifications delivered
// again and again, at once, to two isolates sharing the D1 ledger. The sandbox's Moneroo
// posts to a closed port; the test replays what it sent, signature and all.
test(
  "edge on D1: a Moneroo success delivered many times at once moves the session once, and a late event moves nothing",
  async () => {
    const stack = await startSandbox(["--moneroo-webhook-url", "http://127.0.0.1:9/closed"]);
    after(() => stack.stop());
    const sandbox = stack.url;
    const { send, db } = edge({
      env: {
        MONEROO_SECRET_KEY: "pvk_sandbox_guichet_test_key",
        MONEROO_WEBHOOK_SECRET: "whsec_guichet_sandbox",
        MONEROO_BASE_URL: `${sandbox}/moneroo`,
        GUICHET_SESSION_SECRET: "session-secret-for-tests-0123456789abcdef",
        GUICHET_PUBLIC_URL: "https://shop.ci",
        GUICHET_CATALOG: JSON.stringify({ "wax-6y": { name: "Pagne wax 6 yards", price: 15000, currency: "XOF" } }),
      },
    });
    const opened = await send(0, "/sessions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        provider: "moneroo",
        items: [{ sku: "wax-6y", quantity: 1 }],
        customer: { first_name: "Awa", last_name: "Koné", email: "awa@example.ci" },
      }),
    });
    const session = await opened.json();
    assert.equal(opened.status, 201, JSON.stringify(session));

    const ledger = await db();
    const row = () => ledger.prepare("SELECT status, provider_ref, paid_amount, amount FROM sessions WHERE id = ?").bind(session.id).first();
    const events = () => ledger.prepare("SELECT event_key, status, previous_status, moved FROM session_events WHERE session_id = ? ORDER BY seq").bind(session.id).all();
    const paymentId = (await row()).provider_ref;
    assert.ok(paymentId, "the provider's payment is attached to the session in D1");

    const done = await fetch(`${sandbox}/_sandbox/payments/moneroo/${paymentId}/complete`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ outcome: "success" }),
    });
    assert.equal(done.status, 200);
    let sent = [];
    for (let i = 0; i < 50 && !sent.some((n) => n.event === "payment.success"); i++) {
      await new Promise((r) => setTimeout(r, 100));
      sent = (await (await fetch(`${sandbox}/_sandbox/notifications?provider=moneroo&subject=${paymentId}`)).json()).notifications;
    }
    const notification = (event) => {
      const n = sent.find((s) => s.event === event);
      assert.ok(n, `the sandbox sent ${event}`);
      return { method: "POST", headers: Object.fromEntries(n.headers), body: n.body };
    };
    const success = notification("payment.success");
    const initiated = notification("payment.initiated");

    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => send(i, "/webhooks/moneroo", success)));
    for (const answer of answers) {
      assert.equal(answer.status, 200);
      await answer.arrayBuffer();
    }
    assert.deepEqual(await row(), { status: "succeeded", provider_ref: paymentId, paid_amount: 15000, amount: 15000 });
    const moved = (await events()).results;
    assert.equal(moved.filter((e) => e.moved === 1).length, 1, JSON.stringify(moved));
    assert.deepEqual(
      moved.filter((e) => e.moved === 1).map(({ status, previous_status }) => ({ status, previous_status })),
      [{ status: "succeeded", previous_status: "pending" }],
    );
    assert.equal(new Set(moved.map((e) => e.event_key)).size, moved.length, "no event key twice");

    // The older `initiated` arrives late, twice, and a forged body is refused: nothing moves.
    const forged = { ...success, body: success.body.replace('"status":"success"', '"status":"failed"') };
    assert.notEqual(forged.body, success.body);
    for (const [late, status] of [[initiated, 200], [initiated, 200], [forged, 403]]) {
      const answer = await send(1, "/webhooks/moneroo", late);
      assert.equal(answer.status, status);
      await answer.arrayBuffer();
    }
    assert.equal((await row()).status, "succeeded");
    assert.deepEqual((await events()).results, moved);

    const shown = await send(1, `/sessions/${session.id}`, { headers: { authorization: `Bearer ${session.token}` } });
    assert.equal(shown.status, 200);
    assert.equal((await shown.json()).status, "succeeded", "the other isolate reads the same ledger");
  },
);
