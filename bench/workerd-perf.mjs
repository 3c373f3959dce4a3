// Where the CPU of one `POST /sessions` goes inside workerd's process, the runtime's own C++
// included (which V8's profiler, bench/workerd-profile.mjs, does not see): `perf record -g`
// on the workerd processes of several workers at once, their requests taking turns one at a
// time (as the bench's "one at a time" does, after a load that warms them), and each sample
// charged to the innermost JavaScript or wasm frame on its stack (the runtime's work that a
// call such as `fetch` or `new Response` starts counts for that call), or, with none, to the
// runtime. V8 names its compiled code for perf only with `--perf-basic-prof`, a flag that
// miniflare has no option for: this script loads a copy of miniflare that puts it in
// workerd's config (`v8Flags`). Needs `perf` (linux-tools) and the right to trace the
// processes (root, or kernel.perf_event_paranoid <= 1). Wasm names need a build that keeps
// them (bench/PROFILE.md, round 5).
//   node bench/workerd-perf.mjs [requests 1000] <reference|pkg dir>...
// BENCH_WARM=<s>: seconds of load at 16 connections on each worker first (default 6).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { readFileSync, writeFileSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { startSandbox } from "./lib/sandbox.mjs";
import { load } from "./lib/load.mjs";
import { startWorkerd } from "./lib/servers.mjs";
import { edgeWorkerd, WORKERS } from "./lib/workers.mjs";
import { workerEnv, SESSION_BODY } from "./edge.mjs";

const root = new URL("../", import.meta.url).pathname;
const [count = "1000", ...targets] = process.argv.slice(2);
if (targets.length === 0) targets.push("reference", `${root}pkg/edge`);

// miniflare with `v8Flags` in the workerd config it writes: a copy of its bundle beside it
// (so that its own imports resolve), one line changed.
const bundle = `${root}node_modules/miniflare/dist/src/index.js`;
const patched = bundle.replace(/index\.js$/, "index-bench-v8flags.js");
const original = readFileSync(bundle, "utf8");
const anchor = "const configBuffer = serializeConfig(config);";
if (!original.includes(anchor)) throw new Error("miniflare changed: no serializeConfig(config) to patch");
writeFileSync(patched, original.replace(anchor, `config.v8Flags = ["--perf-basic-prof"]; ${anchor}`));
const { Miniflare } = await import(patched);

/** The frame a sample is charged to: the innermost JS or wasm frame, else the runtime. */
function owner(frames) {
  for (const frame of frames) {
    if (!frame.startsWith("JS:")) continue;
    return frame
      .replace(/\+0x[0-9a-f]+$/, "")
      .replace(/^JS:[*+^~]?'?/, "")
      .replace(/-\d+-(turbofan|liftoff)$/, " [wasm]")
      .replace(/::h[0-9a-f]{16}/g, "");
  }
  return "(runtime: no JavaScript or wasm frame)";
}

function part(frame) {
  if (frame.endsWith("[wasm]")) return "wasm";
  if (/ entry\.worker\.js:| index\.js:/.test(frame)) return "miniflare's entry and wrapper workers";
  if (/ (guard|guichet_edge|worker)\.js:/.test(frame)) return "guard.js and the glue";
  if (/fusionpay|FusionPay/.test(frame)) return "the reference's JavaScript";
  if (frame.startsWith("(runtime")) return frame;
  return "other JavaScript";
}

const sandbox = await startSandbox();
const request = { method: "POST", path: "/api/sessions", headers: { "content-type": "application/json" }, body: SESSION_BODY };
const live = [];
const data = `/tmp/workerd-perf-${process.pid}.data`;
try {
  for (const target of targets) {
    const { mf, url, pid } = await startWorkerd(WORKERS[target]?.workerd ?? edgeWorkerd(resolve(target)), workerEnv(sandbox), Miniflare);
    const probe = await fetch(`${url}${request.path}`, request);
    if (probe.status !== 201) throw new Error(`${target} answered ${probe.status}: ${await probe.text()}`);
    live.push({ target, mf, url, pid, times: [] });
  }
  for (const w of live) await load({ url: w.url, requests: [request], duration: Number(process.env.BENCH_WARM ?? 6), warmup: 0 });
  const perf = spawn("perf", ["record", "-F", "10000", "-g", "-o", data, "-p", live.map((w) => w.pid).join(",")], { stdio: "ignore" });
  await new Promise((ok) => setTimeout(ok, 1000));
  for (let i = 0; i < Number(count); i++) {
    for (const w of live) {
      const t0 = performance.now();
      const answer = await fetch(`${w.url}${request.path}`, request);
      await answer.arrayBuffer();
      if (answer.status !== 201) throw new Error(`${w.target} answered ${answer.status}`);
      w.times.push(performance.now() - t0);
    }
  }
  perf.kill("SIGINT");
  await new Promise((ok) => perf.on("exit", ok));
  const byPid = new Map(live.map((w) => [w.pid, { samples: 0, frames: new Map(), parts: new Map() }]));
  const charge = (lines) => {
    const figures = lines.length > 1 && byPid.get(Number(lines[0].trim().split(/\s+/)[0]));
    if (!figures) return;
    const frame = owner(lines.slice(1).map((l) => l.trim().replace(/^[0-9a-f]+ /, "")));
    figures.samples += 1;
    figures.frames.set(frame, (figures.frames.get(frame) ?? 0) + 1);
    figures.parts.set(part(frame), (figures.parts.get(part(frame)) ?? 0) + 1);
  };
  // Samples are blank-line separated: the pid, then one frame a line, innermost first.
  const script = spawn("perf", ["script", "-i", data, "-F", "pid,ip,sym"], { stdio: ["ignore", "pipe", "ignore"] });
  let sample = [];
  for await (const line of createInterface({ input: script.stdout })) {
    if (line.trim() === "") {
      charge(sample);
      sample = [];
    } else sample.push(line);
  }
  charge(sample);
  const us = (n) => ((n * 100) / Number(count)).toFixed(1).padStart(8); // a sample is 100 µs
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  for (const w of live) {
    const f = byPid.get(w.pid);
    console.log(`${w.target}: ${median(w.times).toFixed(3)} ms median one at a time, ${us(f.samples).trim()} µs of workerd's CPU per request (samples at 10 kHz)`);
    for (const [name, n] of [...f.parts].sort((a, b) => b[1] - a[1])) console.log(`  ${us(n)}  ${name}`);
    console.log("  by frame (µs per request; a frame's runtime calls included):");
    for (const [name, n] of [...f.frames].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${us(n)}  ${name.slice(0, 140)}`);
  }
} finally {
  for (const w of live) await w.mf.dispose();
  await sandbox.stop();
  rmSync(patched, { force: true });
  rmSync(data, { force: true });
  for (const w of live) rmSync(`/tmp/perf-${w.pid}.map`, { force: true });
}
