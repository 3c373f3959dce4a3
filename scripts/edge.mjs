// Serves pkg/edge in workerd (miniflare) as `wrangler dev` would: variables from
// `.dev.vars` (KEY=value lines, as wrangler reads them; GUICHET_DEV_VARS names another file) overridden by the shell's
// GUICHET_*, MONEROO_*, CINETPAY_* and MONEYFUSION_* variables, and a local D1 ledger
// under .cache/edge-d1 (GUICHET_EDGE_D1) with the migrations applied.
import { readFileSync, existsSync, mkdirSync } from "node:fs";
import { Miniflare } from "miniflare";

const PORT = Number(process.env.GUICHET_EDGE_PORT ?? 8787);
const DEV_VARS = process.env.GUICHET_DEV_VARS ?? ".dev.vars";
const D1_DIR = process.env.GUICHET_EDGE_D1 ?? ".cache/edge-d1";
/** Settings of this script, not of the worker. */
const LOCAL = new Set(["GUICHET_EDGE_PORT", "GUICHET_DEV_VARS", "GUICHET_EDGE_D1", "GUICHET_SWEEP_EVERY"]);
/** Seconds between two sweeps, as a Cron Trigger would fire them in production. */
const SWEEP_EVERY = Number(process.env.GUICHET_SWEEP_EVERY ?? 60);

/** `.dev.vars`: one KEY=value per line, `#` comments, optional quotes. */
function devVars(path) {
  if (!existsSync(path)) return {};
  const vars = {};
  for (const line of readFileSync(path, "utf8").split(/\r?\n/)) {
    const match = line.match(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/);
    if (!match || line.trimStart().startsWith("#")) continue;
    vars[match[1]] = match[2].replace(/^(["'])(.*)\1$/, "$2");
  }
  return vars;
}

const ours = /^(GUICHET|MONEROO|CINETPAY|MONEYFUSION)_/;
const shell = Object.fromEntries(Object.entries(process.env).filter(([name]) => ours.test(name) && !LOCAL.has(name)));
const bindings = { GUICHET_LEDGER_AUTO_MIGRATE: "1", ...devVars(DEV_VARS), ...shell };
mkdirSync(D1_DIR, { recursive: true });

const edge = new Miniflare({
  modules: true,
  scriptPath: "pkg/edge/worker.js",
  modulesRules: [
    { type: "ESModule", include: ["**/*.js"] },
    { type: "CompiledWasm", include: ["**/*.wasm"] },
  ],
  compatibilityDate: "2025-01-01",
  host: "127.0.0.1",
  port: PORT,
  bindings,
  d1Databases: { GUICHET_LEDGER: "guichet-ledger" },
  d1Persist: D1_DIR,
});
const url = await edge.ready;
// The Cron Trigger of production: one sweep a minute (docs/EDGE.md, "The sweep").
const worker = await edge.getWorker();
const sweeps = setInterval(() => worker.scheduled({ cron: "* * * * *" }).catch((e) => console.error("sweep:", e.message)), SWEEP_EVERY * 1000);
const set = Object.keys(bindings).filter((name) => ours.test(name)).sort();
console.log(`Guichet edge (workerd) on ${url}api/health
  settings: ${set.join(", ") || "none (see docs/EDGE.md)"}
  ledger:   D1, ${D1_DIR}
  sweep:    every ${SWEEP_EVERY} s (GUICHET_SWEEP_EVERY)
Ctrl-C to stop.`);

async function stop() {
  clearInterval(sweeps);
  await edge.dispose();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
