// One suite of HTTP stories, run against the same edge bundle in workerd (miniflare),
// Node and Deno, with the sandbox binary as the provider side. Providers reach the edge
// over real HTTP: notifications are the sandbox's own, signed as each provider signs.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { runtimes, startSandbox, freePort, eventually } from "./support/stack.mjs";

const SHOP = "http://127.0.0.1:8080";
const CATALOG = JSON.stringify({
  "wax-6y": { name: "Wax 6 yards", price: 15000, currency: "XOF" },
  sandals: { name: "Sandals", price: 7500, currency: "XOF" },
});
const customer = { first_name: "Awa", last_name: "Koné", email: "awa@example.ci", phone: "+2250701020304", country: "CI" };

for (const [name, start] of Object.entries(runtimes)) {
  describe(`edge contract in ${name}`, () => {
    let sandbox, edge;
    before(async () => {
      sandbox = await startSandbox();
      const port = await freePort();
      edge = await start({
        ...sandbox.env,
        GUICHET_SESSION_SECRET: "contract-secret",
        GUICHET_ALLOWED_ORIGINS: SHOP,
        GUICHET_CATALOG: CATALOG,
        GUICHET_ADMIN_KEY: "contract-admin",
        GUICHET_PUBLIC_URL: `http://127.0.0.1:${port}`,
        GUICHET_RETURN_URL: `${SHOP}/return.html`,
      }, port);
      await sandbox.webhookTo(edge.url);
    });
    after(async () => {
      await edge?.stop();
      await sandbox?.stop();
    });

    const api = (path, init = {}) => fetch(`${edge.url}/api${path}`, { ...init, headers: { "content-type": "application/json", origin: SHOP, ...init.headers } });
    const open = async (provider, extra = {}) => {
      const response = await api("/sessions", { method: "POST", body: JSON.stringify({ provider, items: [{ sku: "wax-6y", quantity: 2 }, { sku: "sandals", quantity: 1 }], customer, lang: "fr", ...extra }) });
      const body = await response.json();
      assert.equal(response.status, 201, JSON.stringify(body));
      assert.equal(response.headers.get("access-control-allow-origin"), SHOP);
      return body;
    };
    const read = async (session, token = session.token) => {
      const response = await api(`/sessions/${session.id}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: await response.json() };
    };
    const providerId = async (provider, session) => {
      if (provider === "cinetpay") return session.id;
      const { payments } = await sandbox.control(`/payments?provider=${provider}`);
      return payments.find((p) => p.checkout_url === session.checkout_url).id;
    };

    for (const provider of ["moneroo", "cinetpay", "moneyfusion"]) {
      test(`${provider}: a paid session is settled by the provider's own notification`, async () => {
        const session = await open(provider);
        assert.equal(session.amount, 37500);
        assert.equal(session.status, "pending");
        assert.ok(session.checkout_url.startsWith(sandbox.url), session.checkout_url);
        const id = await providerId(provider, session);
        await sandbox.control(`/payments/${provider}/${id}/complete`, { method: "POST", body: { outcome: "success" } });
        // The sandbox delivers to the edge over HTTP; wait for a 200 on a final event.
        const delivered = await eventually(async () => {
          const { notifications } = await sandbox.control(`/notifications?provider=${provider}&subject=${id}`);
          return notifications.filter((n) => n.status === 200).length >= 1 && notifications;
        }, 15_000, `${provider} notifications answered 200`);
        assert.ok(delivered.every((n) => n.status === 200 || n.status === null), JSON.stringify(delivered.map((n) => [n.event, n.status])));
        const { status, body } = await read(session);
        assert.equal(status, 200);
        assert.equal(body.status, "succeeded");
        assert.equal(body.paid_amount, 37500);
        assert.equal(body.events.filter((e) => e.moved && e.status === "succeeded").length, 1, JSON.stringify(body.events));
        const truth = await sandbox.control(`/payments/${provider}/${id}`);
        assert.equal(truth.stage, "succeeded");
      });
    }

    test("duplicated notifications move the ledger once", async () => {
      await sandbox.control("/faults", { method: "POST", body: { provider: "cinetpay", kind: "duplicate" } });
      try {
        const session = await open("cinetpay");
        await sandbox.control(`/payments/cinetpay/${session.id}/complete`, { method: "POST", body: { outcome: "failed" } });
        await eventually(async () => {
          const { notifications } = await sandbox.control(`/notifications?provider=cinetpay&subject=${session.id}`);
          return notifications.filter((n) => n.duplicate && n.status === 200).length >= 1;
        }, 15_000, "a duplicate delivered");
        const { body } = await read(session);
        assert.equal(body.status, "failed");
        assert.equal(body.events.filter((e) => e.moved).length, 1, JSON.stringify(body.events));
      } finally {
        await sandbox.control("/faults", { method: "DELETE" });
      }
    });

    test("a changed token, another session's token and no token are refused with 401", async () => {
      const session = await open("moneroo");
      const other = await open("moneroo");
      const tampered = session.token.replace(".37500.", ".1.");
      for (const token of [tampered, other.token, ""]) {
        const { status, body } = await read(session, token);
        assert.equal(status, 401);
        assert.equal(body.error.code, "invalid_token");
      }
    });

    test("an amount from the browser is refused, in the shopper's language", async () => {
      const response = await api("/sessions", { method: "POST", body: JSON.stringify({ provider: "moneyfusion", items: [{ sku: "wax-6y", quantity: 1 }], amount: 100, customer, lang: "en" }) });
      assert.equal(response.status, 422);
      const { error } = await response.json();
      assert.equal(error.code, "amount_not_allowed");
      assert.equal(error.field, "amount");
      assert.match(error.message, /server/);
    });

    test("a forged Moneroo signature gets 403", async () => {
      const response = await api("/webhooks/moneroo", { method: "POST", headers: { "x-moneroo-signature": "00".repeat(32) }, body: JSON.stringify({ event: "payment.success", data: { id: "py_forged" } }) });
      assert.equal(response.status, 403);
      await response.arrayBuffer();
    });
  });
}
