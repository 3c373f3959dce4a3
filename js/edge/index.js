// Node and Deno entry. The .wasm is read from beside this file on first use, so importing
// costs nothing; `env` defaults to the process environment.
import { initSync } from "./guichet_edge.js";
import { serve } from "./guard.js";

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
  return serve(request, env);
}

// `deno serve` and other servers call `fetch(request, info)`: the second argument is not
// an environment, so the default export reads the process environment itself.
export default { fetch: (request) => fetch(request) };
