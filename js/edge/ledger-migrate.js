#!/usr/bin/env node
// npx guichet-migrate [url]: brings the ledger at GUICHET_LEDGER_URL (or `url`) up to date
// with the package's migrations/. PostgreSQL: applies migrations/postgres/ not yet
// recorded in guichet_migrations. A SQLite file: creates it and its tables (the edge also
// does this when it opens the file). D1 is migrated by wrangler: wrangler d1 migrations
// apply <database>.
import { migratePostgres } from "./ledger-postgres.js";
import { openSqlite } from "./ledger-sqlite.js";

const url = process.argv[2] ?? process.env.GUICHET_LEDGER_URL;
if (!url) {
  console.error("usage: guichet-migrate <postgres://... | file:./guichet-ledger.db>, or set GUICHET_LEDGER_URL");
  process.exit(2);
}
if (/^postgres(ql)?:\/\//.test(url)) {
  const applied = await migratePostgres(url);
  console.log(applied.length ? `applied ${applied.join(", ")}` : "the PostgreSQL ledger is up to date");
} else if (url.startsWith("file:")) {
  const path = url.startsWith("file://") ? new URL(url).pathname : url.slice("file:".length);
  (await openSqlite(path)).close();
  console.log(`the SQLite ledger ${path} is up to date`);
} else {
  console.error("GUICHET_LEDGER_URL must start with file: or postgres://");
  process.exit(2);
}
