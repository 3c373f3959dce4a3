// The demo: the sandbox providers, the edge bundle in workerd with a D1 ledger, and the
// shop in www/ served on one origin that proxies `/api` to the edge, as a merchant's
// storefront would mount it. `node scripts/demo.mjs` runs it (scripts/demo.sh builds what
// it needs first); the end-to-end tests import `startDemo` to run the same stack on free
// ports.
//
// Besides the shop and `/api`, the server answers one demo-only route for the shop's
// "behind the scenes" panel: `GET /demo/sessions/:id`, the backend's view of a session
// (read with the session token this server saw pass through `/api/sessions`) next to the
// sandbox's own view of the payment. A real shop has no such route.
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { freePort, startSandbox, startWorkerd } from "../tests/js/support/stack.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The shop's products: the same file the shop reads, so the edge prices what it shows. */
export const catalog = JSON.parse(readFileSync(join(root, "www/catalog.json"), "utf8"));

/** `GUICHET_CATALOG`: only what the edge reads. */
const edgeCatalog = Object.fromEntries(
  Object.entries(catalog).map(([sku, { name, price, currency }]) => [sku, { name, price, currency }]),
);

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
};

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length"]);

/** The whole body of a node:http request (Array.fromAsync is not in Node 20). */
async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * The policy a merchant's shop can run under: no inline script or style, wasm allowed,
 * and the provider's origin (here the sandbox) allowed in frames for the seamless overlay.
 * The shop's own pages may be framed by the shop itself: the return page loads inside the
 * overlay once the provider sends the shopper back.
 */
function contentSecurityPolicy(providerOrigin) {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    `frame-src 'self' ${providerOrigin}`,
    `child-src 'self' ${providerOrigin}`,
    "frame-ancestors 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join("; ");
}

/** Session tokens the shop's backend saw, kept next to the ledger so a restart keeps them. */
function tokenStore(dir) {
  const file = dir && join(dir, "demo-tokens.json");
  const tokens = new Map(file && existsSync(file) ? Object.entries(JSON.parse(readFileSync(file, "utf8"))) : []);
  return {
    get: (id) => tokens.get(id),
    set(id, token) {
      tokens.set(id, token);
      if (file) writeFileSync(file, JSON.stringify(Object.fromEntries(tokens)));
    },
  };
}

/** The session secret: random, kept next to a persisted ledger so old tokens stay valid. */
function sessionSecret(dir) {
  if (!dir) return randomBytes(32).toString("hex");
  const file = join(dir, "demo-session-secret");
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
  return readFileSync(file, "utf8").trim();
}

/**
 * Starts the whole demo. `shopPort`/`sandboxPort`/`edgePort` 0 pick free ports; `ledgerDir` persists
 * the D1 ledger (in memory without it); `timeScale` speeds up the providers' clocks;
 * `sandboxArgs` adds sandbox flags (faults); `binary` is the sandbox executable;
 * `testPages` is a folder of extra pages served under `/_test/`, with the shop's policy
 * (the end-to-end tests' own pages; the demo serves none).
 */
export async function startDemo({ shopPort = 0, sandboxPort = 0, edgePort = 0, ledgerDir, timeScale = 1, seed = 11, sandboxArgs = [], binary, testPages } = {}) {
  if (ledgerDir) mkdirSync(ledgerDir, { recursive: true });
  const sandbox = await startSandbox(sandboxArgs, { port: sandboxPort, timeScale, seed, ...(binary && { binary }) });
  const stops = [sandbox.stop];
  try {
    const port = shopPort || (await freePort());
    // CinetPay refuses `localhost` in return and notification URLs: 127.0.0.1 everywhere.
    const shopUrl = `http://127.0.0.1:${port}`;
    const env = {
      ...sandbox.env,
      GUICHET_SESSION_SECRET: sessionSecret(ledgerDir),
      GUICHET_CATALOG: JSON.stringify(edgeCatalog),
      GUICHET_ALLOWED_ORIGINS: shopUrl,
      GUICHET_PUBLIC_URL: shopUrl,
      GUICHET_RETURN_URL: `${shopUrl}/return.html`,
      GUICHET_LEDGER_AUTO_MIGRATE: "1",
    };
    const ledger = { d1Databases: { GUICHET_LEDGER: "guichet-demo-ledger" }, ...(ledgerDir && { d1Persist: ledgerDir }) };
    const edge = await startWorkerd(env, edgePort || (await freePort()), ledger);
    stops.unshift(edge.stop);
    // Moneroo sends its notifications to the dashboard's webhook URL: the shop's /api.
    await sandbox.webhookTo(shopUrl);

    const tokens = tokenStore(ledgerDir);
    const csp = contentSecurityPolicy(sandbox.url);
    const sandboxIds = new Map();

    /** Sends a request to the edge as it came, and answers what the edge answers. */
    async function toEdge(req, res, url) {
      const body = ["GET", "HEAD"].includes(req.method) ? undefined : await readBody(req);
      const headers = Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.has(name));
      const answer = await edge.mf.dispatchFetch(new URL(url.pathname + url.search, edge.url), { method: req.method, headers, body, redirect: "manual" });
      const bytes = Buffer.from(await answer.arrayBuffer());
      if (req.method === "POST" && url.pathname === "/api/sessions" && answer.status === 201) {
        const { id, token } = JSON.parse(bytes.toString("utf8"));
        tokens.set(id, token);
      }
      const out = Object.fromEntries([...answer.headers].filter(([name]) => !HOP_BY_HOP.has(name)));
      res.writeHead(answer.status, out).end(bytes);
    }

    /** The sandbox's payment for a session: the one whose return URL names the session. */
    async function sandboxPayment(session) {
      let id = sandboxIds.get(session.id);
      if (!id) {
        const { payments = [] } = (await sandbox.control(`/payments?provider=${session.provider}`)) ?? {};
        const mine = payments.find((p) => new URL(p.return_url ?? "http://x/").searchParams.get("session") === session.id);
        if (!mine) return null;
        id = mine.id;
        sandboxIds.set(session.id, id);
      }
      const payment = await sandbox.control(`/payments/${session.provider}/${encodeURIComponent(id)}`);
      const { notifications = [] } = (await sandbox.control(`/notifications?provider=${session.provider}&subject=${encodeURIComponent(id)}`)) ?? {};
      return {
        id: payment.id,
        stage: payment.stage,
        status: payment.status,
        method: payment.method ?? null,
        payer_phone: payment.payer_phone ?? null,
        notifications: notifications.map(({ seq, event, attempt, duplicate, dropped, status, delivered, at }) => ({ seq, event, attempt, duplicate, dropped, status, delivered, at })),
      };
    }

    /** `GET /demo/sessions/:id`: the backend's view and the sandbox's, for the panel. */
    async function demoSession(res, id) {
      const token = tokens.get(id);
      const json = (status, value) => res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(value));
      if (!token) return json(404, { error: { code: "unknown_session", message: "this demo server did not open that session" } });
      const answer = await edge.mf.dispatchFetch(new URL(`/api/sessions/${encodeURIComponent(id)}`, edge.url), { headers: { authorization: `Bearer ${token}` } });
      const session = await answer.json();
      if (!answer.ok) return json(answer.status, session);
      json(200, { session, sandbox: await sandboxPayment(session).catch(() => null) });
    }

    async function staticFile(res, pathname) {
      let path = pathname.endsWith("/") ? `${pathname}index.html` : pathname;
      // The browser package as a merchant would serve it; the edge bundle never.
      let base = path.startsWith("/pkg/browser/") ? root : join(root, "www");
      let allowed = base === root ? join(root, "pkg", "browser") + sep : join(root, "www") + sep;
      if (testPages && path.startsWith("/_test/")) {
        base = testPages;
        allowed = normalize(testPages) + sep;
        path = path.slice("/_test".length);
      }
      const file = normalize(join(base, decodeURIComponent(path)));
      if (!file.startsWith(allowed)) return void res.writeHead(404).end();
      try {
        const bytes = await readFile(file);
        res.writeHead(200, {
          "content-type": TYPES[extname(file)] ?? "application/octet-stream",
          "content-security-policy": csp,
          "x-content-type-options": "nosniff",
          "referrer-policy": "same-origin",
          "cache-control": "no-cache",
        });
        res.end(bytes);
      } catch {
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found");
      }
    }

    const shop = createServer(async (req, res) => {
      try {
        const url = new URL(req.url, shopUrl);
        if (url.pathname.startsWith("/api/")) return await toEdge(req, res, url);
        const demo = url.pathname.match(/^\/demo\/sessions\/([A-Za-z0-9_-]{1,128})$/);
        if (demo && req.method === "GET") return await demoSession(res, demo[1]);
        if (req.method !== "GET" && req.method !== "HEAD") return void res.writeHead(405).end();
        await staticFile(res, url.pathname);
      } catch (error) {
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain; charset=utf-8" });
        res.end(`demo server: ${error.message}`);
      }
    });
    await new Promise((ok, fail) => shop.once("error", fail).listen(port, "127.0.0.1", ok));
    stops.unshift(() => new Promise((ok) => {
      shop.close(() => ok());
      shop.closeAllConnections();
    }));

    return {
      shopUrl,
      edgeUrl: edge.url,
      sandbox,
      /** Reads a session as the panel does. */
      async session(id) {
        const answer = await fetch(`${shopUrl}/demo/sessions/${id}`);
        return answer.json();
      },
      stop: () => stopAll(stops),
    };
  } catch (error) {
    await stopAll(stops);
    throw error;
  }
}

async function stopAll(stops) {
  for (const stop of stops) await stop().catch(() => {});
}

async function main() {
  const ledgerDir = process.env.GUICHET_DEMO_D1 ?? join(root, ".cache/demo-d1");
  const demo = await startDemo({
    shopPort: Number(process.env.GUICHET_DEMO_PORT ?? 8080),
    sandboxPort: Number(process.env.GUICHET_SANDBOX_PORT ?? 4010),
    edgePort: Number(process.env.GUICHET_DEMO_EDGE_PORT ?? 0),
    ledgerDir,
    // The ledger outlives a run: a random seed keeps the providers' ids from repeating.
    seed: null,
    binary: process.env.GUICHET_SANDBOX_BIN,
  });
  console.log(`
Guichet demo
  shop               ${demo.shopUrl}/
  your orders        ${demo.shopUrl}/order.html
  edge (workerd)     ${demo.shopUrl}/api/health   (itself on ${demo.edgeUrl}, D1 ledger in ${relative(root, ledgerDir) || "."})
  sandbox providers  ${demo.sandbox.url}/_sandbox/payments
Pay with Moneroo, CinetPay or MoneyFusion; on the provider's page, "Payer" pays,
"Simuler un refus" declines, "Annuler" cancels. Ctrl-C stops everything.`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log("\nstopping…");
    await demo.stop();
    process.exit(0);
  };
  // First in line: miniflare's own handlers end the process right after theirs run (the
  // sandbox child is killed on exit in any case).
  process.prependListener("SIGINT", stop);
  process.prependListener("SIGTERM", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(`demo: ${error.stack ?? error}`);
    process.exit(1);
  });
}
