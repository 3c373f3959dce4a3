// A provider call's deadline (GUICHET_PROVIDER_TIMEOUT_MS). A provider that accepts the
// connection and never answers ends as 503 provider_unavailable naming the provider once
// the deadline passes, and the Node process that made the call exits by itself: no
// deadline timer and no socket outlive a call, answered or not. The edge runs in a child
// Node process so that its exit is what the test observes; the providers are a silent
// TCP server and the sandbox binary.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { startSandbox, freePort } from "./support/stack.mjs";

const root = new URL("../../", import.meta.url).pathname;
const edgeEntry = join(root, "pkg/edge/index.js");
const CATALOG = JSON.stringify({ "wax-6y": { name: "Wax 6 yards", price: 15000, currency: "XOF" } });
const checkout = JSON.stringify({
  provider: "moneroo",
  items: [{ sku: "wax-6y", quantity: 1 }],
  customer: { first_name: "Awa", last_name: "Koné", email: "awa@example.ci", phone: "+2250701020304", country: "CI" },
});
/** A child's bound to exit after its answer: far above an exit with nothing pending, far below the 120 s timer a leak would leave. */
const EXIT_WITHIN_MS = 30_000;

// The child: one POST /sessions through the edge bundle, its answer printed as one line,
// then nothing: the process must end on its own.
const child = `
const { fetch: handle } = await import(process.env.EDGE_ENTRY);
const env = JSON.parse(process.env.EDGE_ENV);
const started = Date.now();
const request = new Request("http://127.0.0.1/api/sessions", { method: "POST", headers: { "content-type": "application/json" }, body: process.env.CHECKOUT });
const answer = await handle(request, env);
const body = await answer.json();
console.log(JSON.stringify({ status: answer.status, body, ms: Date.now() - started }));
`;

/** Runs the child with `env`; answers its printed answer once it has exited by itself. */
function callInChild(env) {
  return new Promise((resolve, reject) => {
    const node = spawn(process.execPath, ["--input-type=module", "-e", child], {
      env: { ...process.env, EDGE_ENTRY: edgeEntry, EDGE_ENV: JSON.stringify(env), CHECKOUT: checkout },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    let lingering = null;
    node.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("\n") && !lingering) {
        lingering = setTimeout(() => {
          node.kill("SIGKILL");
          reject(new Error(`the process was still alive ${EXIT_WITHIN_MS} ms after its answer (a timer or socket left behind): ${out}`));
        }, EXIT_WITHIN_MS);
      }
    });
    node.stderr.on("data", (chunk) => (err += chunk));
    node.on("exit", (code) => {
      clearTimeout(lingering);
      if (code !== 0 || !out.trim()) return reject(new Error(`child exited with ${code}: ${out}\n${err}`));
      resolve(JSON.parse(out.trim().split("\n").at(-1)));
    });
  });
}

let silent, sandbox;
const edgeEnv = (extra) => ({
  GUICHET_LEDGER: "memory",
  GUICHET_SESSION_SECRET: "timeout-secret",
  GUICHET_CATALOG: CATALOG,
  GUICHET_PUBLIC_URL: "http://127.0.0.1:9",
  ...extra,
});

before(async () => {
  // Accepts every connection, reads what comes, never writes a byte.
  const sockets = new Set();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.resume();
  });
  const port = await freePort();
  await new Promise((ok) => server.listen(port, "127.0.0.1", ok));
  silent = {
    url: `http://127.0.0.1:${port}`,
    accepted: 0,
    stop: () => new Promise((ok) => {
      for (const socket of sockets) socket.destroy();
      server.close(ok);
    }),
  };
  server.on("connection", () => silent.accepted++);
  sandbox = await startSandbox();
});

after(async () => {
  await silent?.stop();
  await sandbox?.stop();
});

test("a provider that never answers ends as 503 provider_unavailable at GUICHET_PROVIDER_TIMEOUT_MS, and the process exits", async () => {
  const answer = await callInChild(edgeEnv({
    MONEROO_SECRET_KEY: "pvk_silent",
    MONEROO_BASE_URL: `${silent.url}/moneroo`,
    GUICHET_PROVIDER_TIMEOUT_MS: "300",
  }));
  assert.equal(answer.status, 503, JSON.stringify(answer));
  assert.equal(answer.body.error.code, "provider_unavailable");
  assert.match(answer.body.error.message, /moneroo timeout/);
  assert.ok(silent.accepted >= 1, "the call reached the silent provider");
  // It waited for the deadline it was given, not the 10 s default.
  assert.ok(answer.ms >= 300, `answered after ${answer.ms} ms`);
  assert.ok(answer.ms < 9_000, `answered after ${answer.ms} ms`);
});

test("an answered call leaves no deadline timer behind: the process exits long before a 120 s timeout", async () => {
  const answer = await callInChild(edgeEnv({ ...sandbox.env, GUICHET_PROVIDER_TIMEOUT_MS: "120000" }));
  assert.equal(answer.status, 201, JSON.stringify(answer));
  assert.ok(answer.body.checkout_url, JSON.stringify(answer.body));
});

test("a GUICHET_PROVIDER_TIMEOUT_MS that is not a number of milliseconds is named in a 500 not_configured", async () => {
  const { fetch: handle } = await import(edgeEntry);
  for (const value of ["0", "ten seconds", "600001"]) {
    const env = edgeEnv({ ...sandbox.env, GUICHET_PROVIDER_TIMEOUT_MS: value });
    const answer = await handle(new Request("http://127.0.0.1/api/sessions", { method: "POST", headers: { "content-type": "application/json" }, body: checkout }), env);
    const body = await answer.json();
    assert.equal(answer.status, 500, JSON.stringify(body));
    assert.equal(body.error.code, "not_configured");
    assert.match(body.error.message, /^GUICHET_PROVIDER_TIMEOUT_MS must be a whole number of milliseconds/);
  }
});
