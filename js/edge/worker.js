// Cloudflare Workers (workerd) entry: the .wasm is imported as a compiled module, as
// workerd requires, and instantiated synchronously once per isolate.
import wasm from "./guichet_edge_bg.wasm";
import { initSync, handle, sweep } from "./guichet_edge.js";

initSync({ module: wasm });

export default {
  /** @param {Request} request @param {Record<string, string>} env @param {ExecutionContext} ctx */
  fetch(request, env, ctx) {
    return handle(request, env, ctx);
  },
  /** The Cron Trigger: one sweep (docs/EDGE.md, "The sweep"). */
  scheduled(controller, env, ctx) {
    ctx.waitUntil(sweep(env));
  },
};
