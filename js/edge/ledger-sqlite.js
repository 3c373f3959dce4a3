// The ledger in a SQLite file (GUICHET_LEDGER_URL=file:./guichet-ledger.db), for Node and
// Deno. The Rust ledger speaks to D1; this module gives it a database of the same shape
// (prepare/bind/first/all/run, and batch as one transaction) over SQLite: the built-in
// `node:sqlite` where the runtime has it (Deno, Node 22.13 and newer), otherwise the npm
// `libsql` package (Node 20), whose binaries come from the npm registry itself.
//
// The file is opened in WAL mode with a busy timeout, so several processes can share it:
// readers never wait, and a writer waits its turn (BEGIN IMMEDIATE) instead of failing.
// That wait is short: both drivers are synchronous, so it stalls the whole process. A
// lock held longer fails the statement with `database is locked`, and the Rust binding
// (src/edge/ledger/sql/binding.rs) tries it again after a pause on a timer, during which
// the process serves other requests.
import { readMigrations } from "./ledger-migrations.js";

/** How long a statement waits for another process's transaction before failing busy. */
const BUSY_TIMEOUT_MS = 250;
/** The same while the file is opened and migrated (once per process, before serving). */
const OPEN_BUSY_TIMEOUT_MS = 5_000;

async function driver() {
  try {
    const { DatabaseSync } = await import("node:sqlite");
    return (path) => new DatabaseSync(path);
  } catch {
    try {
      const { default: Database } = await import("libsql");
      return (path) => new Database(path);
    } catch {
      throw new Error(
        "a SQLite ledger needs node:sqlite (Deno, Node 22.13 or newer) or the npm package libsql on Node 20: npm install libsql",
      );
    }
  }
}

/** A row as a plain object (libsql adds a `_metadata` key to `get`). */
function plain(row) {
  if (!row) return null;
  const { _metadata, ...rest } = row;
  return rest;
}

const READS = /^\s*(SELECT|WITH|PRAGMA)\b/i;

/**
 * Opens (creating it if needed) the SQLite file at `path` and brings its schema up to
 * date with migrations/, recorded in `guichet_migrations`.
 * @param {string} path
 */
export async function openSqlite(path) {
  const db = (await driver())(path);
  db.exec(`PRAGMA busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA foreign_keys = ON");

  const statements = new Map();
  const prepared = (sql) => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
  const execute = (sql, params) => {
    const statement = prepared(sql);
    if (READS.test(sql)) return { results: statement.all(...params).map(plain), success: true, meta: { changes: 0 } };
    const { changes } = statement.run(...params);
    return { results: [], success: true, meta: { changes: Number(changes) } };
  };
  const transaction = (work) => {
    db.exec("BEGIN IMMEDIATE");
    try {
      const result = work();
      db.exec("COMMIT");
      return result;
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  };

  const statement = (sql, params = []) => ({
    sql,
    params,
    bind: (...values) => statement(sql, values),
    first: async () => plain(prepared(sql).get(...params)) ?? null,
    all: async () => execute(sql, params),
    run: async () => execute(sql, params),
  });

  transaction(() => {
    db.exec("CREATE TABLE IF NOT EXISTS guichet_migrations (name TEXT PRIMARY KEY NOT NULL, applied_at INTEGER NOT NULL)");
    const applied = new Set(db.prepare("SELECT name FROM guichet_migrations").all().map((r) => r.name));
    for (const { name, statements: list } of readMigrations("sqlite")) {
      if (applied.has(name)) continue;
      for (const sql of list) db.exec(sql);
      db.prepare("INSERT INTO guichet_migrations (name, applied_at) VALUES (?, ?)").run(name, Math.floor(Date.now() / 1000));
    }
  });
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);

  return {
    kind: "sqlite",
    managesSchema: true,
    prepare: (sql) => statement(sql),
    batch: async (list) => transaction(() => list.map((s) => execute(s.sql, s.params))),
    exec: async (sql) => {
      db.exec(sql);
      return { count: 1 };
    },
    close: () => db.close(),
  };
}
