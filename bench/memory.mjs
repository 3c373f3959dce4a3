// The memory story (issue 13), a benchmark and not a test: the largest body each route
// accepts, sent 1,000 times, and the resident memory of the process that answers (the
// workerd child of miniflare; a Node child serving the bundle behind node:http) read from
// /proc before, every 250 requests, and after. Flat means the figures stop growing once
// the first requests have warmed the allocator. Then the same for a 3 MB body (200
// times), which is refused by its Content-Length (workerd then resets the connection of a
// client still sending: counted as "reset").
//
//   node bench/memory.mjs                 1,000 per route (about a minute)
//   node bench/memory.mjs --rounds 200    fewer
//
// Needs pkg/ (npm run build). Prints a table; writes nothing. A third table runs the same
// bodies through a plain JavaScript worker in workerd, for comparison.
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { Miniflare } from "miniflare";

const root = new URL("../", import.meta.url).pathname;
const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 1000;
const ADMIN = "bench-admin-key";
const env = {
  GUICHET_SESSION_SECRET: "bench-memory-secret",
  GUICHET_ADMIN_KEY: ADMIN,
  GUICHET_ALLOWED_ORIGINS: "https://shop.ci",
  GUICHET_PUBLIC_URL: "https://pay.shop.ci",
  GUICHET_CATALOG: JSON.stringify({ "wax-6y": { name: "Wax", price: 15000, currency: "XOF" } }),
  MONEROO_SECRET_KEY: "pvk_bench",
  MONEROO_WEBHOOK_SECRET: "whsec_bench",
  MONEROO_BASE_URL: "http://127.0.0.1:9",
  CINETPAY_API_KEY: "bench",
  CINETPAY_SITE_ID: "445160",
  CINETPAY_SECRET_KEY: "bench-secret",
  CINETPAY_BASE_URL: "http://127.0.0.1:9",
  MONEYFUSION_API_URL: "http://127.0.0.1:9/pay/",
};
const KIB = 1024;

/** A JSON body of exactly `size` bytes: `value` with its last string padded. */
function jsonOf(value, size) {
  const text = JSON.stringify({ ...value, padding: "" });
  return text.replace('"padding":""', `"padding":"${"x".repeat(size - text.length)}"`);
}

// The largest body of each route (just under its ceiling), each refused after it is read
// and parsed whole, so that nothing is stored and any growth would be the request's.
const ROUTES = [
  ["POST /sessions (422)", "/api/sessions", {}, jsonOf({ provider: "moneroo", items: [{ sku: "", quantity: 0 }], customer: {}, methods: Array.from({ length: 20 }, (_, i) => `BAD-${i}`), metadata: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, "v".repeat(500)])) }, 32 * KIB)],
  ["POST /orders (422)", "/api/orders", { authorization: `Bearer ${ADMIN}` }, jsonOf({ reference: "r".repeat(100), amount: -1, currency: "XXX", description: "d".repeat(300) }, 32 * KIB)],
  ["POST /payouts (422)", "/api/payouts", { authorization: `Bearer ${ADMIN}`, "idempotency-key": "bench" }, jsonOf({ provider: "moneroo", amount: 0, currency: "XOF", recipient: { method: "", phone: "x" } }, 32 * KIB)],
  ["POST /webhooks/moneyfusion (200)", "/api/webhooks/moneyfusion", {}, jsonOf({ event: "bench.unknown" }, 64 * KIB)],
  ["POST /webhooks/moneroo (403)", "/api/webhooks/moneroo", { "x-moneroo-signature": "0".repeat(64) }, jsonOf({ event: "payment.success", data: { id: "x" } }, 64 * KIB)],
  ["POST /webhooks/cinetpay (403)", "/api/webhooks/cinetpay", { "content-type": "application/x-www-form-urlencoded" }, `cpm_trans_id=gs-1&cpm_custom=${"x".repeat(64 * KIB - 30)}`],
  ["POST /return/cinetpay (400)", "/api/return/cinetpay", { "content-type": "application/x-www-form-urlencoded" }, `transaction_id=1&token=${"x".repeat(32 * KIB - 30)}`],
  ["POST /sessions 3 MB (413)", "/api/sessions", {}, JSON.stringify({ methods: new Array(1_000_000).fill("") })],
];

async function freePort() {
  const server = createServer();
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

/** Resident memory of `pid`, in MiB. */
function rssMiB(pid) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return Number(line[1]) / 1024;
}

/** The workerd process miniflare started (a child of this process). */
function workerdPid() {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8").trim();
      const [, comm, rest] = stat.match(/^\d+ \((.*)\) (.*)$/);
      const ppid = Number(rest.split(" ")[1]);
      if (comm.startsWith("workerd") && ppid === process.pid) return Number(entry);
    } catch {}
  }
  throw new Error("no workerd child found");
}

// The control: workerd with a worker of a few lines of JavaScript that reads the body whole,
// parses it and answers JSON, so that workerd's own growth is told from the bundle's.
const CONTROL = `export default { async fetch(request) {
  const text = await request.text();
  let size = 0; try { size = JSON.stringify(JSON.parse(text)).length; } catch {}
  return new Response(JSON.stringify({ error: { code: "control", message: String(size) } }), { status: 422, headers: { "content-type": "application/json" } });
} };`;

async function startWorkerd(control = false) {
  const port = await freePort();
  const mf = new Miniflare({
    modules: true,
    ...(control ? { script: CONTROL } : { scriptPath: `${root}pkg/edge/worker.js` }),
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    bindings: env,
    compatibilityDate: "2025-01-01",
    host: "127.0.0.1",
    port,
  });
  const url = (await mf.ready).origin;
  return { url, pid: workerdPid(), stop: () => mf.dispose() };
}

async function startNode() {
  const port = await freePort();
  const script = `
    import { createServer } from "node:http";
    const { fetch: handle } = await import(${JSON.stringify(`${root}pkg/edge/index.js`)});
    const env = JSON.parse(process.env.BENCH_ENV);
    createServer(async (req, res) => {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const body = ["GET", "HEAD"].includes(req.method) ? undefined : Buffer.concat(chunks);
      const headers = Object.entries(req.headers).filter(([k]) => !["host", "connection", "transfer-encoding", "keep-alive"].includes(k));
      const answer = await handle(new Request("http://127.0.0.1:${port}" + req.url, { method: req.method, headers, body }), env);
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(Buffer.from(await answer.arrayBuffer()));
    }).listen(${port}, "127.0.0.1", () => console.log("ready"));
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { env: { ...process.env, BENCH_ENV: JSON.stringify(env) }, stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((ok, fail) => {
    child.stdout.once("data", ok);
    child.once("exit", (code) => fail(new Error(`node server exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => child.kill() };
}

async function measure(name, start) {
  const server = await start();
  const rows = [];
  try {
    // Warm the instance once on every route, so the first figure is not the load itself.
    for (const [, path, headers, body] of ROUTES.slice(0, -1)) await (await fetch(server.url + path, { method: "POST", headers, body })).arrayBuffer();
    for (const [label, path, headers, body] of ROUTES) {
      const rounds = body.length > 1e6 ? Math.min(ROUNDS, 200) : ROUNDS;
      const figures = [rssMiB(server.pid)];
      let status = 0;
      for (let i = 1; i <= rounds; i += 1) {
        try {
          const answer = await fetch(server.url + path, { method: "POST", headers, body });
          status = answer.status;
          await answer.arrayBuffer();
        } catch (error) {
          // workerd answers 413 before reading, then closes while megabytes are still
          // being sent: the client sees its connection reset.
          if (error.cause?.code !== "ECONNRESET") throw error;
          status = "reset";
        }
        if (i % 250 === 0 || i === rounds) figures.push(rssMiB(server.pid));
      }
      rows.push({ label, bytes: body.length, rounds, status, figures });
    }
  } finally {
    await server.stop();
  }
  console.log(`\n${name} (resident MiB of the ${name.split(",")[0]} process)`);
  console.log("route".padEnd(34) + "body".padStart(9) + "  n     status  RSS before → every 250 → after   growth");
  for (const { label, bytes, rounds, status, figures } of rows) {
    const growth = figures.at(-1) - figures[0];
    console.log(
      label.padEnd(34) + `${(bytes / KIB).toFixed(0)} KiB`.padStart(9) + `  ${String(rounds).padEnd(5)} ${status}     ` +
        figures.map((f) => f.toFixed(1)).join(" → ") + `   ${growth >= 0 ? "+" : ""}${growth.toFixed(1)}`,
    );
  }
}

console.log(`load: ${readFileSync("/proc/loadavg", "utf8").trim()}`);
await measure("workerd", () => startWorkerd());
await measure("node", startNode);
await measure("workerd, plain JavaScript control worker", () => startWorkerd(true));
