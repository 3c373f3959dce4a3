// The README's commands, run as it writes them: `npm run demo` and `npm run edge` start,
// print their ready line, take one order paid through the shop's HTTP API and the
// sandbox, and stop on Ctrl-C (SIGINT to the whole process group, as a terminal sends it)
// leaving no process and no listening port behind. Every port comes from the settings the
// README names, on free ports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, freePort, startSandbox } from "./support/stack.mjs";
import { payOneOrder, shopSettings } from "./support/merchant.mjs";

const readme = readFileSync("README.md", "utf8");
const catalog = JSON.parse(readFileSync("www/catalog.json", "utf8"));

test("the README opens with the two commands", () => {
  const first = readme.match(/```sh\n([\s\S]*?)```/)[1];
  assert.match(first, /^npm run demo\b/m);
  assert.match(first, /^npm test\b/m);
  assert.ok(readme.indexOf(first) < 200, "the commands are at the very top");
});

/** Every process under `pid` (itself included), from /proc. */
function tree(pid) {
  const parents = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {}
  }
  const all = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [child, parent] of parents) {
      if (all.has(parent) && !all.has(child)) {
        all.add(child);
        grew = true;
      }
    }
  }
  return [...all].filter((p) => parents.has(p));
}

/** Those of `pids` still running (a zombie has ended). */
function living(pids) {
  return pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1][0] !== "Z";
    } catch {
      return false;
    }
  });
}

/** TCP ports the given processes listen on, from /proc/net/tcp{,6} and their sockets. */
function listening(pids) {
  const byInode = new Map();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === "0A") byInode.set(cols[9], parseInt(cols[1].split(":").pop(), 16));
    }
  }
  const ports = new Set();
  for (const pid of pids) {
    let fds = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {}
    for (const fd of fds) {
      try {
        const inode = readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/)?.[1];
        if (inode && byInode.has(inode)) ports.add(byInode.get(inode));
      } catch {}
    }
  }
  return ports;
}

/** Any port in `ports` that still accepts a connection on 127.0.0.1. */
async function stillOpen(ports) {
  const { connect } = await import("node:net");
  const open = [];
  for (const port of ports) {
    const answered = await new Promise((ok) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => ok(socket.destroy() || true)).once("error", () => ok(false));
    });
    if (answered) open.push(port);
  }
  return open;
}

/**
 * `npm run <script>` in a process group of its own, as a terminal starts it; resolves once
 * `ready` matches its output, with the match and a `interrupt()` that sends Ctrl-C.
 */
async function npmRun(script, env, ready) {
  const child = spawn("npm", ["run", script], { env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise((ok) => child.once("exit", (code, signal) => ok({ code, signal })));
  const kill = () => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  };
  process.once("exit", kill);
  const match = await eventually(() => output.match(ready) ?? (child.exitCode !== null && Promise.reject(new Error(output))), 240_000, `npm run ${script} to be ready:\n${output}`);
  return {
    match,
    output: () => output,
    kill,
    /** Ctrl-C, then what is left of the process tree and its ports once npm is gone. */
    async interrupt() {
      const pids = tree(child.pid);
      const ports = listening(pids);
      process.kill(-child.pid, "SIGINT");
      const end = await Promise.race([exited, new Promise((ok) => setTimeout(() => ok(null), 20_000))]);
      await eventually(() => living(pids).length === 0, 10_000, "every process to end").catch(() => {});
      const alive = living(pids);
      return { end, ports, alive, open: await stillOpen(ports) };
    },
  };
}

test("npm run demo: ready line, one order paid through the shop, Ctrl-C leaves nothing running", { timeout: 300_000 }, async (t) => {
  const ledger = mkdtempSync(join(tmpdir(), "guichet-demo-"));
  t.after(() => rmSync(ledger, { recursive: true, force: true }));
  const [shopPort, sandboxPort, edgePort] = [await freePort(), await freePort(), await freePort()];
  const demo = await npmRun(
    "demo",
    { GUICHET_DEMO_PORT: String(shopPort), GUICHET_SANDBOX_PORT: String(sandboxPort), GUICHET_DEMO_EDGE_PORT: String(edgePort), GUICHET_DEMO_D1: ledger },
    /shop\s+(http:\/\/127\.0\.0\.1:\d+)\/\n[\s\S]*sandbox providers\s+(http:\/\/127\.0\.0\.1:\d+)\/_sandbox/,
  );
  t.after(demo.kill);
  const [, shop, sandbox] = demo.match;
  assert.equal(shop, `http://127.0.0.1:${shopPort}`);
  assert.equal(sandbox, `http://127.0.0.1:${sandboxPort}`);
  assert.ok((await fetch(`http://127.0.0.1:${edgePort}/api/health`)).ok, "the edge listens on GUICHET_DEMO_EDGE_PORT");
  assert.match(await (await fetch(`${shop}/`)).text(), /<script type="module"/);

  const sku = Object.keys(catalog)[0];
  const paid = await payOneOrder(assert, {
    api: `${shop}/api`,
    origin: shop,
    sandbox,
    sku,
    // The shop's own "behind the scenes" route knows the sandbox's payment.
    paymentId: async (s) => (await eventually(async () => (await (await fetch(`${shop}/demo/sessions/${s.id}`)).json()).sandbox, 5_000, "the panel")).id,
  });
  assert.equal(paid.amount, catalog[sku].price * 2);
  assert.ok(readdirSync(ledger).length > 0, "the ledger is in GUICHET_DEMO_D1");

  const { end, ports, alive, open } = await demo.interrupt();
  for (const port of [shopPort, sandboxPort, edgePort]) assert.ok(ports.has(port), `port ${port} was the demo's (${[...ports]})`);
  assert.ok(end, `npm run demo did not stop on Ctrl-C:\n${demo.output()}`);
  assert.deepEqual(alive, [], "no process of the demo is left");
  assert.deepEqual(open, [], "nothing listens on the demo's ports");
  assert.match(demo.output(), /stopping/);
});

test("npm run edge: ready line, one order paid, Ctrl-C leaves nothing running", { timeout: 300_000 }, async (t) => {
  // Real clocks: at the tests' usual 0.001, Moneroo abandons a payment after 300 ms.
  const sandbox = await startSandbox([], { timeScale: 1 });
  t.after(() => sandbox.stop());
  const dir = mkdtempSync(join(tmpdir(), "guichet-edge-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const origin = "http://shop.test";
  const edge = await npmRun(
    "edge",
    {
      ...sandbox.env,
      GUICHET_EDGE_PORT: String(port),
      GUICHET_DEV_VARS: join(dir, "no.dev.vars"),
      ...shopSettings(`http://127.0.0.1:${port}`, origin),
      // The default ledger, a SQLite file, here in the test's directory.
      GUICHET_LEDGER_URL: `file:${join(dir, "guichet-ledger.db")}`,
    },
    /Guichet edge \(Node [^)]*\) on (http:\/\/127\.0\.0\.1:\d+)\/api\/health/,
  );
  t.after(edge.kill);
  const [, url] = edge.match;
  assert.equal(url, `http://127.0.0.1:${port}`);
  assert.match(edge.output(), /ledger:\s+file:/);

  await payOneOrder(assert, { api: `${url}/api`, origin, sandbox: sandbox.url });

  const { end, ports, alive, open } = await edge.interrupt();
  assert.ok(ports.has(port), `port ${port} was the edge's (${[...ports]})`);
  assert.ok(end, `npm run edge did not stop on Ctrl-C:\n${edge.output()}`);
  assert.deepEqual(alive, [], "no process of the edge is left");
  assert.deepEqual(open, [], "nothing listens on the edge's ports");
});
