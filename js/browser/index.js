// Guichet for the storefront. Importing this module touches no browser global and loads
// nothing: the WebAssembly is fetched and instantiated on first use, so server-side
// rendering and plain Node imports cost nothing and cannot throw.

let loading = null;

/** Loads the WebAssembly once; a failed load is retried on the next call. */
function load() {
  loading ??= import("./guichet.js")
    .then(async (glue) => {
      await glue.default({ module_or_path: new URL("./guichet_bg.wasm", import.meta.url) });
      return glue;
    })
    .catch((error) => {
      loading = null;
      throw error;
    });
  return loading;
}

/**
 * Checks a checkout request with the backend's own rules, before any network call.
 * @param {import("./index.js").CheckoutRequest} request
 * @param {"fr" | "en"} [lang]
 */
export async function validateCheckout(request, lang) {
  return (await load()).validateCheckout(request, lang);
}

/**
 * Writes an amount (in minor units) the way a shopper reads it.
 * @param {number} amount
 * @param {string} currency
 * @param {"fr" | "en"} [lang]
 */
export async function formatAmount(amount, currency, lang) {
  return (await load()).formatAmount(amount, currency, lang);
}
