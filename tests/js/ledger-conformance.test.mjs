// One conformance suite for every ledger: the same stories, through the edge bundle's HTTP
// contract against the provider sandbox, with the ledger in memory (Node), in D1 (workerd,
// two isolates sharing the database), in a SQLite file (Node) and in PostgreSQL (Node, a
// real server started for the suite). Whatever the ledger, a fact is recorded once, and
// announced once: one merchant event per final status, delivered once to each endpoint,
// listed by cursor without a gap or a repeat.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:http";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Miniflare } from "miniflare";
import { startSandbox, freePort, eventually, readNow } from "./support/stack.mjs";
import { startPostgres } from "./support/postgres.mjs";

const ADMIN_KEY = "admin-key-for-tests-0123456789";
const WEBHOOK_SECRET = `whsec_${Buffer.from("guichet conformance test secret!").toString("base64")}`;
const root = new URL("../../", import.meta.url).pathname;
const node = await import(join(root, "pkg/edge/index.js"));

let sandbox;
let postgres;
let endpoints = [];
const disposers = [];
const dir = mkdtempSync(join(tmpdir(), "guichet-conformance-"));
before(async () => {
  // Clocks 20 times faster, not 1,000: a payment must not expire while a loaded machine
  // opens its session.
  // Moneroo's published 120 requests a minute would refuse this suite's payments on a fast
  // machine (four ledgers, one key); payouts move every 50 ms so their story is short.
  sandbox = await startSandbox(["--moneroo-webhook-url", "http://127.0.0.1:9/closed", "--moneroo-rate-limit", "100000", "--payout-delay-ms", "50"], { timeScale: 0.05 });
  postgres = await startPostgres();
  endpoints = await Promise.all([merchantEndpoint(), merchantEndpoint()]);
});
after(async () => {
  for (const dispose of disposers) await dispose();
  for (const endpoint of endpoints) await endpoint.stop();
  await node.closeLedgers();
  await sandbox?.stop();
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** One of the merchant's endpoints: answers 200 and keeps every delivery. */
async function merchantEndpoint() {
  const deliveries = [];
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    deliveries.push({ id: req.headers["webhook-id"], body: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
    res.writeHead(200).end();
  });
  const port = await freePort();
  await new Promise((ok) => server.listen(port, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    /** The deliveries of one event (by its webhook-id). */
    of: (id) => deliveries.filter((d) => d.id === id),
    stop: () => new Promise((ok) => { server.close(ok); server.closeAllConnections(); }),
  };
}

const baseEnv = () => ({
  ...sandbox.env,
  GUICHET_ADMIN_KEY: ADMIN_KEY,
  GUICHET_SESSION_SECRET: "session-secret-for-tests-0123456789abcdef",
  GUICHET_PUBLIC_URL: "https://shop.ci",
  GUICHET_ALLOWED_ORIGINS: "https://shop.ci",
  GUICHET_CATALOG: JSON.stringify({ "wax-6y": { name: "Pagne wax 6 yards", price: 15000, currency: "XOF" } }),
  // Two endpoints: every event goes to both, once each.
  GUICHET_WEBHOOK_URL: endpoints.map((e) => e.url).join(","),
  GUICHET_WEBHOOK_SECRET: WEBHOOK_SECRET,
});

/** The edge in this Node process with `ledger` settings; `send(i, path, init)`. */
function inNode(ledger) {
  const env = { ...baseEnv(), ...ledger };
  return { send: (_, path, init = {}) => node.fetch(new Request(`http://edge.test/api${path}`, init), env) };
}

let d1s = 0;
/** The edge in two workerd isolates sharing one D1 database. */
function inWorkerd() {
  const bindings = { ...baseEnv(), GUICHET_LEDGER_AUTO_MIGRATE: "1" };
  const database = `conformance-${++d1s}`;
  const mf = new Miniflare({
    workers: [0, 1].map((i) => ({
      name: `edge-${i}`,
      modules: true,
      scriptPath: join(root, "pkg/edge/worker.js"),
      modulesRules: [
        { type: "ESModule", include: ["**/*.js"] },
        { type: "CompiledWasm", include: ["**/*.wasm"] },
      ],
      bindings,
      d1Databases: { GUICHET_LEDGER: database },
      compatibilityDate: "2025-01-01",
    })),
  });
  disposers.push(() => mf.dispose());
  const isolates = Promise.all([0, 1].map((i) => mf.getWorker(`edge-${i}`)));
  // readNow: an answer held unread (eight awaited together) must not lose its body to
  // the garbage collector (see readNow in support/stack.mjs).
  return { send: async (i, path, init = {}) => readNow((await isolates)[i % 2].fetch(`http://edge.test/api${path}`, init)) };
}

const ledgers = {
  memory: { kind: "memory", open: () => inNode({ GUICHET_LEDGER: "memory" }) },
  d1: { kind: "d1", open: () => inWorkerd() },
  sqlite: { kind: "sqlite", open: () => inNode({ GUICHET_LEDGER_URL: `file:${join(dir, `ledger-${Date.now()}.db`)}` }) },
  postgres: {
    kind: "postgres",
    open: async () => {
      const url = await postgres.database();
      return { url, ...inNode({ GUICHET_LEDGER_URL: url, GUICHET_LEDGER_AUTO_MIGRATE: "1" }) };
    },
  },
};

const json = (body, headers = {}) => ({ method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const admin = (body, headers = {}) => json(body, { authorization: `Bearer ${ADMIN_KEY}`, ...headers });

/** A Moneroo session paid in the sandbox, and the notifications the sandbox sent for it. */
async function paidSession(send) {
  const opened = await send(0, "/sessions", json({ provider: "moneroo", items: [{ sku: "wax-6y", quantity: 1 }], customer: { first_name: "Awa", last_name: "Koné", email: "awa@example.ci" } }));
  const session = await opened.json();
  assert.equal(opened.status, 201, JSON.stringify(session));
  const paymentId = new URL(session.checkout_url).pathname.split("/").pop();
  const done = await fetch(`${sandbox.url}/_sandbox/payments/moneroo/${paymentId}/complete`, json({ outcome: "success" }));
  assert.equal(done.status, 200, await done.text());
  let sent = [];
  for (let i = 0; i < 100 && !sent.some((n) => n.event === "payment.success"); i++) {
    await new Promise((r) => setTimeout(r, 50));
    sent = (await (await fetch(`${sandbox.url}/_sandbox/notifications?provider=moneroo&subject=${paymentId}`)).json()).notifications;
  }
  const notification = (event) => {
    const n = sent.find((s) => s.event === event);
    assert.ok(n, `the sandbox sent ${event}`);
    return { method: "POST", headers: Object.fromEntries(n.headers), body: n.body };
  };
  return { session, success: notification("payment.success"), initiated: notification("payment.initiated") };
}

/** One `GET /events` page. */
async function eventsPage(send, after, limit) {
  const answer = await send(0, `/events?after=${after}&limit=${limit}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const page = await answer.json();
  assert.equal(answer.status, 200, JSON.stringify(page));
  assert.ok(page.data.length <= limit);
  return page;
}

/**
 * Every event after cursor `after` ("" for all), `limit` a page, and the cursor of the
 * last; checks that each page carries on where the last ended, in cursor order.
 */
async function eventsAfter(send, after, limit = 100) {
  const listed = [];
  let cursor = after;
  for (;;) {
    const page = await eventsPage(send, cursor, limit);
    listed.push(...page.data);
    if (page.data.length) assert.equal(page.next_cursor, page.data.at(-1).cursor);
    else assert.equal(page.has_more, false);
    if (!page.has_more) break;
    assert.equal(page.data.length, limit, "a page short of its limit is the last");
    cursor = page.next_cursor;
  }
  const cursors = listed.map((e) => BigInt(e.cursor));
  assert.ok(cursors.every((c, i) => i === 0 || c > cursors[i - 1]), `cursors rise: ${cursors}`);
  if (after !== "" && cursors.length) assert.ok(cursors[0] > BigInt(after));
  return { listed, end: listed.at(-1)?.cursor ?? after };
}

async function show(send, i, session) {
  const answer = await send(i, `/sessions/${session.id}`, { headers: { authorization: `Bearer ${session.token}` } });
  assert.equal(answer.status, 200);
  return answer.json();
}

for (const [name, ledger] of Object.entries(ledgers)) {
  describe(`ledger conformance: ${name}`, () => {
    let send;
    let url;
    before(async () => {
      ({ send, url } = await ledger.open());
    });

    test("health names the ledger in use", async () => {
      const health = await (await send(0, "/health")).json();
      assert.equal(health.ledger, ledger.kind);
    });

    test("an answer held unread while the garbage collector runs keeps its body", async () => {
      // The eight answers below are awaited together and read one by one: a collection in
      // between must not take a body (undici cancels a dropped fetch answer's stream). The
      // pauses give the finalizers a turn; with the fix no timing can make this fail.
      setFlagsFromString("--expose-gc");
      const collect = runInNewContext("gc");
      const answer = await send(0, "/health");
      for (let i = 0; i < 3; i++) {
        collect();
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal((await answer.json()).ledger, ledger.kind);
    });

    test("a notification delivered many times at once is applied once, and a late one moves nothing", async () => {
      const { session, success, initiated } = await paidSession(send);
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => send(i, "/webhooks/moneroo", success)));
      for (const answer of answers) assert.equal(answer.status, 200, await answer.text());
      const paid = await show(send, 1, session);
      assert.equal(paid.status, "succeeded");
      assert.equal(paid.paid_amount, 15000);
      const moved = paid.events.filter((e) => e.moved);
      assert.deepEqual(moved.map((e) => e.status), ["succeeded"], JSON.stringify(paid.events));

      // Never out of a final status: the older `initiated` arrives late, twice.
      for (const i of [0, 1]) {
        const late = await send(i, "/webhooks/moneroo", initiated);
        assert.equal(late.status, 200);
        await late.arrayBuffer();
      }
      const after = await show(send, 0, session);
      assert.equal(after.status, "succeeded");
      assert.equal(after.events.filter((e) => e.moved).length, 1);
    });

    test("an order reference posted many times at once is stored once", async () => {
      const order = { reference: `CMD-${name}-${Date.now()}`, amount: 15000, currency: "XOF", description: "Pagne wax 6 yards" };
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => send(i, "/orders", admin(order))));
      const bodies = await Promise.all(answers.map((a) => a.json()));
      assert.deepEqual(answers.map((a) => a.status).sort(), [200, 200, 200, 200, 200, 200, 200, 201], JSON.stringify(bodies[0]));
      assert.equal(new Set(bodies.map((b) => b.order_id)).size, 1, "every answer names the same order");
      const conflict = await send(1, "/orders", admin({ ...order, amount: 14000 }));
      assert.equal(conflict.status, 409);
      assert.equal((await conflict.json()).error.code, "order_conflict");
    });

    test("a payout idempotency key sent many times at once is claimed once, and the provider pays once", async () => {
      const key = `payout-${name}-${Date.now()}`;
      const body = { provider: "cinetpay", amount: 5000, currency: "XOF", recipient: { phone: "+2250701020304", first_name: "Awa", last_name: "Koné", email: "awa@example.ci" } };
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => send(i, "/payouts", admin(body, { "idempotency-key": key }))));
      const bodies = await Promise.all(answers.map((a) => a.json()));
      for (const [i, answer] of answers.entries()) assert.ok(answer.status < 300, `${answer.status} ${JSON.stringify(bodies[i])}`);
      const ids = new Set(bodies.map((b) => b.id));
      assert.equal(ids.size, 1, JSON.stringify(bodies));
      const [id] = ids;
      const truth = (await (await fetch(`${sandbox.url}/_sandbox/payouts?provider=cinetpay`)).json()).payouts;
      assert.equal(truth.filter((p) => JSON.stringify(p).includes(id)).length, 1, "the provider was asked once");
    });

    test("events and outbox rows: one per final status, delivered once to each endpoint, listed in order by cursor", async () => {
      const { end: start } = await eventsAfter(send, "");
      const listedNow = async () => (await eventsAfter(send, start)).listed;

      // Eight deliveries at once of the notification that makes A final: one event.
      const a = await paidSession(send);
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => send(i, "/webhooks/moneroo", a.success)));
      for (const answer of answers) assert.equal(answer.status, 200, await answer.text());
      // A cannot leave its final status: the late `initiated` and the same notification
      // again announce nothing more.
      for (const [i, late] of [a.initiated, a.success, a.initiated].entries()) {
        const answer = await send(i, "/webhooks/moneroo", late);
        assert.equal(answer.status, 200);
        await answer.arrayBuffer();
      }
      const [eventA, ...more] = await listedNow();
      assert.deepEqual(more, [], "one event, for A");
      assert.equal(eventA.type, "payment.succeeded");
      assert.equal(eventA.data.id, a.session.id);
      assert.equal(eventA.data.status, "succeeded");
      assert.equal(eventA.data.paid_amount, 15000);

      // Its outbox row: delivered to both endpoints, once each, with its id as webhook-id.
      const delivered = await eventually(async () => {
        const [shown] = await listedNow();
        return shown.delivery.delivered && shown;
      }, 20_000, "the event delivered to every endpoint");
      assert.equal(delivered.delivery.attempts, 1, JSON.stringify(delivered.delivery));
      for (const endpoint of endpoints) {
        const got = endpoint.of(eventA.id);
        assert.equal(got.length, 1, `${endpoint.url} got ${eventA.id} ${got.length} times`);
        assert.equal(got[0].body.type, "payment.succeeded");
        assert.equal(got[0].body.data.id, a.session.id);
      }

      // A payout made final announces itself the same way.
      const payout = await send(1, "/payouts", admin({ provider: "moneroo", amount: 500, currency: "USD", recipient: { method: "moneroo_payout_demo", account_number: "4149518161", first_name: "Koffi", last_name: "Mensah", email: "koffi@example.bj" } }, { "idempotency-key": `events-${name}-${Date.now()}` }));
      const created = await payout.json();
      assert.equal(payout.status, 201, JSON.stringify(created));
      const paidOut = await eventually(async () => {
        const shown = await (await send(0, `/payouts/${created.id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json();
        return shown.status !== "pending" && shown;
      }, 30_000, "the payout final");
      assert.equal(paidOut.status, "succeeded", JSON.stringify(paidOut));
      const again = await send(1, `/payouts/${created.id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      assert.equal((await again.json()).status, "succeeded");

      // Two more sessions, then pages of two: the fourth event is written between the
      // first page and the second, and appears on the second.
      const b = await paidSession(send);
      assert.equal((await send(0, "/webhooks/moneroo", b.success)).status, 200);
      const first = await eventsPage(send, start, 2);
      assert.deepEqual(first.data.map((e) => e.data.id), [a.session.id, created.id]);
      assert.equal(first.has_more, true);
      const c = await paidSession(send);
      assert.equal((await send(1, "/webhooks/moneroo", c.success)).status, 200);
      const second = await eventsPage(send, first.next_cursor, 2);
      assert.deepEqual(second.data.map((e) => e.data.id), [b.session.id, c.session.id]);
      assert.equal(second.has_more, false);

      // The same events whichever the page size: no gap, no repeat at a page's edge.
      const all = await listedNow();
      assert.deepEqual(all.map((e) => [e.type, e.data.id]), [
        ["payment.succeeded", a.session.id],
        ["payout.succeeded", created.id],
        ["payment.succeeded", b.session.id],
        ["payment.succeeded", c.session.id],
      ]);
      assert.deepEqual([...first.data, ...second.data].map((e) => e.id), all.map((e) => e.id));
      for (const limit of [1, 3]) {
        assert.deepEqual((await eventsAfter(send, start, limit)).listed.map((e) => e.id), all.map((e) => e.id), `pages of ${limit}`);
      }
      assert.equal(new Set(all.map((e) => e.id)).size, all.length);
      // Every event reaches both endpoints once.
      for (const event of all) {
        await eventually(() => endpoints.every((endpoint) => endpoint.of(event.id).length), 20_000, `${event.type} delivered`);
      }
      await eventually(async () => (await listedNow()).every((e) => e.delivery.delivered), 20_000, "every event delivered");
      for (const event of all) for (const endpoint of endpoints) assert.equal(endpoint.of(event.id).length, 1, event.type);
    });

    // PostgreSQL draws a row's seq when it is inserted, not when its transaction commits:
    // another process's event may hold a lower cursor than one already listed. A second
    // client stands in for that process, its event inserted and not yet committed while
    // this edge applies a payment and a reader takes a page.
    if (name === "postgres") {
      test("an event committed after a later-drawn one is still listed after the cursor a reader passed", async () => {
        const { end: start } = await eventsAfter(send, "");
        const e = await paidSession(send);
        const { default: connect } = await import("postgres");
        const sql = connect(url, { max: 2, onnotice: () => {} });
        try {
          const subject = `gs-${"0".repeat(18)}held01`;
          let release;
          const released = new Promise((ok) => (release = ok));
          let inserted;
          const written = new Promise((ok) => (inserted = ok));
          const held = sql.begin(async (tx) => {
            const payload = JSON.stringify({ type: "payment.succeeded", timestamp: new Date().toISOString(), data: { object: "session", id: subject, status: "succeeded" } });
            await tx`INSERT INTO merchant_events (id, type, subject_id, payload, created_at) VALUES (${"msg_held0123456789abcdef01"}, ${"payment.succeeded"}, ${subject}, ${payload}, ${Math.floor(Date.now() / 1000)})`;
            inserted();
            await released;
          });
          await written;
          let settled = false;
          const answered = send(0, "/webhooks/moneroo", e.success).then((answer) => {
            settled = true;
            return answer;
          });
          // The edge's change is committed, or waits behind the open transaction.
          await eventually(async () => settled || (await sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`)[0].n > 0, 20_000, "the edge's change committed or waiting");
          const first = await eventsPage(send, start, 100);
          release();
          await held;
          const answer = await answered;
          assert.equal(answer.status, 200, await answer.text());
          const { listed } = await eventsAfter(send, first.next_cursor ?? start);
          const seen = [...first.data, ...listed].map((event) => event.data.id);
          assert.deepEqual(seen.toSorted(), [subject, e.session.id].toSorted(), `listed ${JSON.stringify(seen)} (first page ${JSON.stringify(first.data.map((event) => [event.cursor, event.data.id]))})`);
        } finally {
          await sql.end();
        }
      });
    }
  });
}
