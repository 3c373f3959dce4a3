// The schema files, read from the package's migrations/ folder: migrations/*.sql for
// SQLite (the same files `wrangler d1 migrations apply` runs) and migrations/postgres/*.sql
// for PostgreSQL. Each file is applied once, in name order; a statement ends with `;` at
// the end of a line, and lines starting with `--` are comments.
import { readdirSync, readFileSync } from "node:fs";

const ROOT = new URL("../../migrations/", import.meta.url);

/** The statements of one migration file. */
export function splitStatements(sql) {
  return sql
    .split("\n")
    .filter((line) => !line.trim().startsWith("--"))
    .join("\n")
    .split(/;[ \t]*$/m)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Every migration of a dialect, in order.
 * @param {"sqlite" | "postgres"} dialect
 * @returns {{ name: string, statements: string[] }[]}
 */
export function readMigrations(dialect) {
  const dir = dialect === "postgres" ? new URL("postgres/", ROOT) : ROOT;
  return readdirSync(dir)
    .filter((file) => file.endsWith(".sql"))
    .sort()
    .map((file) => ({ name: file, statements: splitStatements(readFileSync(new URL(file, dir), "utf8")) }));
}
