// Node and Deno entry. The .wasm is read from beside this file on first use, so importing
// costs nothing; `env` defaults to the process environment.
import { initSync } from "./guichet_edge.js";
import { serve, sweep as runSweep } from "./guard.js";
import { ledgerAt, closeLedgers } from "./ledger-url.js";

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
  return serve(request, await withLedger(env));
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
  return runSweep(await withLedger(env));
}

// GUICHET_LEDGER_URL (a SQLite file or PostgreSQL) becomes the GUICHET_LEDGER binding the
// wasm reads, as D1 is on Workers. The environment itself is left untouched.
async function withLedger(env) {
  const url = env.GUICHET_LEDGER_URL;
  if (!url) return env;
  let db;
  try {
    db = await ledgerAt(url, env);
  } catch (error) {
    console.error(`guichet: the ledger at GUICHET_LEDGER_URL could not be opened: ${error.message}`);
    db = unavailable(url, error);
  }
  return Object.create(env, { GUICHET_LEDGER: { value: db } });
}

// A ledger that could not be opened: every query fails (the edge answers 503
// ledger_unavailable and logs nothing more: the reason was logged above).
function unavailable(url, error) {
  const fail = async () => {
    throw error;
  };
  const statement = { bind: () => statement, first: fail, all: fail, run: fail };
  const kind = url.startsWith("file:") ? "sqlite" : "postgres";
  return { kind, managesSchema: true, prepare: () => statement, batch: fail };
}

export { closeLedgers };

// `deno serve` and other servers call `fetch(request, info)`: the second argument is not
// an environment, so the default export reads the process environment itself.
export default { fetch: (request) => fetch(request) };
