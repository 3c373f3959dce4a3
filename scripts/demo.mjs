// Serves the demo: the edge bundle inside workerd (miniflare) and the shop in www/, on
// one origin so the shop calls `/api` as a merchant's storefront would.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { Miniflare } from "miniflare";

/** The whole body of a node:http request (Array.fromAsync is not in Node 20). */
async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const SHOP_PORT = Number(process.env.GUICHET_DEMO_PORT ?? 8080);
const EDGE_PORT = Number(process.env.GUICHET_EDGE_PORT ?? 8787);
const shopOrigin = `http://127.0.0.1:${SHOP_PORT}`;

const edge = new Miniflare({
  modules: true,
  scriptPath: "pkg/edge/worker.js",
  modulesRules: [
    { type: "ESModule", include: ["**/*.js"] },
    { type: "CompiledWasm", include: ["**/*.wasm"] },
  ],
  compatibilityDate: "2025-01-01",
  host: "127.0.0.1",
  port: EDGE_PORT,
  bindings: { GUICHET_ALLOWED_ORIGINS: `${shopOrigin},http://localhost:${SHOP_PORT}` },
});
const edgeUrl = await edge.ready;

const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".svg": "image/svg+xml", ".json": "application/json" };
// The policy a merchant's shop can run under: no inline script or style, wasm allowed.
const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

const shop = createServer(async (req, res) => {
  const url = new URL(req.url, shopOrigin);
  if (url.pathname.startsWith("/api/")) {
    const body = ["GET", "HEAD"].includes(req.method) ? undefined : await readBody(req);
    const answer = await edge.dispatchFetch(new URL(url.pathname + url.search, edgeUrl), { method: req.method, headers: req.headers, body });
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    res.end(Buffer.from(await answer.arrayBuffer()));
    return;
  }
  const path = url.pathname === "/" ? "/index.html" : url.pathname;
  const root = path.startsWith("/pkg/") ? "." : "www";
  const file = normalize(join(root, path));
  if (!file.startsWith(root === "." ? "pkg" : "www")) return void res.writeHead(403).end();
  try {
    const bytes = await readFile(file);
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream", "content-security-policy": csp });
    res.end(bytes);
  } catch {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  }
});
shop.listen(SHOP_PORT, "127.0.0.1");

console.log(`
Guichet demo
  shop              ${shopOrigin}/
  edge (workerd)    ${edgeUrl}api/health
Ctrl-C to stop.`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log("\nstopping…");
  shop.close();
  await edge.dispose();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
