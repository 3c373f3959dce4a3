// POST /sessions one at a time, in this process: Guichet's Node entry and the fusionpay
// reference worker take turns against the provider sandbox, no HTTP server in front of
// either (the request is built and handed to the handler, as a runtime would). Prints the
// median wall time and CPU time per request of each, and the ratios to the reference.
// Each round is `requests` requests to one handler; the handlers take turns in rotating
// order, so drift in the machine's load hits them alike. The ledger is the memory one and
// grows by every request: a figure that climbs from round to round is work that grows
// with the ledger. For bisecting and profiling (`node --cpu-prof`); the bench's edge-load
// section measures over HTTP.
//   node bench/sessions-loop.mjs [requests 400] [rounds 5] [pkg dir pkg/edge] [another pkg dir...]
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { startSandbox } from "./lib/sandbox.mjs";
import { workerEnv, SESSION_BODY } from "./edge.mjs";

const root = new URL("../", import.meta.url).pathname;
const [perRound = "400", rounds = "5", ...pkgs] = process.argv.slice(2);
if (pkgs.length === 0) pkgs.push(`${root}pkg/edge`);
const sandbox = await startSandbox();
const env = workerEnv(sandbox);
Object.assign(process.env, env);
const ctx = { waitUntil() {}, passThroughOnException() {} };
const handlers = [["reference", (await import(`${root}bench/reference/fusionpay-worker.mjs`)).default.fetch]];
// A directory imported twice would share one module (and one ledger): each gets its own URL.
for (const [i, pkg] of pkgs.entries()) handlers.push([pkg, (await import(`${pathToFileURL(resolve(pkg, "index.js")).href}?${i}`)).fetch]);
const request = () =>
  new Request("http://127.0.0.1:8787/api/sessions", { method: "POST", headers: { "content-type": "application/json" }, body: SESSION_BODY });

async function round(handler) {
  const times = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < Number(perRound); i++) {
    const start = performance.now();
    const answer = await handler(request(), env, ctx);
    await answer.arrayBuffer();
    if (answer.status !== 201 && answer.status !== 200) throw new Error(`status ${answer.status}`);
    times.push(performance.now() - start);
  }
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  return { wall: times[times.length >> 1], cpu: (used.user + used.system) / 1000 / Number(perRound) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
try {
  for (const [, handler] of handlers) await round(handler); // warm-up, dropped
  const figures = handlers.map(() => []);
  for (let i = 0; i < Number(rounds); i++) {
    for (let k = 0; k < handlers.length; k++) {
      const at = (i + k) % handlers.length;
      figures[at].push(await round(handlers[at][1]));
    }
  }
  const [ref] = figures;
  const mid = (xs, key) => median(xs.map((x) => x[key]));
  for (const [at, [name]] of handlers.entries()) {
    const xs = figures[at];
    const ratio = at === 0 ? "" : `  ÷ reference: wall ${(mid(xs, "wall") / mid(ref, "wall")).toFixed(2)}×, cpu ${(mid(xs, "cpu") / mid(ref, "cpu")).toFixed(2)}×`;
    console.log(`${name}\n  median wall ${mid(xs, "wall").toFixed(3)} ms, cpu ${mid(xs, "cpu").toFixed(3)} ms per request${ratio}`);
    console.log(`  wall per round: ${xs.map((x) => x.wall.toFixed(2)).join(" ")}`);
  }
} finally {
  await sandbox.stop();
}
