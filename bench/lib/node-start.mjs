// One cold start of a fetch handler in a fresh Node process: the time from before its
// `import` to the end of its first answer (GET <path>). Prints the milliseconds.
//   node bench/lib/node-start.mjs <module> <path>     env of the handler: BENCH_WORKER_ENV (JSON)
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

const [modulePath, path = "/api/health"] = process.argv.slice(2);
const env = JSON.parse(process.env.BENCH_WORKER_ENV ?? "{}");
Object.assign(process.env, env);
const url = pathToFileURL(resolve(modulePath)).href;

const t0 = performance.now();
const mod = await import(url);
// The named `fetch(request, env)` when the module has one (Guichet's Node entry), else the
// default export's (a Workers-style module). The environment is also put in process.env, for
// handlers that read it from there.
const handler = typeof mod.fetch === "function" ? mod.fetch : mod.default.fetch;
const answer = await handler(new Request(`http://127.0.0.1${path}`), env, { waitUntil() {}, passThroughOnException() {} });
await answer.arrayBuffer();
const t1 = performance.now();
if (answer.status !== 200) {
  console.error(`GET ${path} answered ${answer.status}`);
  process.exit(1);
}
console.log(JSON.stringify({ ms: t1 - t0 }));
