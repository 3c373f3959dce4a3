// A static file server on 127.0.0.1 for the browser bench: serves the repository's
// pkg/browser/ and bench/node_modules/, never cached (cache-control: no-store).
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

const root = new URL("../../", import.meta.url).pathname;
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript", ".cjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };
const allowed = ["pkg/browser/", "bench/node_modules/"];

export function startStatic() {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    if (path === "/" || path === "/blank.html") {
      res.writeHead(200, { "content-type": types[".html"], "cache-control": "no-store" });
      return void res.end("<!doctype html><html><head><title>bench</title></head><body><button id=pay>Payer</button></body></html>");
    }
    const file = normalize(join(root, path));
    if (!allowed.some((prefix) => file.startsWith(join(root, prefix)))) return void res.writeHead(403).end();
    try {
      const bytes = await readFile(file);
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
      res.end(bytes);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({ url: `http://127.0.0.1:${server.address().port}`, root, stop: () => new Promise((r) => server.close(r)) });
    });
  });
}
