// The fulfilment load story (not a timed test): `node bench/fulfilment.mjs [sessions]`.
//
// 2,000 sessions across Moneroo, CinetPay and MoneyFusion in workerd with a D1 ledger,
// against the sandbox: notifications 30 % duplicated and 30 % reordered (shuffled), 20 %
// of status calls answering 500, the sweep fired as the Cron Trigger every half second
// while it runs. Counts what matters against the sandbox's ground truth: sessions lost
// (the provider has a final outcome, the ledger does not), applied twice (two moves for
// one session), reversed (a final status changed), and merchant events per final session
// (exactly one expected, verified with the npm `standardwebhooks` package).
// Writes bench/fulfilment-results.json and prints the figures.
import { createServer } from "node:http";
import { writeFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";
import { startSandbox, startWorkerd, freePort } from "../tests/js/support/stack.mjs";

const SESSIONS = Number(process.argv[2] ?? 2000);
const TTL = 20;
const ADMIN = "bench-admin";
const SECRET = `whsec_${Buffer.from("guichet fulfilment bench secret!").toString("base64")}`;
const PROVIDERS = ["moneroo", "cinetpay", "moneyfusion"];
const STATUS_PATHS = { moneroo: "/verify", cinetpay: "/payment/check", moneyfusion: "/paiementNotif" };
const customer = { first_name: "Awa", last_name: "Koné", email: "awa@example.ci", phone: "+2250701020304", country: "CI" };
const say = (m) => console.log(`\x1b[1m[fulfilment]\x1b[0m ${m}`);

/** Runs `task` over `items`, `width` at a time. */
async function pool(items, width, task) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i], i);
    }
  }));
}

// The merchant's endpoint: verifies every delivery, answers 200.
const verifier = new Webhook(SECRET);
const deliveries = [];
let badSignatures = 0;
const merchant = createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks).toString("utf8");
  try {
    const event = verifier.verify(body, req.headers);
    deliveries.push({ id: req.headers["webhook-id"], type: event.type, session: event.data.id, status: event.data.status });
    res.writeHead(200).end();
  } catch {
    badSignatures++;
    res.writeHead(400).end();
  }
});
const merchantPort = await freePort();
await new Promise((ok) => merchant.listen(merchantPort, "127.0.0.1", ok));

const sandbox = await startSandbox([], { seed: 7, timeScale: 1 });
await sandbox.control("/settings", { method: "PATCH", body: { moneroo_rate_limit: 100_000 } }).catch(() => {});
const port = await freePort();
const edge = await startWorkerd({
  ...sandbox.env,
  GUICHET_LEDGER_AUTO_MIGRATE: "1",
  GUICHET_SESSION_SECRET: "bench-secret",
  GUICHET_CATALOG: JSON.stringify({ "wax-6y": { name: "Wax 6 yards", price: 15000, currency: "XOF" } }),
  GUICHET_ADMIN_KEY: ADMIN,
  GUICHET_PUBLIC_URL: `http://127.0.0.1:${port}`,
  GUICHET_SESSION_TTL: String(TTL),
  GUICHET_WEBHOOK_URL: `http://127.0.0.1:${merchantPort}/hooks`,
  GUICHET_WEBHOOK_SECRET: SECRET,
  GUICHET_WEBHOOK_RETRY_BASE: "0",
  GUICHET_SWEEP_AFTER: "2",
  GUICHET_SWEEP_LIMIT: "100",
  GUICHET_SWEEP_PROVIDER_CALLS: "100",
}, port, { d1Databases: { GUICHET_LEDGER: "fulfilment-bench" } });
await sandbox.webhookTo(edge.url);
const worker = await edge.mf.getWorker();
const api = (path, init = {}) => fetch(`${edge.url}/api${path}`, { ...init, headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}`, ...init.headers } });

const started = Date.now();
say(`opening ${SESSIONS} sessions`);
const sessions = [];
await pool(Array.from({ length: SESSIONS }, (_, i) => PROVIDERS[i % 3]), 16, async (provider) => {
  for (let tries = 0; tries < 5; tries++) {
    const response = await fetch(`${edge.url}/api/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ provider, items: [{ sku: "wax-6y", quantity: 1 }], customer }) });
    const body = await response.json();
    if (response.status === 201) return sessions.push(body);
  }
  throw new Error(`could not open a ${provider} session`);
});
const opened = Date.now();

say("faults on: 30 % duplicated, 30 % reordered notifications, 20 % of status calls answer 500");
await sandbox.control("/faults", { method: "POST", body: { kind: "duplicate", rate: 0.3 } });
await sandbox.control("/faults", { method: "POST", body: { kind: "reorder", rate: 0.3, ms: 1000 } });
for (const provider of PROVIDERS) {
  await sandbox.control("/faults", { method: "POST", body: { provider, kind: "500", rate: 0.2, path: STATUS_PATHS[provider] } });
}

let sweeps = 0;
const sweepReports = [];
let sweeping = true;
const sweeper = (async () => {
  while (sweeping) {
    const result = await worker.scheduled({ cron: "* * * * *" });
    sweeps++;
    if (result.outcome !== "ok") sweepReports.push(result.outcome);
    await new Promise((ok) => setTimeout(ok, 500));
  }
})();

// The shoppers: 70 % pay, 15 % are declined, 10 % cancel, 5 % never come back.
const payments = new Map();
for (const provider of PROVIDERS) {
  for (const p of (await sandbox.control(`/payments?provider=${provider}`)).payments) payments.set(p.checkout_url, p);
}
const outcomes = sessions.map((_, i) => (i % 20 < 14 ? "success" : i % 20 < 17 ? "failed" : i % 20 < 19 ? "cancelled" : null));
say("shoppers paying");
await pool(sessions.map((s, i) => [s, outcomes[i]]), 16, async ([session, outcome]) => {
  if (!outcome) return;
  const payment = payments.get(session.checkout_url);
  await sandbox.control(`/payments/${session.provider}/${payment.id}/complete`, { method: "POST", body: { outcome } });
});
const paid = Date.now();

// Until every session is final and every final session's event delivered (or 10 minutes).
say("waiting for every session to be final and announced");
const deadline = Date.now() + 600_000;
let listed = [];
for (;;) {
  listed = [];
  let after = "";
  for (;;) {
    const answer = await api(`/events?limit=100&after=${after}`).catch((error) => error);
    if (answer instanceof Error || !answer.ok) {
      say(`GET /events after ${after}: ${answer instanceof Error ? answer.cause?.code ?? answer.message : answer.status}`);
      listed.length = 0;
      break;
    }
    const page = await answer.json();
    listed.push(...page.data);
    if (!page.has_more) break;
    after = page.next_cursor;
  }
  const announced = new Set(deliveries.map((d) => d.session));
  if (listed.length >= SESSIONS && announced.size >= SESSIONS) break;
  if (Date.now() > deadline) break;
  await new Promise((ok) => setTimeout(ok, 1000));
}
const settled = Date.now();
sweeping = false;
await sweeper;
await sandbox.control("/faults", { method: "DELETE" });

// The truth against the ledger.
const truth = new Map();
for (const provider of PROVIDERS) {
  for (const p of (await sandbox.control(`/payments?provider=${provider}`)).payments) truth.set(p.checkout_url, p);
}
const { notifications } = await sandbox.control("/notifications");
const figures = { lost: 0, wrong: 0, appliedTwice: 0, reversed: 0, stillPending: 0, eventsPerFinal: {}, final: 0, byStatus: {} };
await pool(sessions, 8, async (session) => {
  const shown = await (await api(`/sessions/${session.id}`)).json();
  const stage = truth.get(session.checkout_url)?.stage;
  const providerFinal = ["succeeded", "failed", "cancelled"].includes(stage);
  figures.byStatus[shown.status] = (figures.byStatus[shown.status] ?? 0) + 1;
  if (shown.status === "pending") figures.stillPending++;
  if (providerFinal && shown.status === "pending") figures.lost++;
  // MoneyFusion reports a cancelled payment as failed in its status call.
  const expected = stage === "cancelled" && session.provider === "moneyfusion" ? ["cancelled", "failed"] : [stage];
  if (providerFinal && shown.status !== "pending" && !expected.includes(shown.status)) {
    figures.wrong++;
    (figures.wrongCases ??= []).push({ provider: session.provider, provider_says: stage, ledger_says: shown.status, history: shown.events.map((e) => `${e.source}:${e.status}:${e.provider_status}`) });
  }
  const moves = shown.events.filter((e) => e.moved && e.status !== "pending");
  if (moves.length > 1) figures.appliedTwice++;
  if (moves.length && moves.at(-1).status !== shown.status) figures.reversed++;
  if (shown.status !== "pending") {
    figures.final++;
    const ids = new Set(deliveries.filter((d) => d.session === session.id).map((d) => d.id));
    figures.eventsPerFinal[ids.size] = (figures.eventsPerFinal[ids.size] ?? 0) + 1;
  }
});
const eventTypes = {};
for (const e of listed) eventTypes[e.type] = (eventTypes[e.type] ?? 0) + 1;
const attempts = listed.map((e) => e.delivery.attempts).sort((a, b) => a - b);
const outbox = {
  delivered: listed.filter((e) => e.delivery.delivered).length,
  waiting: listed.filter((e) => e.delivery.next_attempt_at).length,
  abandoned: listed.filter((e) => !e.delivery.next_attempt_at && e.delivery.last_error).length,
  attemptsMedian: attempts[Math.floor(attempts.length / 2)] ?? 0,
  attemptsMax: attempts.at(-1) ?? 0,
};

const results = {
  sessions: SESSIONS,
  providers: PROVIDERS,
  faults: { duplicate: 0.3, reorder: 0.3, statusCall500: 0.2 },
  notifications: {
    attempts: notifications.length,
    duplicated: notifications.filter((n) => n.duplicate).length,
    answered: notifications.reduce((by, n) => ({ ...by, [String(n.status)]: (by[String(n.status)] ?? 0) + 1 }), {}),
  },
  sweeps,
  sweepFailures: sweepReports.length,
  seconds: { open: (opened - started) / 1000, pay: (paid - opened) / 1000, settleAndAnnounce: (settled - paid) / 1000 },
  ledger: figures,
  outbox,
  events: { listed: listed.length, byType: eventTypes, deliveriesAccepted: deliveries.length, distinctWebhookIds: new Set(deliveries.map((d) => d.id)).size, badSignatures },
};
writeFileSync(new URL("./fulfilment-results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
say(`lost ${figures.lost}, applied twice ${figures.appliedTwice}, reversed ${figures.reversed}, wrong ${figures.wrong}, still pending ${figures.stillPending}; merchant events per final session ${JSON.stringify(figures.eventsPerFinal)}`);

await edge.stop();
await sandbox.stop();
await new Promise((ok) => merchant.close(ok));
const ok = figures.lost === 0 && figures.appliedTwice === 0 && figures.reversed === 0 && figures.stillPending === 0 && Object.keys(figures.eventsPerFinal).join() === "1";
process.exit(ok ? 0 : 1);
