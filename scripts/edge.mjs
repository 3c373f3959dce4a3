// `npm run edge`: serves pkg/edge on 127.0.0.1 with settings from `.dev.vars` (KEY=value
// lines, as wrangler reads them; GUICHET_DEV_VARS names another file) overridden by the
// shell's GUICHET_*, MONEROO_*, CINETPAY_* and MONEYFUSION_* variables.
//
// By default on Node with the ledger in a SQLite file (GUICHET_LEDGER_URL, default
// file:./guichet-ledger.db; a postgres://... URL works the same). GUICHET_EDGE_RUNTIME=workerd
// serves it in workerd (miniflare) instead, as `wrangler dev` would, with a local D1 ledger
// under .cache/edge-d1 (GUICHET_EDGE_D1) and the migrations applied.
//
// GUICHET_EDGE_WORKERS=N (Node) serves one port from N processes (node:cluster), as a
// process manager would: they share the ledger, so a request may land on any of them.
import cluster from "node:cluster";
import { readFileSync, existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:http";

const PORT = Number(process.env.GUICHET_EDGE_PORT ?? 8787);
const DEV_VARS = process.env.GUICHET_DEV_VARS ?? ".dev.vars";
const D1_DIR = process.env.GUICHET_EDGE_D1 ?? ".cache/edge-d1";
const RUNTIME = process.env.GUICHET_EDGE_RUNTIME ?? "node";
const WORKERS = Number(process.env.GUICHET_EDGE_WORKERS ?? 1);
/** Settings of this script, not of the worker. */
const LOCAL = new Set(["GUICHET_EDGE_PORT", "GUICHET_DEV_VARS", "GUICHET_EDGE_D1", "GUICHET_EDGE_RUNTIME", "GUICHET_EDGE_WORKERS", "GUICHET_SWEEP_EVERY"]);

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
const settings = { ...devVars(DEV_VARS), ...shell };
const names = (env) => Object.keys(env).filter((name) => ours.test(name)).sort().join(", ") || "none (see docs/EDGE.md)";

/** The edge on Node behind node:http, as a merchant on Node serves it. */
async function serveNode() {
  const env = settings.GUICHET_LEDGER ? settings : { GUICHET_LEDGER_URL: "file:./guichet-ledger.db", ...settings };
  const { fetch: handle, sweep, closeLedgers } = await import("../pkg/edge/index.js");
  // The Cron Trigger of production, as a timer: one sweep every GUICHET_SWEEP_EVERY
  // seconds (60) re-checks what the providers' notifications did not settle and delivers
  // the merchant's events. In a cluster, the first worker sweeps.
  const sweeping = !cluster.isWorker || cluster.worker.id === 1;
  const sweeps = sweeping && setInterval(() => sweep(env).catch((error) => console.error(error)), Number(process.env.GUICHET_SWEEP_EVERY ?? 60) * 1000);
  let answered = 0;
  const server = createServer(async (req, res) => {
    answered++;
    try {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const body = ["GET", "HEAD"].includes(req.method) ? undefined : Buffer.concat(chunks);
      const headers = Object.entries(req.headers).filter(([name]) => !["connection", "keep-alive", "transfer-encoding", "upgrade", "host"].includes(name));
      const answer = await handle(new Request(`http://127.0.0.1:${PORT}${req.url}`, { method: req.method, headers, body }), env);
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(Buffer.from(await answer.arrayBuffer()));
    } catch (error) {
      console.error(error);
      res.writeHead(500, { "content-type": "application/json" }).end('{"error":{"code":"internal","message":"the edge failed"}}');
    }
  });
  await new Promise((ok) => server.listen(PORT, "127.0.0.1", ok));
  if (cluster.isWorker) {
    console.log(`worker ${process.pid} ready`);
    return async () => {
      clearInterval(sweeps);
      await new Promise((ok) => server.close(ok));
      await closeLedgers();
      console.log(`worker ${process.pid} answered ${answered} requests`);
    };
  }
  const ledger = env.GUICHET_LEDGER_URL ? env.GUICHET_LEDGER_URL.replace(/\/\/[^@/]*@/, "//***@") : env.GUICHET_LEDGER;
  console.log(`Guichet edge (Node ${process.version}) on http://127.0.0.1:${PORT}/api/health
  settings: ${names(env)}
  ledger:   ${ledger}
  sweep:    every ${process.env.GUICHET_SWEEP_EVERY ?? 60} s
Ctrl-C to stop.`);
  return async () => {
    clearInterval(sweeps);
    await new Promise((ok) => server.close(ok));
    await closeLedgers();
  };
}

/** The edge in workerd with a local D1 ledger. */
async function serveWorkerd() {
  const { Miniflare } = await import("miniflare");
  const bindings = { GUICHET_LEDGER_AUTO_MIGRATE: "1", ...settings };
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
  console.log(`Guichet edge (workerd) on ${url}api/health
  settings: ${names(bindings)}
  ledger:   D1, ${D1_DIR}
Ctrl-C to stop.`);
  return () => edge.dispose();
}

/** N processes on one port; the first line tells how to reach them. */
async function serveCluster() {
  const workers = Array.from({ length: WORKERS }, () => cluster.fork());
  await Promise.all(workers.map((w) => new Promise((ok) => w.once("listening", ok))));
  console.log(`Guichet edge (Node ${process.version}, ${WORKERS} processes) on http://127.0.0.1:${PORT}/api/health
  settings: ${names(settings)}
Ctrl-C to stop.`);
  return () => Promise.all(workers.map((w) => new Promise((ok) => {
    if (w.isDead()) return ok();
    w.once("exit", ok);
    w.kill("SIGTERM");
  })));
}

const close = RUNTIME === "workerd" ? await serveWorkerd() : cluster.isPrimary && WORKERS > 1 ? await serveCluster() : await serveNode();
async function stop() {
  await close();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
