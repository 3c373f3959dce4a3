// Opens the ledger GUICHET_LEDGER_URL names, once per process: `file:<path>` (a SQLite
// file, relative to the working directory) or `postgres://...` / `postgresql://...`.
import { fileURLToPath } from "node:url";

const open = new Map();

/** The SQLite file a `file:` URL names: `file:./a.db`, `file:a.db`, `file:///srv/a.db`. */
function sqlitePath(url) {
  return url.startsWith("file://") ? fileURLToPath(url) : url.slice("file:".length);
}

async function connect(url, env) {
  if (url.startsWith("file:")) {
    const { openSqlite } = await import("./ledger-sqlite.js");
    return openSqlite(sqlitePath(url));
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { openPostgres } = await import("./ledger-postgres.js");
    const autoMigrate = ["1", "true"].includes(String(env.GUICHET_LEDGER_AUTO_MIGRATE ?? "").trim());
    return openPostgres(url, { autoMigrate });
  }
  throw new Error("GUICHET_LEDGER_URL must start with file: (SQLite) or postgres:// (PostgreSQL)");
}

/**
 * The D1-shaped database behind `url`, opened on first use. A failed open is forgotten,
 * so the next request tries again (a database still starting).
 * @param {string} url
 * @param {Record<string, string>} env
 */
export function ledgerAt(url, env) {
  let db = open.get(url);
  if (!db) {
    db = connect(url, env);
    open.set(url, db);
    db.catch(() => open.delete(url));
  }
  return db;
}

/** Closes every ledger this process opened (a server shutting down, a test ending). */
export async function closeLedgers() {
  const all = [...open.values()];
  open.clear();
  await Promise.all(all.map((db) => db.then((d) => d.close(), () => {})));
}
