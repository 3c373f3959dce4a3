// The browser's second module: the return page's and resume()'s session lookup
// (src/browser/lookup.rs, feature `return-page`) with its own wasm. index.js imports it
// only from handleReturn() and resume(), so a checkout never waits for it; the page's one
// Client (index.js) follows what it finds.

import { initSync, lookup } from "./guichet_return.js";

/** Compiles and instantiates the lookup's wasm with index.js's `compile`; gives `lookup`. */
export async function load(compile) {
  initSync({ module: await compile(new URL("./guichet_return_bg.wasm", import.meta.url)) });
  return lookup;
}
