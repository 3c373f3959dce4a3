// A CPU profile taken inside workerd (V8's sampling profiler over the inspector that
// miniflare opens with `inspectorPort`) while `POST /sessions` runs under load against
// one worker, with the provider sandbox and the memory ledger of bench/edge.mjs. Prints
// the functions with the most self time and the share of each part (the wasm, its glue,
// the runtime's builtins, GC, idle), and writes the `.cpuprofile` (Chrome DevTools opens
// it). Names of wasm functions show only with a build that keeps them (bench/PROFILE.md,
// "Round 5": `wasm-opt -Oz -g`, no `--strip-debug`).
//   node bench/workerd-profile.mjs <guichet|reference|pkg dir> [seconds 10] [connections 16] [out.cpuprofile]
// PROFILE_WARM=<s>: seconds of load at 16 connections before the profile (3); connections 1
// profiles the bench's one-at-a-time requests.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { Miniflare } from "miniflare";
import { startSandbox } from "./lib/sandbox.mjs";
import { load } from "./lib/load.mjs";
import { edgeWorkerd, WORKERS } from "./lib/workers.mjs";
import { workerEnv, SESSION_BODY } from "./edge.mjs";

const [target = "guichet", seconds = "10", connections = "16", out] = process.argv.slice(2);

function workerOptions(target) {
  if (WORKERS[target]) return WORKERS[target].workerd;
  return edgeWorkerd(resolve(target));
}

async function webSocket(url) {
  const WS = globalThis.WebSocket ?? (await import("ws")).default;
  const socket = new WS(url);
  await new Promise((ok, fail) => {
    socket.onopen = ok;
    socket.onerror = fail;
  });
  let next = 0;
  const waiting = new Map();
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data));
    const answer = waiting.get(message.id);
    if (!answer) return;
    waiting.delete(message.id);
    if (message.error) answer.fail(new Error(JSON.stringify(message.error)));
    else answer.ok(message.result);
  };
  const send = (method, params = {}) =>
    new Promise((ok, fail) => {
      const id = ++next;
      waiting.set(id, { ok, fail });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => socket.close() };
}

/** Self time per function (µs), from the samples and their time deltas. */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const { functionName, url } = node.callFrame;
    const key = `${functionName || "(anonymous)"}\t${url.replace(/^.*\//, "")}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  return self;
}

function part(key) {
  const [name, file] = key.split("\t");
  if (name === "(idle)") return "idle";
  if (name === "(garbage collector)") return "GC";
  if (name === "(program)") return "program (workerd, C++)";
  if (file.startsWith("wasm") || /\.wasm/.test(file)) return "wasm";
  if (/guichet_edge\.js|guard\.js|worker\.js/.test(file)) return "glue (guichet_edge.js, guard.js)";
  if (/fusionpay|FusionPay/.test(file)) return "reference JS";
  if (file === "") return "builtins (Response, fetch, streams, JSON)";
  return file;
}

const sandbox = await startSandbox();
const inspectorPort = 9300 + Math.floor(Math.random() * 500);
const mf = new Miniflare({
  modules: true,
  ...workerOptions(target),
  compatibilityDate: "2025-01-01",
  bindings: workerEnv(sandbox),
  host: "127.0.0.1",
  port: 0,
  inspectorPort,
});
try {
  const url = (await mf.ready).href.replace(/\/$/, "");
  const request = { method: "POST", path: "/api/sessions", headers: { "content-type": "application/json" }, body: SESSION_BODY };
  const probe = await fetch(`${url}/api/sessions`, request);
  if (probe.status !== 201) throw new Error(`probe answered ${probe.status}: ${await probe.text()}`);
  // Warm: the wasm's functions tier up from Liftoff as they run, and the bench measures one
  // request at a time only after its load rounds.
  await load({ url, requests: [request], connections: 16, duration: Number(process.env.PROFILE_WARM ?? 3), warmup: 0 });
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const inspector = await webSocket(targets[0].webSocketDebuggerUrl);
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: Number(process.env.PROFILE_INTERVAL_US ?? 100) });
  await inspector.send("Profiler.start");
  const figures = await load({ url, requests: [request], connections: Number(connections), duration: Number(seconds), warmup: 0 });
  const { profile } = await inspector.send("Profiler.stop");
  inspector.close();
  if (out) writeFileSync(out, JSON.stringify(profile));
  const self = selfTimes(profile);
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const busy = total - (self.get("(idle)\t") ?? 0);
  const requests = figures.total;
  console.log(`${target}: ${figures.rps.toFixed(0)} req/s, ${requests} requests in ${seconds} s, ${(busy / requests).toFixed(1)} µs of the isolate's thread busy per request`);
  const parts = new Map();
  for (const [key, us] of self) parts.set(part(key), (parts.get(part(key)) ?? 0) + us);
  console.log("by part (µs per request, share of busy time):");
  for (const [name, us] of [...parts].sort((a, b) => b[1] - a[1]))
    if (name !== "idle") console.log(`  ${(us / requests).toFixed(1).padStart(7)}  ${((100 * us) / busy).toFixed(1).padStart(5)} %  ${name}`);
  console.log("functions by self time (µs per request, share of busy time):");
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
    if (key.startsWith("(idle)")) continue;
    console.log(`  ${(us / requests).toFixed(1).padStart(7)}  ${((100 * us) / busy).toFixed(1).padStart(5)} %  ${key.replace("\t", "  ")}`);
  }
} finally {
  await mf.dispose();
  await sandbox.stop();
}
