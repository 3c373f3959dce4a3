// Edge: the bundle's size, its cold start in workerd and in Node, and its throughput
// under load on loopback against the provider sandbox, beside the fusionpay reference
// worker in the same runtime.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { createHmac } from "node:crypto";
import { bundleSizes, EDGE_WORKERD_FILES } from "../scripts/sizes.mjs";
import { run } from "./lib/procs.mjs";
import { summary } from "./lib/stats.mjs";
import { compare } from "./lib/compare.mjs";
import { miniflareFor, WORKERS } from "./lib/workers.mjs";
import { workerdConfig, workerdStart } from "./lib/workerd-start.mjs";

const root = new URL("../", import.meta.url).pathname;

export const CATALOG = {
  "pagne-wax": { name: "Pagne wax 6 yards", price: 15000, currency: "XOF" },
  sac: { name: "Sac en raphia", price: 7500, currency: "XOF" },
};
export const SESSION_SECRET = "bench-session-secret-0123456789abcdef";
export const SESSION_BODY = JSON.stringify({
  provider: "moneyfusion",
  items: [{ sku: "pagne-wax", quantity: 2 }],
  customer: { first_name: "Awa", last_name: "Koné", email: "awa@example.ci", phone: "+2250701020304", country: "CI" },
  lang: "fr",
});

/** The environment both workers get: the same catalog, secret and sandbox. */
export function workerEnv(sandbox, publicUrl = "http://127.0.0.1:8787") {
  const info = sandbox?.info?.credentials ?? {};
  return {
    // A throwaway ledger: the D1, SQLite and PostgreSQL ledgers are measured in ledger.mjs.
    GUICHET_LEDGER: "memory",
    GUICHET_CATALOG: JSON.stringify(CATALOG),
    GUICHET_SESSION_SECRET: SESSION_SECRET,
    GUICHET_PUBLIC_URL: publicUrl,
    GUICHET_ALLOWED_ORIGINS: publicUrl,
    ...(sandbox
      ? {
          MONEYFUSION_API_URL: sandbox.moneyfusionApiUrl,
          MONEYFUSION_BASE_URL: sandbox.moneyfusion,
          MONEROO_BASE_URL: sandbox.moneroo,
          MONEROO_SECRET_KEY: info.moneroo_secret_key ?? "pvk_sandbox_guichet_test_key",
          MONEROO_WEBHOOK_SECRET: info.moneroo_webhook_secret ?? "whsec_guichet_sandbox",
        }
      : {}),
  };
}

export function edgeSizes() {
  const guichet = bundleSizes(`${root}pkg/edge`);
  const workerdSet = EDGE_WORKERD_FILES;
  const onWorkerd = guichet.rows.filter((r) => workerdSet.includes(r.file));
  const refFiles = ["bench/reference/fusionpay-worker.mjs", "bench/node_modules/fusionpay/dist/FusionPay.js"];
  const reference = refFiles.map((f) => {
    const bytes = readFileSync(`${root}${f}`);
    return { file: f, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  const sum = (rows, k) => rows.reduce((a, r) => a + r[k], 0);
  return {
    guichet: { rows: guichet.rows, raw: guichet.raw, gzip: guichet.gzip },
    guichetWorkerd: { files: workerdSet, raw: sum(onWorkerd, "raw"), gzip: sum(onWorkerd, "gzip") },
    reference: { rows: reference, raw: sum(reference, "raw"), gzip: sum(reference, "gzip") },
  };
}

// BENCH_BASELINE_PKG adds another build of the edge beside this one, for a before/after in one run.
const START_WORKERS = ["empty", "reference", "guichet", ...(WORKERS.baseline ? ["baseline"] : [])];

/**
 * Fresh workerd per run, two ways, rounds rotating the workers: through miniflare (a new
 * `Miniflare(...)`, constructor to the end of the first GET /api/health, as `wrangler dev`
 * starts a worker), and alone (`workerd serve` on a config embedding the worker's modules,
 * spawn to the end of the first answer: bench/lib/workerd-start.mjs), with workerd's CPU.
 */
export async function startupWorkerd({ runs = 15, log = console.log } = {}) {
  const env = workerEnv(null);
  const times = Object.fromEntries(START_WORKERS.map((w) => [w, []]));
  const alone = Object.fromEntries(START_WORKERS.map((w) => [w, { ms: [], cpu: [] }]));
  const configs = Object.fromEntries(START_WORKERS.map((w) => [w, workerdConfig(WORKERS[w].workerd, env)]));
  try {
    for (let round = -1; round < runs; round++) {
      for (let i = 0; i < START_WORKERS.length; i++) {
        const worker = START_WORKERS[(i + Math.max(round, 0)) % START_WORKERS.length];
        const t0 = performance.now();
        const mf = miniflareFor(worker, env);
        try {
          const answer = await mf.dispatchFetch("http://127.0.0.1/api/health");
          await answer.arrayBuffer();
          const t1 = performance.now();
          if (answer.status !== 200) throw new Error(`${worker}: GET /api/health answered ${answer.status}`);
          if (round >= 0) times[worker].push(t1 - t0);
        } finally {
          await mf.dispose();
        }
        const { ms, cpu } = await workerdStart(configs[worker].path);
        if (round >= 0) {
          alone[worker].ms.push(ms);
          alone[worker].cpu.push(cpu);
        }
      }
      if (round === -1) log("  workerd start: warm-up round done");
    }
  } finally {
    for (const c of Object.values(configs)) c.remove();
  }
  const result = Object.fromEntries(START_WORKERS.map((w) => [w, summary(times[w])]));
  result.alone = Object.fromEntries(START_WORKERS.map((w) => [w, { ...summary(alone[w].ms), cpu: summary(alone[w].cpu) }]));
  return result;
}

/** Fresh Node process per run: `import` of the entry to the end of its first GET /api/health. */
export async function startupNode({ runs = 30, log = console.log } = {}) {
  const env = JSON.stringify(workerEnv(null));
  const times = Object.fromEntries(START_WORKERS.map((w) => [w, []]));
  for (let round = -1; round < runs; round++) {
    for (let i = 0; i < START_WORKERS.length; i++) {
      const worker = START_WORKERS[(i + Math.max(round, 0)) % START_WORKERS.length];
      const out = await run(process.execPath, [`${root}bench/lib/node-start.mjs`, WORKERS[worker].node, "/api/health"], {
        env: { BENCH_WORKER_ENV: env },
        timeoutMs: 30_000,
      });
      if (round >= 0) times[worker].push(JSON.parse(out).ms);
    }
    if (round === -1) log("  node start: warm-up round done");
  }
  return Object.fromEntries(START_WORKERS.map((w) => [w, summary(times[w])]));
}

/**
 * POST /sessions (MoneyFusion) under load, Guichet and the reference, in workerd and Node.
 * A worker whose probe does not answer 201 is skipped with the reason, never measured.
 */
export async function sessionsLoad(plan) {
  const request = { method: "POST", path: "/api/sessions", headers: { "content-type": "application/json" }, body: SESSION_BODY };
  const results = [];
  for (const runtime of ["workerd", "node"]) {
    const names = ["reference", "guichet", ...(WORKERS.baseline ? ["baseline"] : [])];
    const workers = names.map((worker) => ({ worker, label: worker === "baseline" ? WORKERS.baseline.label : undefined, env: workerEnv(plan.sandbox), request, expect: 201 }));
    results.push(...(await compare({ ...plan, runtime, workers, title: "POST /sessions", sequential: plan.rounds > 1 ? 200 : 40 })));
  }
  return results;
}

/** GET /health under load: the runtime, the HTTP path and the router, nothing else. */
export async function healthLoad(plan) {
  const request = { method: "GET", path: "/api/health" };
  const results = [];
  for (const runtime of ["workerd", "node"]) {
    const workers = ["empty", "reference", "guichet"].map((worker) => ({ worker, env: workerEnv(null), request, expect: 200 }));
    results.push(...(await compare({ ...plan, runtime, workers, title: "GET /health" })));
  }
  return results;
}

export const MONEROO_SESSION_BODY = JSON.stringify({
  provider: "moneroo",
  items: [{ sku: "pagne-wax", quantity: 1 }],
  customer: { first_name: "Awa", last_name: "Koné", email: "awa@example.ci", phone: "+2250701020304", country: "CI" },
  lang: "fr",
});

/**
 * Opens `count` Moneroo sessions through the worker at `url` and returns one signed
 * `payment.success` delivery for each, as Moneroo would send it (X-Moneroo-Signature:
 * hex HMAC-SHA256 of the exact body). The payments stay unpaid in the sandbox, so every
 * delivery takes the whole path: signature, ledger lookup, the status call that decides
 * (it answers pending) and the ledger's apply-once; none stops early on a final state.
 */
export async function monerooDeliveries(url, secret, count) {
  const requests = [];
  for (let i = 0; i < count; i++) {
    const answer = await fetch(`${url}/api/sessions`, { method: "POST", headers: { "content-type": "application/json" }, body: MONEROO_SESSION_BODY });
    const text = await answer.text();
    if (answer.status !== 201) return [{ method: "POST", path: "/api/sessions", headers: { "content-type": "application/json" }, body: MONEROO_SESSION_BODY }];
    const session = JSON.parse(text);
    const paymentId = new URL(session.checkout_url).pathname.split("/").pop();
    const body = JSON.stringify({
      event: "payment.success",
      data: { id: paymentId, amount: session.amount, currency: session.currency, status: "success", metadata: {}, customer: { email: "awa@example.ci", first_name: "Awa", last_name: "Koné" } },
    });
    const signature = createHmac("sha256", secret).update(body).digest("hex");
    requests.push({ method: "POST", path: "/api/webhooks/moneroo", headers: { "content-type": "application/json", "x-moneroo-signature": signature }, body });
  }
  return requests;
}

export const WEBHOOK_SESSIONS = 64;

/**
 * A Moneroo webhook delivery under load, Guichet in workerd and Node (the reference has
 * no webhook handling to compare with). Skipped with the reason until the edge answers 200.
 */
export async function webhookLoad(plan) {
  const results = [];
  for (const runtime of ["workerd", "node"]) {
    const env = workerEnv(plan.sandbox);
    // "pending" proves the delivery reached the status call (a payment that is not ours
    // would get a bare 200 and measure nothing).
    const worker = { worker: "guichet", env, expect: 200, expectBody: /"status":"pending"/, prepare: (url) => monerooDeliveries(url, env.MONEROO_WEBHOOK_SECRET, WEBHOOK_SESSIONS) };
    results.push(...(await compare({ ...plan, runtime, workers: [worker], title: "webhook", sequential: plan.rounds > 1 ? 200 : 40 })));
  }
  return results;
}
