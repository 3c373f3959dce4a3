// Cost growth: signed Moneroo notifications for payments the ledger already holds, with
// the ledger holding 10, 10 000 or 100 000 payments: in D1 (workerd, miniflare's local D1,
// SQLite on disk, binding GUICHET_LEDGER), and on Node in a SQLite file and in PostgreSQL
// (GUICHET_LEDGER_URL; a throwaway PostgreSQL server from tests/js/support/postgres.mjs).
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compare } from "./lib/compare.mjs";
import { workerEnv } from "./edge.mjs";

const root = new URL("../", import.meta.url).pathname;
const BATCH = 5_000;

/** The migrations in order, split as their header promises: one statement per `;` at a line's end. */
function migrationStatements(dir = `${root}migrations`) {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .flatMap((f) =>
      readFileSync(join(dir, f), "utf8")
        .split(/;\s*$/m)
        .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
        .filter(Boolean),
    );
}

// Settled payments spread over the three providers, each with the one event that settled
// it and the merchant's event it announced (delivered), as a running shop's ledger holds them. Generated in SQLite itself, BATCH rows per
// statement, so seeding 100 000 rows takes seconds, not minutes.
const SEED_SESSIONS = `
INSERT INTO sessions (id, provider, order_id, amount, currency, description, status, provider_ref,
  provider_status, checkout_url, paid_amount, return_url, lang, created_at, updated_at, expires_at)
WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
SELECT printf('gs-%024x', i), CASE i % 3 WHEN 0 THEN 'moneroo' WHEN 1 THEN 'cinetpay' ELSE 'moneyfusion' END,
  NULL, 1000 + (i % 97) * 500, 'XOF', 'Pagne wax 6 yards', 'succeeded', printf('seed%08d', i),
  'success', printf('http://127.0.0.1/checkout/seed%08d', i), 1000 + (i % 97) * 500,
  'http://127.0.0.1:8787/', CASE i % 2 WHEN 0 THEN 'fr' ELSE 'en' END,
  1790000000 + i, 1790000060 + i, 1790001800 + i
FROM n`;
const SEED_EVENTS = `
INSERT INTO session_events (event_key, session_id, source, status, previous_status, provider_status,
  paid_amount, moved, at, claim)
WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
SELECT printf('seed:%d:success', i), printf('gs-%024x', i), 'webhook', 'succeeded', 'pending', 'success',
  1000 + (i % 97) * 500, 1, 1790000060 + i, 'seed'
FROM n`;
const SEED_MERCHANT_EVENTS = `
INSERT INTO merchant_events (id, type, subject_id, payload, created_at, attempts, next_attempt_at, delivered_to)
WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
SELECT printf('msg_seed%016x', i), 'payment.succeeded', printf('gs-%024x', i),
  printf('{"type":"payment.succeeded","data":{"id":"gs-%024x","status":"succeeded"}}', i), 1790000060 + i, 1, NULL, 'seedtag0'
FROM n`;

/** How many seeded payments the measured notifications name, spread over the whole ledger. */
const NOTIFIED = 64;

/**
 * Signed Moneroo `payment.success` notifications (a provider's repeat) for up to NOTIFIED
 * of the `size` seeded payments, evenly spread from the oldest to the newest. The payment
 * is final in the ledger, so the edge records the notification, finds the payment by the
 * provider's reference, sees it final and clears the mark: no provider call, so neither
 * the sandbox nor the edge's own budget of status calls (100 a minute per process, past
 * which a pending payment's delivery is answered 202 without its call) is measured.
 */
function settledNotifications(secret, size) {
  const moneroo = Math.floor(size / 3); // seed i is Moneroo's when i % 3 == 0
  const picks = new Set(Array.from({ length: NOTIFIED }, (_, k) => 3 * (1 + Math.floor((k * (moneroo - 1)) / (NOTIFIED - 1)))));
  return [...picks].map((i) => {
    const body = JSON.stringify({
      event: "payment.success",
      data: { id: `seed${String(i).padStart(8, "0")}`, amount: 1000 + (i % 97) * 500, currency: "XOF", status: "success", metadata: {}, customer: { email: "awa@example.ci", first_name: "Awa", last_name: "Koné" } },
    });
    const signature = createHmac("sha256", secret).update(body).digest("hex");
    return { method: "POST", path: "/api/webhooks/moneroo", headers: { "content-type": "application/json", "x-moneroo-signature": signature }, body };
  });
}

/** Creates the schema and `size` settled payments; returns the milliseconds it took. */
export async function seed(db, size, migrations) {
  const t0 = performance.now();
  await db.batch(migrationStatements(migrations).map((sql) => db.prepare(sql)));
  for (let start = 1; start <= size; start += BATCH) {
    const end = Math.min(size, start + BATCH - 1);
    await db.batch([SEED_SESSIONS, SEED_EVENTS, SEED_MERCHANT_EVENTS].map((sql) => db.prepare(sql).bind(start, end)));
  }
  const { n } = await db.prepare("SELECT count(*) AS n FROM sessions").first();
  if (n !== size) throw new Error(`seeded ${n} sessions, wanted ${size}`);
  return performance.now() - t0;
}

// The same payments in PostgreSQL's dialect (generate_series instead of a recursive CTE).
const PG_SEED_SESSIONS = `
INSERT INTO sessions (id, provider, order_id, amount, currency, description, status, provider_ref,
  provider_status, checkout_url, paid_amount, return_url, lang, created_at, updated_at, expires_at)
SELECT 'gs-' || lpad(to_hex(i), 24, '0'), CASE i % 3 WHEN 0 THEN 'moneroo' WHEN 1 THEN 'cinetpay' ELSE 'moneyfusion' END,
  NULL, 1000 + (i % 97) * 500, 'XOF', 'Pagne wax 6 yards', 'succeeded', 'seed' || lpad(i::text, 8, '0'),
  'success', 'http://127.0.0.1/checkout/seed' || lpad(i::text, 8, '0'), 1000 + (i % 97) * 500,
  'http://127.0.0.1:8787/', CASE i % 2 WHEN 0 THEN 'fr' ELSE 'en' END,
  1790000000 + i, 1790000060 + i, 1790001800 + i
FROM generate_series(?1::bigint, ?2::bigint) AS i`;
const PG_SEED_EVENTS = `
INSERT INTO session_events (event_key, session_id, source, status, previous_status, provider_status,
  paid_amount, moved, at, claim)
SELECT 'seed:' || i || ':success', 'gs-' || lpad(to_hex(i), 24, '0'), 'webhook', 'succeeded', 'pending', 'success',
  1000 + (i % 97) * 500, 1, 1790000060 + i, 'seed'
FROM generate_series(?1::bigint, ?2::bigint) AS i`;
const PG_SEED_MERCHANT_EVENTS = `
INSERT INTO merchant_events (id, type, subject_id, payload, created_at, attempts, next_attempt_at, delivered_to)
SELECT 'msg_seed' || lpad(to_hex(i), 16, '0'), 'payment.succeeded', 'gs-' || lpad(to_hex(i), 24, '0'),
  '{"type":"payment.succeeded","data":{"id":"gs-' || lpad(to_hex(i), 24, '0') || '","status":"succeeded"}}', 1790000060 + i, 1, NULL, 'seedtag0'
FROM generate_series(?1::bigint, ?2::bigint) AS i`;

/** `size` settled payments in a SQLite file or PostgreSQL, through the edge's own binding. */
async function seedUrl(kind, url, size) {
  const t0 = performance.now();
  const { openSqlite } = await import("../js/edge/ledger-sqlite.js");
  const { openPostgres } = await import("../js/edge/ledger-postgres.js");
  const db = kind === "sqlite" ? await openSqlite(url.slice("file:".length)) : await openPostgres(url, { autoMigrate: true });
  try {
    const statements = kind === "sqlite" ? [SEED_SESSIONS, SEED_EVENTS, SEED_MERCHANT_EVENTS] : [PG_SEED_SESSIONS, PG_SEED_EVENTS, PG_SEED_MERCHANT_EVENTS];
    for (let start = 1; start <= size; start += BATCH) {
      const end = Math.min(size, start + BATCH - 1);
      await db.batch(statements.map((sql) => db.prepare(sql).bind(start, end)));
    }
    const { n } = await db.prepare("SELECT count(*) AS n FROM merchant_events").first();
    if (Number(n) !== size) throw new Error(`seeded ${n} merchant events, wanted ${size}`);
    return performance.now() - t0;
  } finally {
    await db.close();
  }
}

/** The growth on Node with the ledger at GUICHET_LEDGER_URL: `sqlite` or `postgres`. */
async function nodeGrowth(kind, { sizes, log, ...plan }) {
  const dir = mkdtempSync(join(tmpdir(), `guichet-bench-${kind}-`));
  const { startPostgres } = await import("../tests/js/support/postgres.mjs");
  // Durable: commits reach the disk, as in the SQLite file (WAL, synchronous FULL).
  const pg = kind === "postgres" ? await startPostgres({ durable: true }) : null;
  const seeded = new Map();
  try {
    const { GUICHET_LEDGER: _memory, ...base } = workerEnv(plan.sandbox);
    const urls = [];
    for (const size of sizes) urls.push(pg ? await pg.database() : `file:${join(dir, `ledger-${size}.db`)}`);
    const workers = sizes.map((size, i) => ({
      worker: "guichet",
      label: `${size} payments`,
      env: { ...base, GUICHET_LEDGER_URL: urls[i] },
      expect: 200,
      // "succeeded" proves the edge found the seeded payment in this ledger.
      expectBody: /"status":"succeeded"/,
      prepare: async () => {
        const seedMs = await seedUrl(kind, urls[i], size);
        seeded.set(size, seedMs);
        log(`  ledger (${kind}): ${size} payments seeded in ${(seedMs / 1000).toFixed(1)} s`);
        return settledNotifications(base.MONEROO_WEBHOOK_SECRET, size);
      },
    }));
    const results = await compare({ ...plan, log, runtime: "node", workers, title: `webhook, ${kind} ledger of`, sequential: plan.rounds > 1 ? 200 : 40 });
    const skipped = results.find((result) => result.skipped);
    if (skipped) return { skipped: skipped.skipped };
    const runs = results.map((result, i) => ({ size: sizes[i], seedMs: seeded.get(sizes[i]), ...result }));
    const where =
      kind === "sqlite"
        ? "a SQLite file per size in a temporary directory (`GUICHET_LEDGER_URL=file:…`: WAL, synchronous FULL, `node:sqlite` or npm `libsql`)"
        : "a PostgreSQL database per size in one throwaway server from Debian's packages (`tests/js/support/postgres.mjs`, with fsync on, so commits reach the disk as the SQLite file's do; npm `postgres` client)";
    return {
      runs,
      growth: growth(runs),
      method: `The edge on Node (\`pkg/edge/index.js\` behind node:http, as section 2), with ${where}, one
process per size, all up at once and measured in alternating rounds as for D1. The schema is the
ledger's own migrations, applied by the edge's driver; the payments (sessions, the events that
settled them, the merchant events they announced) are generated by SQL in batches of
${BATCH.toLocaleString("en-US")} rows; the notifications are the same as for D1.`,
    };
  } finally {
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Cost growth as ratios, largest ledger over smallest: the one-at-a-time median latency,
 * the p50 latency and the throughput under load.
 */
function growth(runs) {
  const [small, large] = [runs[0], runs.at(-1)];
  if (!small || !large || small.skipped || large.skipped) return null;
  return { from: small.size, to: large.size, alone: large.alone.median / small.alone.median, p50: large.p50 / small.p50, rps: large.rps / small.rps };
}

export async function ledgerGrowth({ sizes, log = console.log, ...plan }) {
  const d1 = await d1Growth({ sizes, log, ...plan });
  if (d1.runs) d1.growth = growth(d1.runs);
  const others = {};
  for (const kind of ["sqlite", "postgres"]) {
    try {
      others[kind] = await nodeGrowth(kind, { sizes, log, ...plan });
    } catch (error) {
      others[kind] = { skipped: `skipped: ${error.message}` };
    }
  }
  for (const [kind, r] of Object.entries({ d1, ...others })) {
    if (r.growth) log(`  ledger (${kind}): ${r.growth.from} -> ${r.growth.to} payments: one at a time x${r.growth.alone.toFixed(2)}, p50 x${r.growth.p50.toFixed(2)}, req/s x${r.growth.rps.toFixed(2)}`);
  }
  return { ...d1, sqlite: others.sqlite, postgres: others.postgres };
}

async function d1Growth({ sizes, log = console.log, ...plan }) {
  if (!existsSync(`${root}migrations`)) {
    const reason = "skipped: the D1 ledger is not in this tree (no migrations/)";
    log(`  ledger: ${reason}`);
    return { skipped: reason };
  }
  // One workerd per size, each with its own D1 on disk, all up at once: the measured
  // rounds alternate between them, so the machine's drift cannot pass for growth.
  const dirs = sizes.map(() => mkdtempSync(join(tmpdir(), "guichet-bench-d1-")));
  const seeded = new Map();
  try {
    // The D1 database is the GUICHET_LEDGER binding here, not the memory ledger.
    const { GUICHET_LEDGER: _memory, ...env } = workerEnv(plan.sandbox);
    const workers = sizes.map((size, i) => ({
      worker: "guichet",
      label: `${size} payments`,
      env,
      expect: 200,
      expectBody: /"status":"succeeded"/,
      serveOptions: { d1: { id: `guichet-bench-ledger-${size}`, persist: dirs[i] } },
      prepare: async (url, server) => {
        const db = await server.mf.getD1Database("GUICHET_LEDGER");
        const seedMs = await seed(db, size);
        log(`  ledger: ${size} payments seeded in ${(seedMs / 1000).toFixed(1)} s`);
        seeded.set(size, seedMs);
        return settledNotifications(env.MONEROO_WEBHOOK_SECRET, size);
      },
    }));
    const results = await compare({ ...plan, log, runtime: "workerd", workers, title: "webhook, D1 ledger of", sequential: plan.rounds > 1 ? 200 : 40 });
    const runs = [];
    for (const [i, result] of results.entries()) {
      const size = sizes[i];
      if (result.skipped) return { skipped: result.skipped };
      const seedMs = seeded.get(size);
      runs.push({ size, seedMs, ...result });
    }
    return {
      runs,
      method: `One Miniflare per size, each with its own local D1 on disk (\`d1Persist\` in a temporary
directory, removed afterwards), all running at once; the measured rounds alternate between
them (warm-up, then ${plan.rounds} rounds of ${plan.duration} s each, in the order A B C C B A …), so the
machine's drift cannot pass for growth. The schema is \`migrations/*.sql\`, applied through
miniflare's D1 API; the payments are settled sessions spread over the three providers, each
with the event that settled it and the merchant event it announced, generated by SQL in
batches of ${BATCH.toLocaleString("en-US")} rows. The notifications name up to ${NOTIFIED} of the Moneroo payments,
evenly spread from the oldest to the newest, and cycle under the same load as in section 2.
Only workerd has D1, so only workerd is measured. "One at a time" is then
${plan.rounds > 1 ? 200 : 40} single notifications per size, the sizes taking turns, timed by the
client: the least disturbed figure on a busy machine.`,
    };
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}
