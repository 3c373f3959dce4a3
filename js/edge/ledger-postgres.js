// The ledger in PostgreSQL (GUICHET_LEDGER_URL=postgres://user:password@host:5432/db), for
// Node and Deno, through the npm `postgres` client (pure JavaScript). It presents the
// D1 shape the Rust ledger speaks (prepare/bind/first/all/run, batch as one transaction)
// and runs the same SQL: placeholders `?N` become `$N`, and each batch is one
// SERIALIZABLE transaction, retried when PostgreSQL reports a conflict with another one,
// so concurrent requests on several processes see the same order of events SQLite gives.
// The schema is migrations/postgres/, applied by `npx guichet-migrate`.
import { readMigrations } from "./ledger-migrations.js";

/** SQLSTATEs that mean "run the transaction again": serialization failure, deadlock. */
const RETRY = new Set(["40001", "40P01"]);
const ATTEMPTS = 30;
const INT8 = 20;
const TEXT = 25;

async function client(url) {
  let postgres;
  try {
    ({ default: postgres } = await import("postgres"));
  } catch {
    throw new Error("a PostgreSQL ledger needs the npm package postgres: npm install postgres");
  }
  return postgres(url, {
    max: 10,
    idle_timeout: 30,
    onnotice: () => {},
    // BIGINT columns (amounts, times) come back as numbers: every one is below 2^53.
    types: { int8: { to: INT8, from: [INT8], serialize: (x) => String(x), parse: (x) => Number(x) } },
  });
}

/** `?N` and `?` placeholders as PostgreSQL's `$N` (the SQL holds no `?` in a literal). */
const numbered = new Map();
function translate(sql) {
  let text = numbered.get(sql);
  if (text === undefined) {
    let next = 0;
    text = sql.replace(/\?(\d+)?/g, (_, n) => `$${n ?? ++next}`);
    numbered.set(sql, text);
  }
  return text;
}

const READS = /^\s*(SELECT|WITH)\b/i;

/** Applies the migrations not yet recorded in `guichet_migrations`, in one transaction. */
async function migrate(sql) {
  return sql.begin(async (tx) => {
    // One migrator at a time, whichever process runs it.
    await tx.unsafe("SELECT pg_advisory_xact_lock(7400931)");
    await tx.unsafe("CREATE TABLE IF NOT EXISTS guichet_migrations (name TEXT PRIMARY KEY NOT NULL, applied_at BIGINT NOT NULL)");
    const applied = new Set((await tx.unsafe("SELECT name FROM guichet_migrations")).map((r) => r.name));
    const done = [];
    for (const { name, statements } of readMigrations("postgres")) {
      if (applied.has(name)) continue;
      for (const statement of statements) await tx.unsafe(statement);
      await tx.unsafe("INSERT INTO guichet_migrations (name, applied_at) VALUES ($1, $2)", [name, Math.floor(Date.now() / 1000)]);
      done.push(name);
    }
    return done;
  });
}

/** The migrations the database lacks. */
async function missing(sql) {
  const [{ present }] = await sql.unsafe("SELECT to_regclass('guichet_migrations') IS NOT NULL AS present");
  const applied = present ? new Set((await sql.unsafe("SELECT name FROM guichet_migrations")).map((r) => r.name)) : new Set();
  return readMigrations("postgres").map((m) => m.name).filter((name) => !applied.has(name));
}

/**
 * Applies migrations/postgres/ to the database at `url`; answers the files it applied.
 * @param {string} url
 */
export async function migratePostgres(url) {
  const sql = await client(url);
  try {
    return await migrate(sql);
  } finally {
    await sql.end();
  }
}

/**
 * Opens the database at `url`. Its schema must be up to date (`npx guichet-migrate`),
 * unless `autoMigrate` applies what is missing.
 * @param {string} url
 * @param {{ autoMigrate?: boolean }} [options]
 */
export async function openPostgres(url, { autoMigrate = false } = {}) {
  const sql = await client(url);
  try {
    if (autoMigrate) await migrate(sql);
    const lacking = await missing(sql);
    if (lacking.length) {
      throw new Error(
        `the PostgreSQL ledger lacks migrations ${lacking.join(", ")}: run npx guichet-migrate with GUICHET_LEDGER_URL set, or set GUICHET_LEDGER_AUTO_MIGRATE=1`,
      );
    }
  } catch (error) {
    await sql.end();
    throw error;
  }

  // Numbers are BIGINT and strings TEXT wherever they stand (a SELECT list gives
  // PostgreSQL no column to guess from); a NULL takes its type from its place.
  const values = (params) => params.map((v) => (typeof v === "number" ? sql.typed(v, INT8) : typeof v === "string" ? sql.typed(v, TEXT) : v));
  const query = async (runner, statement) => {
    const rows = await runner.unsafe(translate(statement.sql), values(statement.params), { prepare: true });
    const reads = READS.test(statement.sql);
    return { results: reads ? rows.map((row) => ({ ...row })) : [], success: true, meta: { changes: reads ? 0 : rows.count } };
  };
  const statement = (text, params = []) => {
    const self = {
      sql: text,
      params,
      bind: (...bound) => statement(text, bound),
      first: async () => (await query(sql, self)).results[0] ?? null,
      all: () => query(sql, self),
      run: () => query(sql, self),
    };
    return self;
  };

  return {
    kind: "postgres",
    managesSchema: true,
    prepare: (text) => statement(text),
    async batch(list) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await sql.begin("isolation level serializable", async (tx) => {
            const results = [];
            for (const s of list) results.push(await query(tx, s));
            return results;
          });
        } catch (error) {
          if (!RETRY.has(error?.code) || attempt >= ATTEMPTS) throw error;
          await new Promise((ok) => setTimeout(ok, Math.random() * Math.min(50, 2 * attempt)));
        }
      }
    },
    close: () => sql.end(),
  };
}
