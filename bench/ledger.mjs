// Cost growth: the same Moneroo webhook load as in edge.mjs, with the ledger in D1
// (miniflare's local D1, SQLite on disk, binding GUICHET_LEDGER) already holding 10,
// 10 000 or 100 000 payments. Only workerd has D1, so only workerd is measured.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compare } from "./lib/compare.mjs";
import { monerooDeliveries, workerEnv, WEBHOOK_SESSIONS } from "./edge.mjs";

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
// it, as a running shop's ledger holds them. Generated in SQLite itself, BATCH rows per
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

/** Creates the schema and `size` settled payments; returns the milliseconds it took. */
export async function seed(db, size, migrations) {
  const t0 = performance.now();
  await db.batch(migrationStatements(migrations).map((sql) => db.prepare(sql)));
  for (let start = 1; start <= size; start += BATCH) {
    const end = Math.min(size, start + BATCH - 1);
    await db.batch([db.prepare(SEED_SESSIONS).bind(start, end), db.prepare(SEED_EVENTS).bind(start, end)]);
  }
  const { n } = await db.prepare("SELECT count(*) AS n FROM sessions").first();
  if (n !== size) throw new Error(`seeded ${n} sessions, wanted ${size}`);
  return performance.now() - t0;
}

export async function ledgerGrowth({ sizes, log = console.log, ...plan }) {
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
      expectBody: /"status":"pending"/,
      serveOptions: { d1: { id: `guichet-bench-ledger-${size}`, persist: dirs[i] } },
      prepare: async (url, server) => {
        const db = await server.mf.getD1Database("GUICHET_LEDGER");
        const seedMs = await seed(db, size);
        log(`  ledger: ${size} payments seeded in ${(seedMs / 1000).toFixed(1)} s`);
        const requests = await monerooDeliveries(url, env.MONEROO_WEBHOOK_SECRET, WEBHOOK_SESSIONS);
        const rows = (await db.prepare("SELECT count(*) AS n FROM sessions").first()).n;
        seeded.set(size, { seedMs, rows });
        return requests;
      },
    }));
    const results = await compare({ ...plan, log, runtime: "workerd", workers, title: "webhook, D1 ledger of", sequential: plan.rounds > 1 ? 200 : 40 });
    const runs = [];
    for (const [i, result] of results.entries()) {
      const size = sizes[i];
      if (result.skipped) return { skipped: result.skipped };
      const { seedMs, rows } = seeded.get(size);
      if (rows !== size + WEBHOOK_SESSIONS) {
        const reason = `skipped: the edge did not write its sessions to GUICHET_LEDGER (${rows} rows, expected ${size + WEBHOOK_SESSIONS})`;
        log(`  ledger: ${reason}`);
        return { skipped: reason };
      }
      runs.push({ size, seedMs, ...result });
    }
    return {
      runs,
      method: `One Miniflare per size, each with its own local D1 on disk (\`d1Persist\` in a temporary
directory, removed afterwards), all running at once; the measured rounds alternate between
them (warm-up, then ${plan.rounds} rounds of ${plan.duration} s each, in the order A B C C B A …), so the
machine's drift cannot pass for growth. The schema is \`migrations/*.sql\`, applied through
miniflare's D1 API; the payments are settled sessions spread over the three providers, each
with the event that settled it, generated by SQL in batches of ${BATCH.toLocaleString("en-US")} rows. Then ${WEBHOOK_SESSIONS}
Moneroo sessions are opened through \`POST /sessions\` (so they are in D1 too) and their signed
deliveries are sent under the same load as in section 2: signature, lookup by provider
reference, status call to the sandbox, apply-once in D1. Only workerd has D1, so only
workerd is measured. "One at a time" is then ${plan.rounds > 1 ? 200 : 40} single deliveries per size, the sizes
taking turns, timed by the client: the least disturbed figure on a busy machine.`,
    };
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}
