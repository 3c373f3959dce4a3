// Starts the pieces the end-to-end suites need, each on a free 127.0.0.1 port, and stops
// them: the sandbox binary (the providers) and the edge bundle in workerd (miniflare),
// Node (node:http) or Deno (`deno serve`). Every start is bounded in time.
import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { createServer as netServer } from "node:net";
import { join } from "node:path";
import { after } from "node:test";
import { Miniflare } from "miniflare";

/** The whole body of a node:http request (Array.fromAsync is not in Node 20). */
async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const root = new URL("../../../", import.meta.url).pathname;

/** A free port on 127.0.0.1. */
export async function freePort() {
  const server = netServer();
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

/** Waits for a line matching `pattern` on a child's stdout, or fails after `ms`. */
function waitForLine(child, pattern, ms) {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms} ms:\n${seen}`)), ms);
    const read = (chunk) => {
      seen += chunk;
      const match = seen.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", (chunk) => (seen += chunk));
    child.on("exit", (code) => reject(new Error(`exited with ${code}:\n${seen}`)));
  });
}

let built = null;

/**
 * The sandbox binary as this checkout's sources build it: `cargo build` runs once per
 * process (a no-op when fresh), with the features `cargo test` uses so the two share one
 * build, and cargo names the executable (honouring CARGO_TARGET_DIR).
 */
export function sandboxBinary() {
  if (built) return built;
  const out = execFileSync("cargo", ["build", "--quiet", "--features", "edge,sandbox", "--bin", "guichet-sandbox", "--message-format", "json"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20, timeout: 900_000 });
  const artifact = out.split("\n").filter(Boolean).map((line) => JSON.parse(line)).findLast((m) => m.reason === "compiler-artifact" && m.executable);
  if (!artifact) throw new Error("cargo built no guichet-sandbox executable");
  built = artifact.executable;
  return built;
}

/**
 * Starts the sandbox; `args` adds flags (a `--seed`, `--time-scale` or
 * `--moneroo-abandon-ms` there wins). By default on any free port, with seed 11 (`null`:
 * a random one), fast clocks (`timeScale` 0.001) but Moneroo's abandonment after at
 * least a minute; `binary` picks another build of it.
 */
export async function startSandbox(args = [], { port = 0, seed = 11, timeScale = 0.001, binary = sandboxBinary() } = {}) {
  const defaults = [
    ...(seed === null || args.includes("--seed") ? [] : ["--seed", String(seed)]),
    ...(args.includes("--time-scale") ? [] : ["--time-scale", String(timeScale)]),
    // At 0.001 Moneroo would abandon a payment 300 ms after it was created: a loaded
    // machine took longer than that between a story's POST /sessions and its payment.
    // Sped-up clocks keep at least a minute; real ones (the demo) keep Moneroo's five.
    ...(args.includes("--moneroo-abandon-ms") || timeScale * 300_000 >= 60_000 ? [] : ["--moneroo-abandon-ms", "60000"]),
  ];
  const child = spawn(binary, ["--port", String(port), ...defaults, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  // Whatever ends this process (a test runner, miniflare's own signal handlers calling
  // process.exit), the sandbox goes with it.
  const orphan = () => child.kill("SIGTERM");
  process.on("exit", orphan);
  child.once("exit", () => process.off("exit", orphan));
  const [, url] = await waitForLine(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/, 20_000);
  child.stdout.resume();
  const control = async (path, init) => {
    const response = await fetch(`${url}/_sandbox${path}`, init && { ...init, headers: { "content-type": "application/json" }, body: init.body && JSON.stringify(init.body) });
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  };
  return {
    url,
    control,
    env: {
      MONEROO_SECRET_KEY: "pvk_sandbox_guichet_test_key",
      MONEROO_WEBHOOK_SECRET: "whsec_guichet_sandbox",
      MONEROO_BASE_URL: `${url}/moneroo`,
      CINETPAY_API_KEY: "12912847765bc0db748fdd44.40081707",
      CINETPAY_SITE_ID: "445160",
      CINETPAY_SECRET_KEY: "guichet-sandbox-cinetpay-secret",
      CINETPAY_BASE_URL: `${url}/cinetpay`,
      CINETPAY_TRANSFER_BASE_URL: `${url}/cinetpay/client`,
      CINETPAY_TRANSFER_PASSWORD: "guichet-sandbox-transfer",
      MONEYFUSION_API_URL: `${url}/moneyfusion/GuichetSandbox/5a1d3b0c9e7f2468/pay/`,
      MONEYFUSION_BASE_URL: `${url}/moneyfusion`,
      MONEYFUSION_PAYOUT_BASE_URL: `${url}/moneyfusion`,
      MONEYFUSION_PRIVATE_KEY: "mf_sandbox_private_key",
    },
    /** Points Moneroo's dashboard webhook at the edge. */
    async webhookTo(edgeUrl) {
      await control("/settings", { method: "PATCH", body: { moneroo_webhook_urls: [`${edgeUrl}/api/webhooks/moneroo`] } });
    },
    stop: () => new Promise((ok) => {
      if (child.exitCode !== null) return ok();
      child.once("exit", ok);
      child.kill("SIGTERM");
    }),
  };
}

/**
 * `env` with the throwaway memory ledger unless it names one (GUICHET_LEDGER_URL, or
 * `d1` for a D1 binding): the edge refuses to record anything without a ledger.
 */
function withLedger(env, d1 = false) {
  return d1 || env.GUICHET_LEDGER_URL || env.GUICHET_LEDGER ? env : { GUICHET_LEDGER: "memory", ...env };
}

const miniflareBase = {
  modules: true,
  scriptPath: join(root, "pkg/edge/worker.js"),
  modulesRules: [
    { type: "ESModule", include: ["**/*.js"] },
    { type: "CompiledWasm", include: ["**/*.wasm"] },
  ],
  compatibilityDate: "2025-01-01",
};

/**
 * Miniflare's answer (dispatchFetch, or a Worker's `fetch` from getWorker), read at once
 * into a Response of its own. Miniflare wraps the body stream of undici's fetch answer in
 * a new Response and drops that answer; undici cancels the stream of a fetch answer once
 * the answer is garbage collected if nothing has started reading it, and a Response whose
 * stream was cancelled fails `text()`/`json()` with "Body is unusable: Body has already
 * been read". An answer held unread while a collection runs (eight awaited together, then
 * read one by one, on a loaded machine) would lose its body. Reading starts in the same
 * run of microtasks that delivers the answer, before any finalizer can run, and the copy
 * holds bytes, not a fetch stream.
 * @param {Promise<Response>} answer
 */
export async function readNow(answer) {
  const response = await answer;
  const bytes = await response.arrayBuffer();
  const empty = [101, 204, 205, 304].includes(response.status);
  return new Response(empty ? null : bytes, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** The edge bundle in workerd. `extra` adds Miniflare options (a D1 database). */
export async function startWorkerd(env, port, extra = {}) {
  const mf = new Miniflare({ ...miniflareBase, host: "127.0.0.1", port, bindings: withLedger(env, Boolean(extra.d1Databases)), ...extra });
  const url = (await mf.ready).origin;
  return { url, mf, stop: () => mf.dispose() };
}

/**
 * The edge bundle with `env` as it is (no ledger added), without a socket: in workerd
 * (miniflare's dispatchFetch, disposed of after the file's tests) and in this Node
 * process. Answers `runtimes` (`workerd` and `node`, each a `send(url, init)` answering a
 * Response) and `node`, the imported entry (its `fetch(request, env)`).
 */
export async function inProcess(env) {
  const mf = new Miniflare({ ...miniflareBase, bindings: env });
  after(() => mf.dispose());
  const node = await import(join(root, "pkg/edge/index.js"));
  return {
    node,
    runtimes: {
      workerd: (url, init) => readNow(mf.dispatchFetch(url, init)),
      node: (url, init) => node.fetch(new Request(url, init), env),
    },
  };
}

/** The edge bundle in Node, behind node:http as a merchant on Node would serve it. */
export async function startNode(env, port) {
  const { fetch: handle } = await import(join(root, "pkg/edge/index.js"));
  env = withLedger(env);
  const hopByHop = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "host"]);
  const server = createServer(async (req, res) => {
    try {
      const body = ["GET", "HEAD"].includes(req.method) ? undefined : await readBody(req);
      const headers = Object.entries(req.headers).filter(([name]) => !hopByHop.has(name));
      const request = new Request(`http://127.0.0.1:${port}${req.url}`, { method: req.method, headers, body });
      const answer = await handle(request, env);
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(Buffer.from(await answer.arrayBuffer()));
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" }).end(String(error));
    }
  });
  await new Promise((ok) => server.listen(port, "127.0.0.1", ok));
  return {
    url: `http://127.0.0.1:${port}`,
    // Every connection ends with the server: a client's idle keep-alive socket (the
    // sandbox's connection pool) would otherwise hold close() for minutes.
    stop: () => new Promise((ok) => {
      server.close(ok);
      server.closeAllConnections();
    }),
  };
}

/** The edge bundle in Deno, with `deno serve` on the published entry point. */
export async function startDeno(env, port) {
  const deno = join(root, "node_modules/.bin/deno");
  const child = spawn(deno, ["serve", "--quiet", "--allow-net", "--allow-read", "--allow-env", "--host", "127.0.0.1", "--port", String(port), join(root, "pkg/edge/index.js")], {
    env: { ...process.env, ...withLedger(env), NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`deno exited with ${child.exitCode}`);
    try {
      const health = await fetch(`${url}/api/health`);
      if (health.ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error("deno serve did not answer within 30 s");
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return {
    url,
    stop: () => new Promise((ok) => {
      if (child.exitCode !== null) return ok();
      child.once("exit", ok);
      child.kill("SIGTERM");
    }),
  };
}

export const runtimes = { workerd: startWorkerd, node: startNode, deno: startDeno };

/** Polls `check` until it returns something truthy, or fails after `ms`. */
export async function eventually(check, ms = 10_000, what = "condition") {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}
