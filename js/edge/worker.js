// Cloudflare Workers (workerd) entry: the .wasm is imported as a compiled module, as
// workerd requires, and instantiated synchronously once per isolate.
import wasm from "./guichet_edge_bg.wasm";
import { initSync } from "./guichet_edge.js";
import { serve } from "./guard.js";

initSync({ module: wasm });

export default {
  /** @param {Request} request @param {Record<string, string>} env */
  fetch(request, env) {
    return serve(request, env);
  },
};
