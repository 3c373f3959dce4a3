// Guichet for the storefront. In a page, importing this module starts fetching and
// compiling the WebAssembly at once (streaming), so it is ready by the time a checkout
// needs it. Anywhere else (server-side rendering, Node, Deno) importing loads nothing and
// touches no browser global: the WebAssembly is loaded on first use, by the caller's
// choice, and read from the package there, so a server can check a checkout with the
// same rules.
//
// The logic lives in the WebAssembly (src/browser); this file only keeps the listeners,
// opens the overlay or popup inside the shopper's click (./surface.js) and runs the
// session's I/O (./flow.js). The build bundles all of it, with the wasm-bindgen glue
// (./guichet.js), into one module: one request for the JavaScript, one for the wasm.
// The return page's lookup is a second module (./return.js, its own wasm), imported only
// by handleReturn() and resume().

import { initSync, Client, validateCheckout as validate, formatAmount as format } from "./guichet.js";
import { openSurface } from "./surface.js";
import { run, KEY } from "./flow.js";

let loading = null;

/**
 * A .wasm beside this file (`url`), compiled: fetched and compiled as it streams in a page; read
 * from disk where this module is a file (Node, Deno: server-side checks), as Node's fetch
 * takes no file URL. No import names the file system, so no bundler pulls it into a page.
 * Instantiated here rather than by wasm-bindgen's `init`, whose fetching and fallbacks
 * the bundle then leaves out.
 */
async function compile(url) {
  const fs = url.protocol === "file:" && globalThis.process?.getBuiltinModule?.("node:fs/promises");
  if (fs) return WebAssembly.compile(await fs.readFile(url));
  const response = await fetch(url);
  if (!response.ok) throw new Error(`guichet: ${url} answered ${response.status}`);
  // Streaming needs the server to say application/wasm; another type is compiled whole.
  return /^application\/wasm/.test(response.headers.get("content-type"))
    ? WebAssembly.compileStreaming(response)
    : WebAssembly.compile(await response.arrayBuffer());
}

/** Loads the WebAssembly once; a failed load is retried on the next call. */
function load() {
  loading ??= compile(new URL("./guichet_bg.wasm", import.meta.url))
    .then((module) => void initSync({ module }))
    .catch((error) => {
      loading = null;
      throw error;
    });
  return loading;
}

// In a page: start now (fetch, streaming compile, instantiate), before any call.
if (typeof window !== "undefined") load().catch(() => {});

/**
 * Checks a checkout request with the backend's own rules, before any network call.
 * @param {import("./index.js").CheckoutRequest} request
 * @param {"fr" | "en"} [lang]
 */
export async function validateCheckout(request, lang) {
  await load();
  return validate(request, lang);
}

/**
 * Writes an amount (in minor units) the way a shopper reads it.
 * @param {number} amount
 * @param {string} currency
 * @param {"fr" | "en"} [lang]
 */
export async function formatAmount(amount, currency, lang) {
  await load();
  // The text, or the Error saying why there is none.
  const text = format(amount, currency, lang);
  if (typeof text !== "string") throw text;
  return text;
}

let returning = null;

/**
 * The return page's lookup (`lookup(call)`), loaded once on first use; a failed load is
 * retried on the next call. Only in a page: elsewhere there is no session to find.
 */
function loadLookup() {
  returning ??= import("./return.js")
    .then((lookup) => lookup.load(compile))
    .catch((error) => {
      returning = null;
      throw error;
    });
  return returning;
}

/** True when this tab may have a session to resume. */
function stored() {
  try {
    return sessionStorage.getItem(KEY) !== null;
  } catch {
    return false;
  }
}

const CINETPAY_STATUS = { success: "ACCEPTED", failed: "REFUSED" };

export class Guichet {
  #options;
  #listeners = new Map();
  #client = null;
  /** The Client once the WebAssembly is there, for what must happen inside the click. */
  #ready = null;
  #surface = null;
  #running = null;

  /** @param {import("./index.js").GuichetOptions} options */
  constructor(options) {
    this.#options = { ...options };
    // Start fetching the WebAssembly now, so the click rarely waits for it.
    if (typeof window !== "undefined") this.#core().catch(() => {});
  }

  #core() {
    this.#client ??= load()
      .then(() => {
        // The client, or the error refusing the options.
        const client = Client.open(this.#options);
        if (!(client instanceof Client)) throw client;
        return (this.#ready = client);
      })
      .catch((error) => {
        this.#client = null;
        throw error;
      });
    return this.#client;
  }

  #emit(type, detail) {
    for (const callback of [...(this.#listeners.get(type) ?? [])]) {
      try {
        callback(detail);
      } catch (error) {
        // A listener's bug must not stop the checkout: report it, go on.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  /** Every failure is told to `error` listeners; with one, a rejection nobody awaits is not an uncaught one. */
  #told(promise) {
    if (this.#listeners.get("error")?.size) promise.catch(() => {});
    return promise;
  }

  #run(display, order, cinetpay) {
    if (this.#running) {
      // A second click: the checkout under way comes to the front.
      this.#surface?.focus();
      return this.#running;
    }
    const { provider, lang } = this.#options;
    const emit = (type, detail) => this.#emit(type, detail);
    // Checked before anything opens when the WebAssembly is there: no blank popup flashes.
    const refused = this.#ready?.step("check", order, cinetpay);
    if (refused) return this.#told(run(this.#ready, emit, null, refused));
    const surface = (this.#surface = openSurface(display, order?.provider ?? provider, order?.lang ?? lang, this.#options.shopName));
    const started = this.#core().then(
      (client) => run(client, emit, surface, client.step("start", order, cinetpay, surface.reused ? "reused" : surface.kind)),
      (error) => {
        surface.close();
        emit("error", error);
        throw error;
      },
    );
    this.#running = started.finally(() => {
      this.#running = null;
    });
    return this.#told(this.#running);
  }

  #follow(call) {
    const emit = (type, detail) => this.#emit(type, detail);
    // Nothing to look up outside a page, nor to resume when this tab stored nothing: the
    // lookup's module is then not loaded at all.
    const page = typeof window !== "undefined" && (call === "return" || stored());
    return this.#told(Promise.all([this.#core(), page && loadLookup()]).then(
      ([client, lookup]) => {
        // Looked up when both modules are there, in the same turn as the step.
        const found = lookup ? lookup(call) : undefined;
        const first = found !== undefined && client.step(call, found);
        return first ? run(client, emit, null, first) : null;
      },
      (error) => {
        emit("error", error);
        throw error;
      },
    ));
  }

  /** Seamless checkout: overlay or popup (redirect when the popup is blocked). */
  open(order) {
    return this.#run(this.#options.display ?? "auto", order, false);
  }

  /** Sends the shopper to the provider's page. */
  redirect(order) {
    return this.#run("redirect", order, false);
  }

  /** On the return page: the outcome, from the backend. */
  handleReturn() {
    return this.#follow("return");
  }

  /** After a reload: follows the session this tab started, if any. */
  resume() {
    return this.#follow("resume");
  }

  /** Closes the overlay or popup; `close` tells the last known status. */
  close() {
    this.#surface?.close();
  }

  on(type, callback) {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type).add(callback);
    return this;
  }

  off(type, callback) {
    this.#listeners.get(type)?.delete(callback);
    return this;
  }

  // CinetPay's seamless face, on the same machinery, without any key in the page.

  setConfig(config = {}) {
    const { apikey, site_id, notify_url, mode, close_after_response, type, ...rest } = config;
    if (apikey !== undefined) {
      throw new TypeError("Guichet: no API key in the page. Give CINETPAY_API_KEY to the edge backend instead.");
    }
    this.#options = {
      ...this.#options,
      ...rest,
      provider: rest.provider ?? this.#options.provider ?? "cinetpay",
      ...(mode !== undefined && { sandbox: String(mode).toUpperCase() === "SANDBOX" }),
      ...(close_after_response !== undefined && { closeAfterResponse: close_after_response }),
    };
    this.#client = null;
    this.#ready = null;
    if (typeof window !== "undefined") this.#core().catch(() => {});
    return this;
  }

  getCheckout(order) {
    return this.#run(this.#options.display ?? "auto", order, true);
  }

  waitResponse(callback) {
    for (const type of ["success", "failed"]) {
      this.on(type, (outcome) => callback({ ...outcome, status: CINETPAY_STATUS[type] }));
    }
    return this;
  }

  onError(callback) {
    return this.on("error", callback);
  }

  onClose(callback) {
    return this.on("close", callback);
  }

  closeCheckout() {
    this.close();
  }
}
