// Cloudflare Workers (workerd) entry: the .wasm is imported as a compiled module, as
// workerd requires, and instantiated synchronously once per isolate.
import wasm from "./guichet_edge_bg.wasm";
import { initSync, handle } from "./guichet_edge.js";

initSync({ module: wasm });

/**
 * Answers one request of the edge HTTP contract, as in Node and Deno: a Worker with routes
 * of its own calls `fetch(request, env)` for the paths under `GUICHET_BASE_PATH`.
 * @param {Request} request @param {Record<string, unknown>} env
 */
export function fetch(request, env) {
  return handle(request, env);
}

export default { fetch };
