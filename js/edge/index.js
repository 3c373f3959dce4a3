// Node and Deno entry. The .wasm is read from beside this file on first use, so importing
// costs nothing; `env` defaults to the process environment.
import { initSync, handle, sweep as runSweep } from "./guichet_edge.js";

let ready = null;

async function init() {
  ready ??= (async () => {
    const { readFile } = await import("node:fs/promises");
    const bytes = await readFile(new URL("./guichet_edge_bg.wasm", import.meta.url));
    initSync({ module: new WebAssembly.Module(bytes) });
  })();
  return ready;
}

function processEnv() {
  if (typeof Deno !== "undefined") return Deno.env.toObject();
  return globalThis.process?.env ?? {};
}

/**
 * Answers one request of the edge HTTP contract.
 * @param {Request} request
 * @param {Record<string, string>} [env]
 * @returns {Promise<Response>}
 */
export async function fetch(request, env = processEnv()) {
  await init();
  return handle(request, env, undefined);
}

/**
 * One sweep: re-checks with the providers what their notifications did not settle,
 * expires sessions past their time, delivers the merchant's due events. Call it on a
 * timer (every minute): `setInterval(() => sweep().catch(console.error), 60_000)`.
 * @param {Record<string, string>} [env]
 * @returns {Promise<{checked: number, settled: number, expired: number, unanswered: number, deferred: number, deliveries: object}>}
 */
export async function sweep(env = processEnv()) {
  await init();
  return runSweep(env);
}

// `deno serve` and other servers call `fetch(request, info)`: the second argument is not
// an environment, so the default export reads the process environment itself.
export default { fetch: (request) => fetch(request) };
