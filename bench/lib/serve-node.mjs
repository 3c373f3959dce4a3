// Serves a WinterCG fetch handler (`export default { fetch(request, env) }`) with
// node:http on 127.0.0.1, in its own process, so the load generator does not share its
// event loop. The same adapter serves Guichet and the reference worker: whatever it
// costs, it costs both the same.
//   node bench/lib/serve-node.mjs <module> [port]     env of the handler: BENCH_WORKER_ENV (JSON)
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

const [modulePath, portArg = "0"] = process.argv.slice(2);
const env = JSON.parse(process.env.BENCH_WORKER_ENV ?? "{}");
Object.assign(process.env, env);
const mod = await import(pathToFileURL(resolve(modulePath)).href);
// The named `fetch(request, env)` when the module has one (Guichet's Node entry), else the
// default export's (a Workers-style module). The environment is also put in process.env, for
// handlers that read it from there.
const handler = typeof mod.fetch === "function" ? mod.fetch : mod.default.fetch;

const server = createServer(async (req, res) => {
  try {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(`http://${req.headers.host ?? "127.0.0.1"}${req.url}`, {
      method: req.method,
      headers,
      body: hasBody ? Buffer.concat(chunks) : undefined,
    });
    const answer = await handler(request, env, { waitUntil() {}, passThroughOnException() {} });
    const body = Buffer.from(await answer.arrayBuffer());
    const out = {};
    answer.headers.forEach((v, k) => (out[k] = v));
    res.writeHead(answer.status, out);
    res.end(body);
  } catch (error) {
    res.writeHead(500, { "content-type": "text/plain" });
    res.end(String(error?.stack ?? error));
  }
});
server.keepAliveTimeout = 30_000;
server.listen(Number(portArg), "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
// Never outlive the bench: the parent's pipe closing means it is gone.
process.stdout.on("error", () => process.exit(0));
setTimeout(() => process.exit(0), 30 * 60_000).unref();
