// workerd's CPU per request for a worker's own work: `POST /sessions` (or `GET /health`)
// made N times in a row inside workerd, by a loop module beside the worker
// (bench/lib/loop-worker.mjs), with provider calls answered at once in JavaScript. No
// socket, no HTTP, no miniflare entry worker and no sandbox, which are most of a request
// over loopback and the same for every worker (bench/PROFILE.md, round 6): what is left is
// the worker's code and the runtime objects it makes. CPU from /proc (10 ms ticks), rounds
// rotating between the workers, medians.
//   node bench/workerd-loop.mjs [requests 3000] [rounds 7] <reference|pkg dir>...
// LOOP_KIND=health: GET /health instead. LOOP_V8_FLAGS="--no-liftoff ...": V8 flags for
// workerd (through a patched copy of miniflare's bundle, as bench/workerd-perf.mjs does).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { Miniflare } from "miniflare";
import { startWorkerd } from "./lib/servers.mjs";
import { workerEnv } from "./edge.mjs";

const root = new URL("../", import.meta.url).pathname;
const [count = "3000", rounds = "7", ...targets] = process.argv.slice(2);
if (targets.length === 0) targets.push("reference", `${root}pkg/edge`);
const kind = process.env.LOOP_KIND ?? "sessions";

let Mini = Miniflare;
let patched;
if (process.env.LOOP_V8_FLAGS) {
  const bundle = `${root}node_modules/miniflare/dist/src/index.js`;
  patched = bundle.replace(/index\.js$/, "index-loop-v8flags.js");
  const anchor = "const configBuffer = serializeConfig(config);";
  const original = readFileSync(bundle, "utf8");
  if (!original.includes(anchor)) throw new Error("miniflare changed: no serializeConfig(config) to patch");
  writeFileSync(patched, original.replace(anchor, `config.v8Flags = ${JSON.stringify(process.env.LOOP_V8_FLAGS.split(" "))}; ${anchor}`));
  Mini = (await import(patched)).Miniflare;
}

function cpuOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

// Provider settings pointing nowhere: the loop answers every provider call itself.
const env = workerEnv({
  info: { credentials: {} },
  moneyfusionApiUrl: "http://127.0.0.1:9/moneyfusion/GuichetSandbox/5a1d3b0c9e7f2468/pay/",
  moneyfusion: "http://127.0.0.1:9/moneyfusion",
  moneroo: "http://127.0.0.1:9/moneroo",
  cinetpay: "http://127.0.0.1:9/cinetpay",
});
const loop = readFileSync(`${root}bench/lib/loop-worker.mjs`, "utf8");
const scratch = mkdtempSync(`${tmpdir()}/guichet-loop-`);
const live = [];
try {
  for (const [i, target] of targets.entries()) {
    const dir = `${scratch}/${i}`;
    let options;
    if (target === "reference") {
      cpSync(`${root}bench/reference`, `${dir}/reference`, { recursive: true });
      cpSync(`${root}bench/node_modules/fusionpay`, `${dir}/node_modules/fusionpay`, { recursive: true });
      writeFileSync(`${dir}/loop.mjs`, loop.replace('from "./worker.js"', 'from "./reference/fusionpay-worker.mjs"'));
      options = { modulesRules: [{ type: "ESModule", include: ["**/*.mjs"] }, { type: "CommonJS", include: ["**/*.js"] }] };
    } else {
      cpSync(resolve(target), dir, { recursive: true });
      writeFileSync(`${dir}/loop.mjs`, loop);
      options = { modulesRules: [{ type: "ESModule", include: ["**/*.js", "**/*.mjs"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }] };
    }
    const server = await startWorkerd({ scriptPath: `${dir}/loop.mjs`, modulesRoot: dir, ...options }, env, Mini);
    live.push({ target, server, cpu: [] });
    const probe = await (await fetch(`${server.url}/?n=200&kind=${kind}`)).text();
    if (!probe.startsWith("ok")) throw new Error(`${target}: ${probe}`);
  }
  for (let round = 0; round < Number(rounds); round++) {
    for (let k = 0; k < live.length; k++) {
      const w = live[(round + k) % live.length];
      const before = cpuOf(w.server.pid);
      const text = await (await fetch(`${w.server.url}/?n=${count}&kind=${kind}`)).text();
      if (!text.startsWith("ok")) throw new Error(`${w.target}: ${text}`);
      w.cpu.push((cpuOf(w.server.pid) - before) / Number(count));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const first = median(live[0].cpu);
  for (const w of live) {
    const m = median(w.cpu);
    console.log(`${w.target}: ${m.toFixed(1)} µs of workerd's CPU per ${kind === "health" ? "GET /health" : "POST /sessions"} (${(m / first).toFixed(2)}× the first; rounds ${w.cpu.map((x) => x.toFixed(0)).join(" ")})`);
  }
} finally {
  for (const w of live) await w.server.stop();
  rmSync(scratch, { recursive: true, force: true });
  if (patched) rmSync(patched, { force: true });
}
