// Cloudflare Workers (workerd) entry: the .wasm is imported as a compiled module, as
// workerd requires, and instantiated synchronously once per isolate.
import wasm from "./guichet_edge_bg.wasm";
import { initSync } from "./guichet_edge.js";
import { serve, sweep } from "./guard.js";

initSync({ module: wasm });

/**
 * Answers one request of the edge HTTP contract, as in Node and Deno: a Worker with routes
 * of its own calls `fetch(request, env, ctx)` for the paths under `GUICHET_BASE_PATH`
 * (`ctx` lets the merchant's events be delivered after the answer).
 * @param {Request} request @param {Record<string, unknown>} env @param {ExecutionContext} [ctx]
 */
export function fetch(request, env, ctx) {
  return serve(request, env, ctx);
}

/** The Cron Trigger: one sweep (docs/EDGE.md, "The sweep"). */
export function scheduled(controller, env, ctx) {
  ctx.waitUntil(sweep(env));
}

export { sweep };

export default { fetch, scheduled };
