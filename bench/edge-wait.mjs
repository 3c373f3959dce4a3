// Where the time of one `POST /sessions` goes when requests come one at a time (the bench's
// "one at a time" figure), in workerd or Node. The provider sandbox sits behind a timing
// proxy in this process, which stamps when each provider call arrives and when the sandbox's
// answer comes back, so each request splits into:
//   before  the client's send → the provider call reaching the proxy (the runtime's inbound
//           path, the worker's work before its call, the runtime's outbound fetch);
//   sandbox the call at the proxy → the sandbox's answer at the proxy;
//   after   that answer → the client holding the whole answer (the runtime handing it to the
//           worker, the worker's work after its call, the answer's way back);
//   cpu     the serving process's time on a CPU per request, all its threads (mean; from
//           /proc/<pid>/task/*/schedstat, in ns), which on this path is what it does not wait.
// Beside the reference and the builds, two workers show the runtime's own share: `empty`
// (answers at once, no provider call) and `relay` (reads the body, makes the same provider
// call as Guichet, answers a fixed 201 of Guichet's size: the cost of a provider call and
// nothing else). Workers take turns request by request; medians of each phase.
//   node bench/edge-wait.mjs [requests 300] [workerd|node] [pkg dir...]   (default pkg/edge)
// BENCH_ACCEPT_ENCODING=<value> sets the client's Accept-Encoding ("" sends none; default:
// what Node's fetch sends, as the bench does). BENCH_WARM=<s>: seconds of load at 16
// connections on each worker first (default 5): the bench times one request at a time after
// its load rounds, once the wasm has tiered up and the memory ledger holds their sessions.
import { createServer, connect } from "node:net";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startSandbox } from "./lib/sandbox.mjs";
import { startNode, startWorkerd } from "./lib/servers.mjs";
import { load } from "./lib/load.mjs";
import { edgeWorkerd, WORKERS } from "./lib/workers.mjs";
import { workerEnv, SESSION_BODY } from "./edge.mjs";

const root = new URL("../", import.meta.url).pathname;
const [count = "300", runtime = "workerd", ...pkgs] = process.argv.slice(2);
if (pkgs.length === 0) pkgs.push(`${root}pkg/edge`);

/**
 * A TCP proxy to `target` that stamps, per connection, when a request's first byte arrives
 * from the runtime and when the answer's first and last bytes come back. A request starts
 * with the first chunk after an answer (one request at a time per connection).
 */
function timingProxy(target) {
  const calls = [];
  let last = null;
  const server = createServer((inbound) => {
    inbound.setNoDelay(true);
    const outbound = connect(target.port, target.host);
    outbound.setNoDelay(true);
    let call = null;
    inbound.on("data", (chunk) => {
      const now = performance.now();
      if (!call || call.answered) {
        call = { arrived: now, answered: 0, done: 0, sent: "" };
        calls.push(call);
        last = call;
      }
      if (call.sent.length < 4096) call.sent += chunk.toString("latin1");
      outbound.write(chunk);
    });
    outbound.on("data", (chunk) => {
      const now = performance.now();
      if (call && !call.answered) call.answered = now;
      if (call) call.done = now;
      inbound.write(chunk);
    });
    const end = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on("error", end).on("close", end);
    outbound.on("error", end).on("close", end);
  });
  return new Promise((ok) =>
    server.listen(0, "127.0.0.1", () =>
      ok({ port: server.address().port, take: () => ((last = null), calls.splice(0)), last: () => last, close: () => server.close() }),
    ),
  );
}

// The relay: reads the body, makes the provider call that Guichet makes (its bytes, captured
// by the proxy), reads the answer, answers 201 with a fixed body of Guichet's size.
const RELAY = `
export default {
  async fetch(request, env) {
    await request.arrayBuffer();
    const answer = await fetch(env.RELAY_URL, { method: "POST", headers: JSON.parse(env.RELAY_HEADERS), body: env.RELAY_BODY });
    await answer.arrayBuffer();
    return new Response(env.RELAY_ANSWER, { status: 201, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } });
  },
};
`;

/** Time on a CPU of every thread of `pid`, in µs (the scheduler's count, in ns). */
function cpuOf(pid) {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // a thread that ended
    }
  }
  return ns / 1000;
}

const start = (options, entry, env) => (runtime === "workerd" ? startWorkerd(options, env) : startNode(entry, env));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

const sandbox = await startSandbox();
const sandboxUrl = new URL(sandbox.moneyfusionApiUrl);
const proxy = await timingProxy({ host: sandboxUrl.hostname, port: Number(sandboxUrl.port) });
const proxied = new URL(sandbox.moneyfusionApiUrl);
proxied.port = String(proxy.port);
const env = { ...workerEnv(sandbox), MONEYFUSION_API_URL: proxied.href };
const acceptEncoding = process.env.BENCH_ACCEPT_ENCODING;
const headers = { "content-type": "application/json", ...(acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding || "identity" }) };
const session = { method: "POST", path: "/api/sessions", headers, body: SESSION_BODY };
const live = [];
const dir = mkdtempSync(join(tmpdir(), "edge-wait-"));
try {
  for (const [i, pkg] of pkgs.entries()) {
    const at = resolve(pkg);
    live.push({ name: pkgs.length === 1 ? "guichet" : `guichet ${i + 1} (${pkg})`, server: await start(edgeWorkerd(at), `${at}/index.js`, env), call: true });
  }
  // What Guichet sends the provider and answers, for the relay.
  proxy.take();
  const probe = await fetch(`${live[0].server.url}/api/sessions`, session);
  const answer = await probe.text();
  if (probe.status !== 201) throw new Error(`Guichet answered ${probe.status}: ${answer}`);
  const [head, body] = proxy.take()[0].sent.split("\r\n\r\n");
  const sentHeaders = Object.fromEntries(
    head
      .split("\r\n")
      .slice(1)
      .map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()])
      .filter(([k]) => !["host", "content-length", "connection", "user-agent", "accept-encoding", "accept-language", "sec-fetch-mode"].includes(k)),
  );
  const relayEnv = { ...env, RELAY_URL: proxied.href, RELAY_HEADERS: JSON.stringify(sentHeaders), RELAY_BODY: body, RELAY_ANSWER: answer };
  writeFileSync(join(dir, "relay.mjs"), RELAY);
  live.unshift({ name: "reference", server: await start(WORKERS.reference.workerd, WORKERS.reference.node, env), call: true });
  live.unshift({ name: "relay", server: await start({ scriptPath: join(dir, "relay.mjs"), modulesRoot: dir, modulesRules: [{ type: "ESModule", include: ["**/*.mjs"] }] }, join(dir, "relay.mjs"), relayEnv), call: true });
  live.unshift({ name: "empty", server: await start(WORKERS.empty.workerd, WORKERS.empty.node, env), call: false });
  for (const w of live) await load({ url: w.server.url, requests: [session], duration: Number(process.env.BENCH_WARM ?? 5), warmup: 0 });
  for (const w of live) w.figures = { total: [], before: [], sandbox: [], after: [], cpu: 0, bytes: 0, status: {} };
  for (let i = -30; i < Number(count); i++) {
    for (let k = 0; k < live.length; k++) {
      const w = live[(i + 30 + k) % live.length];
      proxy.take();
      const cpu0 = cpuOf(w.server.pid);
      const t0 = performance.now();
      const res = await fetch(`${w.server.url}${session.path}`, session);
      const bytes = await res.arrayBuffer();
      const t1 = performance.now();
      const cpu1 = cpuOf(w.server.pid);
      const calls = proxy.take();
      if (i < 0) continue;
      const f = w.figures;
      f.cpu += cpu1 - cpu0;
      f.status[res.status] = (f.status[res.status] ?? 0) + 1;
      f.bytes = bytes.byteLength;
      f.encoding = res.headers.get("content-encoding") ?? "none";
      f.total.push(t1 - t0);
      if (w.call) {
        if (calls.length !== 1) throw new Error(`${w.name}: ${calls.length} provider calls`);
        const [c] = calls;
        f.before.push(c.arrived - t0);
        f.sandbox.push(c.done - c.arrived);
        f.after.push(t1 - c.done);
      }
    }
  }
  const ms = (x) => (x === undefined ? "" : x.toFixed(3));
  console.log(`${runtime}, one POST /sessions at a time, ${count} each, medians in ms (p10-p90 of the total); client Accept-Encoding: ${acceptEncoding ?? "Node fetch's default"}`);
  console.log(`${"worker".padEnd(28)} ${"total".padStart(7)} ${"p10-p90".padStart(13)} ${"before".padStart(7)} ${"sandbox".padStart(7)} ${"after".padStart(7)} ${"cpu".padStart(7)}  answer`);
  for (const w of live) {
    const f = w.figures;
    const spread = `${ms(quantile(f.total, 0.1))}-${ms(quantile(f.total, 0.9))}`;
    console.log(
      `${w.name.padEnd(28)} ${ms(median(f.total)).padStart(7)} ${spread.padStart(13)} ${ms(w.call ? median(f.before) : undefined).padStart(7)} ${ms(w.call ? median(f.sandbox) : undefined).padStart(7)} ${ms(w.call ? median(f.after) : undefined).padStart(7)} ${ms(f.cpu / 1000 / f.total.length).padStart(7)}  ${JSON.stringify(f.status)} ${f.bytes} B, ${f.encoding}`,
    );
  }
} finally {
  for (const w of live) await w.server.stop();
  proxy.close();
  await sandbox.stop();
}
