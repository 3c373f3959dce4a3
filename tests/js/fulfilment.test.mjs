// Fulfilment stories: every final outcome reaches the merchant's own endpoint exactly once,
// signed as Standard Webhooks and verified here with the npm `standardwebhooks` package
// (a verifier we did not write), even when the provider's status call fails while its
// notification is handled. Run in workerd with a D1 ledger (the sweep fired as the Cron
// Trigger) and in Node (the exported `sweep()`) with each of its ledgers: memory, a
// SQLite file, PostgreSQL; against the sandbox binary.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { startSandbox, startWorkerd, startNode, freePort, eventually } from "./support/stack.mjs";
import { startPostgres } from "./support/postgres.mjs";

const root = new URL("../../", import.meta.url).pathname;
const ADMIN = "fulfilment-admin";
const SECRET = `whsec_${Buffer.from("guichet fulfilment test secret!!").toString("base64")}`;
const TTL = 3;
const CATALOG = JSON.stringify({ "wax-6y": { name: "Wax 6 yards", price: 15000, currency: "XOF" } });
const customer = { first_name: "Awa", last_name: "Koné", email: "awa@example.ci", phone: "+2250701020304", country: "CI" };

/**
 * The merchant's endpoint: records every delivery; `failFirst(n)` answers 500 to the
 * first n attempts of each event, then 200.
 */
async function merchantEndpoint() {
  const deliveries = [];
  let failures = 0;
  const seen = new Map();
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString("utf8");
    const id = req.headers["webhook-id"];
    const attempt = (seen.get(id) ?? 0) + 1;
    seen.set(id, attempt);
    const status = attempt <= failures ? 500 : 200;
    deliveries.push({ id, headers: req.headers, body, status });
    res.writeHead(status).end();
  });
  const port = await freePort();
  await new Promise((ok) => server.listen(port, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    deliveries,
    failFirst: (n) => (failures = n),
    /** Events accepted (answered 200), each verified with the standardwebhooks library. */
    accepted() {
      const verifier = new Webhook(SECRET);
      return deliveries.filter((d) => d.status === 200).map((d) => ({ id: d.id, ...verifier.verify(d.body, d.headers) }));
    },
    stop: () => new Promise((ok) => { server.close(ok); server.closeAllConnections(); }),
  };
}

/** The edge bundle in Node on the ledger `ledger` names, swept with the exported `sweep()`. */
async function inNode(env, port, ledger) {
  env = { ...env, ...ledger };
  const edge = await startNode(env, port);
  const { sweep, closeLedgers } = await import(join(root, "pkg/edge/index.js"));
  return {
    ...edge,
    sweep: () => sweep(env),
    async stop() {
      await edge.stop();
      await closeLedgers();
    },
  };
}

const stacks = {
  async "workerd, D1"(env, port) {
    const edge = await startWorkerd({ ...env, GUICHET_LEDGER_AUTO_MIGRATE: "1" }, port, { d1Databases: { GUICHET_LEDGER: "fulfilment-ledger" } });
    const worker = await edge.mf.getWorker();
    return { ...edge, sweep: () => worker.scheduled({ cron: "* * * * *" }) };
  },
  "node, memory": (env, port) => inNode(env, port, { GUICHET_LEDGER: "memory" }),
  async "node, SQLite file"(env, port) {
    const dir = mkdtempSync(join(tmpdir(), "guichet-fulfilment-"));
    const edge = await inNode(env, port, { GUICHET_LEDGER_URL: `file:${join(dir, "ledger.db")}` });
    return { ...edge, stop: () => edge.stop().finally(() => rmSync(dir, { recursive: true, force: true })) };
  },
  async "node, PostgreSQL"(env, port) {
    const postgres = await startPostgres();
    const edge = await inNode(env, port, { GUICHET_LEDGER_URL: await postgres.database(), GUICHET_LEDGER_AUTO_MIGRATE: "1" });
    return { ...edge, stop: () => edge.stop().finally(() => postgres.stop()) };
  },
};

for (const [name, start] of Object.entries(stacks)) {
  describe(`fulfilment in ${name}`, () => {
    let sandbox, edge, merchant;
    const slug = name.replace(/\W+/g, "-");
    /** Sessions settled at the same time, whose events may be delivered in any order. */
    const concurrent = new Set();
    before(async () => {
      // Real time: at the sandbox's fast default, its payments expire on the provider's
      // side before the edge's own session does.
      sandbox = await startSandbox([], { timeScale: 1 });
      merchant = await merchantEndpoint();
      const port = await freePort();
      edge = await start({
        ...sandbox.env,
        GUICHET_SESSION_SECRET: "fulfilment-secret",
        GUICHET_CATALOG: CATALOG,
        GUICHET_ADMIN_KEY: ADMIN,
        GUICHET_PUBLIC_URL: `http://127.0.0.1:${port}`,
        GUICHET_SESSION_TTL: String(TTL),
        GUICHET_WEBHOOK_URL: merchant.url,
        GUICHET_WEBHOOK_SECRET: SECRET,
        GUICHET_WEBHOOK_RETRY_BASE: "0",
        GUICHET_SWEEP_AFTER: "0",
      }, port);
      await sandbox.webhookTo(edge.url);
    });
    after(async () => {
      await edge?.stop();
      await merchant?.stop();
      await sandbox?.stop();
    });

    const api = (path, init = {}) => fetch(`${edge.url}/api${path}`, { ...init, headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}`, ...init.headers } });
    const open = async (provider, extra = {}) => {
      const response = await fetch(`${edge.url}/api/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ provider, items: [{ sku: "wax-6y", quantity: 1 }], customer, ...extra }) });
      const body = await response.json();
      assert.equal(response.status, 201, JSON.stringify(body));
      return body;
    };
    const providerId = async (provider, session) => {
      if (provider === "cinetpay") return session.id;
      const { payments } = await sandbox.control(`/payments?provider=${provider}`);
      return payments.find((p) => p.checkout_url === session.checkout_url).id;
    };
    const pay = async (provider, session, outcome = "success") => {
      const id = await providerId(provider, session);
      await sandbox.control(`/payments/${provider}/${id}/complete`, { method: "POST", body: { outcome } });
      return id;
    };
    const eventsFor = (sessionId) => merchant.accepted().filter((e) => e.data.id === sessionId);
    const allEvents = async () => {
      const listed = [];
      let after = "";
      for (;;) {
        const response = await api(`/events?limit=2&after=${after}`);
        const page = await response.json();
        assert.equal(response.status, 200, JSON.stringify(page));
        listed.push(...page.data);
        if (!page.has_more) return listed;
        after = page.next_cursor;
      }
    };

    test("a paid session delivers exactly one payment.succeeded, signed as Standard Webhooks", async () => {
      const session = await open("moneroo", { metadata: { cart: "c-42" } });
      await pay("moneroo", session);
      const [event] = await eventually(() => eventsFor(session.id).length && eventsFor(session.id), 15_000, "the merchant's event");
      assert.equal(event.type, "payment.succeeded");
      assert.equal(event.data.status, "succeeded");
      assert.equal(event.data.paid_amount, 15000);
      assert.equal(event.data.provider, "moneroo");
      assert.ok(event.data.provider_ref, JSON.stringify(event.data));
      assert.deepEqual(event.data.metadata, { cart: "c-42" });
      // Sweeps and reads after that send nothing more.
      await edge.sweep();
      await edge.sweep();
      const shown = await (await api(`/sessions/${session.id}`)).json();
      assert.equal(shown.status, "succeeded");
      assert.deepEqual(shown.metadata, { cart: "c-42" });
      assert.equal(eventsFor(session.id).length, 1);
      assert.equal(merchant.deliveries.filter((d) => d.id === event.id).length, 1);
      // A forged signature fails the same verifier.
      const delivery = merchant.deliveries.find((d) => d.id === event.id);
      assert.throws(() => new Webhook(SECRET).verify(delivery.body.replace("succeeded", "failed"), delivery.headers));
    });

    test("an endpoint answering 500 then 200 gets each event once, with the same webhook-id", async () => {
      merchant.failFirst(2);
      try {
        const session = await open("cinetpay");
        await pay("cinetpay", session);
        await eventually(() => merchant.deliveries.some((d) => JSON.parse(d.body).data.id === session.id), 15_000, "a first attempt");
        // The merchant answered before the edge recorded that answer: a sweep in between
        // would find the event still taken. Wait for the record.
        await eventually(async () => (await allEvents()).find((e) => e.data.id === session.id)?.delivery.attempts >= 1, 15_000, "the first attempt recorded");
        await edge.sweep();
        await edge.sweep();
        const attempts = merchant.deliveries.filter((d) => JSON.parse(d.body).data.id === session.id);
        assert.deepEqual(attempts.map((d) => d.status), [500, 500, 200]);
        assert.equal(new Set(attempts.map((d) => d.id)).size, 1, "one webhook-id on every attempt");
        await edge.sweep();
        assert.equal(merchant.deliveries.filter((d) => JSON.parse(d.body).data.id === session.id).length, 3, "nothing after the 200");
        const [listed] = (await allEvents()).filter((e) => e.data.id === session.id);
        assert.equal(listed.delivery.attempts, 3);
        assert.equal(listed.delivery.delivered, true);
      } finally {
        merchant.failFirst(0);
      }
    });

    for (const provider of ["cinetpay", "moneyfusion"]) {
      test(`${provider}: a notification whose status call fails twice ends succeeded after a sweep, with no shopper read`, async () => {
        const session = await open(provider);
        const path = provider === "cinetpay" ? "/v2/payment/check" : "/paiementNotif";
        const { id: fault } = await sandbox.control("/faults", { method: "POST", body: { provider, kind: "500", path } });
        let providerRef;
        try {
          providerRef = await pay(provider, session);
          const final = await eventually(async () => {
            const { notifications } = await sandbox.control(`/notifications?provider=${provider}&subject=${providerRef}`);
            const answered = notifications.filter((n) => n.status !== null && n.method === "POST");
            return answered.length && answered.at(-1).status === 202 && answered;
          }, 15_000, "the final notification answered");
          assert.ok(final.every((n) => n.status >= 200 && n.status < 300), JSON.stringify(final.map((n) => n.status)));
        } finally {
          await sandbox.control(`/faults/${fault}`, { method: "DELETE" });
        }
        assert.equal(eventsFor(session.id).length, 0, "nothing announced before the sweep");
        const report = await edge.sweep();
        if (!name.startsWith("workerd")) assert.ok(report.settled >= 1, JSON.stringify(report));
        const [event] = await eventually(() => eventsFor(session.id).length && eventsFor(session.id), 10_000, "the merchant's event");
        assert.equal(event.type, "payment.succeeded");
        assert.equal(event.data.provider_ref, providerRef);
        const shown = await (await api(`/sessions/${session.id}`)).json();
        assert.equal(shown.status, "succeeded");
      });
    }

    test("a session nobody touches expires after the provider says pending one last time", async () => {
      const session = await open("moneroo");
      await new Promise((ok) => setTimeout(ok, (TTL + 1) * 1000));
      // While the provider cannot be asked, nothing expires: it may have been paid.
      const { id: fault } = await sandbox.control("/faults", { method: "POST", body: { provider: "moneroo", kind: "500", path: "/verify" } });
      try {
        await edge.sweep();
        await edge.sweep();
      } finally {
        await sandbox.control(`/faults/${fault}`, { method: "DELETE" });
      }
      assert.equal(eventsFor(session.id).length, 0, "not expired without the provider's word");
      assert.equal((await allEvents()).filter((e) => e.data.id === session.id).length, 0);
      await edge.sweep();
      const [event] = await eventually(() => eventsFor(session.id).length && eventsFor(session.id), 10_000, "payment.expired");
      assert.equal(event.type, "payment.expired");
      const shown = await (await api(`/sessions/${session.id}`)).json();
      assert.equal(shown.status, "expired");
      assert.deepEqual(shown.events.map((e) => [e.source, e.status, e.moved]).at(-1), ["expiry", "expired", true]);
    });

    test("duplicated and reordered notifications still make one event per session", async () => {
      await sandbox.control("/faults", { method: "POST", body: { kind: "duplicate" } });
      await sandbox.control("/faults", { method: "POST", body: { kind: "reorder", ms: 300 } });
      const sessions = [];
      try {
        for (const provider of ["moneroo", "cinetpay", "moneyfusion"]) {
          const session = await open(provider);
          await pay(provider, session, provider === "moneyfusion" ? "cancelled" : "success");
          sessions.push(session);
          concurrent.add(session.id);
        }
        for (const session of sessions) {
          await eventually(() => eventsFor(session.id).length, 15_000, `the event of ${session.provider}`);
        }
        await new Promise((ok) => setTimeout(ok, 800));
        await edge.sweep();
      } finally {
        await sandbox.control("/faults", { method: "DELETE" });
      }
      for (const session of sessions) assert.equal(eventsFor(session.id).length, 1, session.provider);
      assert.deepEqual(sessions.map((s) => eventsFor(s.id)[0].type), ["payment.succeeded", "payment.succeeded", "payment.cancelled"]);
    });

    test("payouts: one that ends succeeded and one that ends failed give exactly one payout.succeeded and one payout.failed", async () => {
      const payouts = [];
      for (const outcome of ["success", "failed"]) {
        // Moneroo's published number that stays pending until the sandbox settles it.
        const response = await api("/payouts", {
          method: "POST",
          headers: { "idempotency-key": `refund-${outcome}-${slug}` },
          body: JSON.stringify({
            provider: "moneroo",
            amount: 5000,
            currency: "XOF",
            description: "Refund",
            recipient: { method: "mtn_bj", phone: "+229 4149518163", first_name: "Koffi", last_name: "Mensah", email: "koffi@example.bj" },
          }),
        });
        const payout = await response.json();
        assert.equal(response.status, 201, JSON.stringify(payout));
        assert.equal(payout.status, "pending");
        const settled = await sandbox.control(`/payouts/moneroo/${payout.provider_ref}/complete`, { method: "POST", body: { outcome } });
        assert.ok(settled, `the sandbox settled ${payout.provider_ref}`);
        const [event] = await eventually(() => eventsFor(payout.id).length && eventsFor(payout.id), 15_000, `the payout's ${outcome} event`);
        payouts.push({ payout, event });
      }
      await edge.sweep();
      await edge.sweep();
      const expected = [["payout.succeeded", "succeeded"], ["payout.failed", "failed"]];
      assert.deepEqual(payouts.map(({ event }) => [event.type, event.data.status]), expected);
      for (const [i, { payout, event }] of payouts.entries()) {
        assert.equal(eventsFor(payout.id).length, 1, `one event for the ${expected[i][1]} payout`);
        assert.equal(merchant.deliveries.filter((d) => d.id === event.id).length, 1, "delivered once");
        assert.equal(event.data.provider, "moneroo");
        assert.equal(event.data.provider_ref, payout.provider_ref);
        assert.equal(event.data.amount, 5000);
        assert.equal(event.data.idempotency_key, payout.idempotency_key);
        assert.ok(!JSON.stringify(event).includes("4149518163"), "the recipient's number stays masked");
        const shown = await (await api(`/payouts/${payout.id}`)).json();
        assert.equal(shown.status, expected[i][1]);
      }
    });

    test("GET /events replays every event once, in the order they were written", async () => {
      const listed = await allEvents();
      const received = merchant.accepted();
      const ids = (events) => events.map((e) => e.id);
      assert.deepEqual(ids(listed).toSorted(), ids(received).toSorted(), "the same events");
      assert.equal(new Set(listed.map((e) => e.data.id)).size, listed.length, "one event per session");
      const times = listed.map((e) => Date.parse(e.timestamp));
      assert.deepEqual(times, times.toSorted((a, b) => a - b), "in the order they were written");
      // Events settled one after the other reached the merchant in that order; those of
      // sessions paid together may be delivered side by side, in either order.
      const oneByOne = (events) => ids(events.filter((e) => !concurrent.has(e.data.id)));
      assert.deepEqual(oneByOne(listed), oneByOne(received));
      const refused = await fetch(`${edge.url}/api/events`);
      assert.equal(refused.status, 401);
      await refused.arrayBuffer();
    });

    test("orders: GET /orders/:id and ?reference= give the order, its sessions and whether it is paid", async () => {
      const reference = `INV-${slug}`;
      const created = await (await api("/orders", { method: "POST", body: JSON.stringify({ reference, amount: 12500, currency: "XOF", description: "Order" }) })).json();
      const session = await open("moneroo", { items: undefined, order_id: created.order_id });
      await pay("moneroo", session);
      await eventually(() => eventsFor(session.id).length, 15_000, "the order's event");
      const [event] = eventsFor(session.id);
      assert.equal(event.data.reference, reference);
      assert.equal(event.data.order_id, created.order_id);
      for (const path of [`/orders/${created.order_id}`, `/orders?reference=${reference}`]) {
        const order = await (await api(path)).json();
        assert.equal(order.order_id, created.order_id);
        assert.equal(order.paid, true);
        assert.deepEqual(order.sessions.map((s) => [s.id, s.status]), [[session.id, "succeeded"]]);
      }
      assert.equal((await api("/orders?reference=nope")).status, 404);
    });
  });
}
