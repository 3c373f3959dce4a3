// The edge under a CPU measurement: a worker served on a real port, with the pid of the
// process that runs it, so that /proc can say what the server alone spent (bench/edge-cpu.mjs,
// bench/edge-wait.mjs, bench/workerd-perf.mjs).
import { readFileSync, readdirSync } from "node:fs";
import { Miniflare } from "miniflare";
import { startProcess, stopProcess } from "./procs.mjs";

const root = new URL("../../", import.meta.url).pathname;

/** Direct children of this process: [{pid, name}]. */
export function children() {
  const pids = [];
  for (const task of readdirSync(`/proc/${process.pid}/task`)) {
    const text = readFileSync(`/proc/${process.pid}/task/${task}/children`, "utf8").trim();
    if (text) pids.push(...text.split(/\s+/).map(Number));
  }
  return pids.map((pid) => ({ pid, name: readFileSync(`/proc/${pid}/comm`, "utf8").trim() }));
}

/**
 * Miniflare options served on a loopback port; returns {url, pid, mf, stop}, `pid` the
 * workerd process it started. `Mini` is Miniflare's class (a patched copy may stand in).
 */
export async function startWorkerd(options, env, Mini = Miniflare) {
  const before = new Set(children().map((c) => c.pid));
  const mf = new Mini({ modules: true, ...options, compatibilityDate: "2025-01-01", bindings: env, host: "127.0.0.1", port: 0 });
  const url = (await mf.ready).href.replace(/\/$/, "");
  const started = children().filter((c) => !before.has(c.pid) && c.name === "workerd");
  if (started.length !== 1) throw new Error(`expected one new workerd process, found ${started.length}`);
  return { url, pid: started[0].pid, mf, stop: () => mf.dispose() };
}

/** A fetch-handler module served by Node's http (bench/lib/serve-node.mjs), its own process. */
export async function startNode(entry, env) {
  const { child, match } = await startProcess(process.execPath, [`${root}bench/lib/serve-node.mjs`, entry, "0"], {
    ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    env: { BENCH_WORKER_ENV: JSON.stringify(env) },
    timeoutMs: 20_000,
  });
  return { url: match[1], pid: child.pid, stop: () => stopProcess(child) };
}
