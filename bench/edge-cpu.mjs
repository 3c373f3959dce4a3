// CPU time per `POST /sessions` of the process that serves it (workerd, or the Node server
// of bench/lib/serve-node.mjs) and of the provider sandbox, for the reference and one or
// more Guichet builds side by side, under the bench's load (16 connections). On a shared
// machine the CPU a request costs moves far less than throughput does (which another
// helper's build halves), and on 2 cores it is what throughput comes down to: the worker,
// the sandbox and the load generator share them. Rounds rotate the workers; medians.
//   node bench/edge-cpu.mjs [rounds 5] [seconds 4] [workerd,node] [pkg dir...]   (default pkg/edge)
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { startSandbox } from "./lib/sandbox.mjs";
import { load } from "./lib/load.mjs";
import { children, startNode, startWorkerd } from "./lib/servers.mjs";
import { edgeWorkerd, WORKERS } from "./lib/workers.mjs";
import { workerEnv, SESSION_BODY } from "./edge.mjs";

const root = new URL("../", import.meta.url).pathname;
const [rounds = "5", seconds = "4", runtimes = "workerd,node", ...pkgs] = process.argv.slice(2);
if (pkgs.length === 0) pkgs.push(`${root}pkg/edge`);

/** User + system CPU of `pid` and its threads, in µs. */
function cpuOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // clock ticks of 10 ms
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const before = new Set(children().map((c) => c.pid));
const sandbox = await startSandbox();
const sandboxPid = children().find((c) => !before.has(c.pid) && c.name.startsWith("guichet-sandbox"))?.pid;
if (!sandboxPid) throw new Error("the sandbox process was not found");
const env = workerEnv(sandbox);
const request = { method: "POST", path: "/api/sessions", headers: { "content-type": "application/json" }, body: SESSION_BODY };
try {
  for (const runtime of runtimes.split(",")) {
    const workers = [["reference", null], ...pkgs.map((p) => [p, resolve(p)])];
    const live = [];
    try {
      for (const [name, dir] of workers) {
        const server =
          runtime === "workerd"
            ? await startWorkerd(dir ? edgeWorkerd(dir) : WORKERS.reference.workerd, env)
            : await startNode(dir ? `${dir}/index.js` : WORKERS.reference.node, env);
        const probe = await fetch(`${server.url}${request.path}`, request);
        if (probe.status !== 201) throw new Error(`${name} in ${runtime} answered ${probe.status}: ${await probe.text()}`);
        live.push({ name, server, figures: [] });
      }
      for (const w of live) await load({ url: w.server.url, requests: [request], duration: 2, warmup: 0 });
      for (let round = 0; round < Number(rounds); round++) {
        for (let k = 0; k < live.length; k++) {
          const w = live[(round + k) % live.length];
          const cpu0 = cpuOf(w.server.pid);
          const sb0 = cpuOf(sandboxPid);
          const r = await load({ url: w.server.url, requests: [request], duration: Number(seconds), warmup: 0 });
          const failures = r.non2xx + r.errors + r.timeouts;
          if (failures) throw new Error(`${w.name} in ${runtime}: ${failures} failures`);
          w.figures.push({ rps: r.rps, cpu: (cpuOf(w.server.pid) - cpu0) / r.total, sandbox: (cpuOf(sandboxPid) - sb0) / r.total });
        }
      }
    } finally {
      for (const w of live) await w.server.stop();
    }
    const [ref] = live;
    const mid = (w, k) => median(w.figures.map((f) => f[k]));
    console.log(`${runtime}: CPU per POST /sessions under 16 connections, medians of ${rounds} rounds of ${seconds} s`);
    for (const w of live) {
      const ratio = w === ref ? "" : `  ÷ reference: cpu ${(mid(w, "cpu") / mid(ref, "cpu")).toFixed(2)}×, req/s ${(mid(w, "rps") / mid(ref, "rps")).toFixed(2)}×`;
      console.log(`  ${w.name}: ${mid(w, "cpu").toFixed(0)} µs server, ${mid(w, "sandbox").toFixed(0)} µs sandbox, ${mid(w, "rps").toFixed(0)} req/s${ratio}`);
      console.log(`    server µs per round: ${w.figures.map((f) => f.cpu.toFixed(0)).join(" ")}`);
    }
  }
} finally {
  await sandbox.stop();
}
