// A real PostgreSQL server for the ledger suites, from Debian's packages (installed by
// scripts/bootstrap.sh): a fresh cluster in a temporary directory, on a free port, run as
// the `postgres` user when the tests run as root (initdb and postgres refuse root; the
// processes are spawned with that user's ids rather than through runuser, which would not
// pass a signal on), and
// removed when the suite ends.
import { spawn, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./stack.mjs";

function binDir() {
  const root = "/usr/lib/postgresql";
  const version = existsSync(root) && readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  if (!version) throw new Error("PostgreSQL is not installed: run scripts/bootstrap.sh (apt-get install postgresql)");
  return join(root, version, "bin");
}

/**
 * Starts a throwaway PostgreSQL; answers its URL, a way to make databases, and stop().
 * Commits are not flushed to disk (fsync off) unless `durable` (the benchmarks, which
 * compare it with a SQLite file that does flush).
 */
export async function startPostgres({ durable = false } = {}) {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), "guichet-pg-"));
  const root = process.getuid?.() === 0;
  const user = {};
  if (root) {
    user.uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
    user.gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }));
    chownSync(dir, user.uid, user.gid);
  }
  const data = join(dir, "data");
  execFileSync(join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "guichet", "--no-sync", "-E", "UTF8"], { stdio: "ignore", cwd: dir, ...user });
  const port = await freePort();
  const server = spawn(
    join(bin, "postgres"),
    ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", ...(durable ? [] : ["-c", "fsync=off"]), "-c", "max_connections=200"],
    { stdio: ["ignore", "ignore", "pipe"], cwd: dir, ...user },
  );
  let log = "";
  server.stderr.on("data", (chunk) => (log += chunk));
  const kill = () => server.kill("SIGINT");
  process.on("exit", kill);
  const url = (db) => `postgres://guichet@127.0.0.1:${port}/${db}`;
  const { default: postgres } = await import("postgres");
  const admin = postgres(url("postgres"), { max: 1, onnotice: () => {}, connect_timeout: 2 });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await admin`SELECT 1`;
      break;
    } catch (error) {
      if (server.exitCode !== null || Date.now() > deadline) throw new Error(`PostgreSQL did not start: ${error.message}\n${log}`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }
  let databases = 0;
  return {
    port,
    url,
    /** A new empty database; answers its URL. */
    async database() {
      const name = `ledger_${++databases}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      return url(name);
    },
    async stop() {
      await admin.end();
      process.off("exit", kill);
      if (server.exitCode === null) {
        await new Promise((ok) => {
          server.once("exit", ok);
          kill();
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
