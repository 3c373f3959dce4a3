// Node and Deno entry. Importing this module reads the .wasm beside it and starts
// compiling it, which V8 does partly on its own threads while the server that imported
// the module sets itself up; the module is instantiated as soon as it is compiled, so the
// first request finds it ready. `env` defaults to the process environment.
import { readFileSync } from "node:fs";
import { initSync } from "./guichet_edge.js";
import { serve, sweep as runSweep } from "./guard.js";

// One synchronous read (a fraction of a millisecond from the page cache): an asynchronous
// one would wait for the main thread to be free between its steps, and the compilation
// could not start before it ends.
const ready = (async () => {
  const module = await WebAssembly.compile(readFileSync(new URL("./guichet_edge_bg.wasm", import.meta.url)));
  initSync({ module });
})();
// A failure (the file missing, no permission to read it) is each request's to report.
ready.catch(() => {});

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
  await ready;
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
  await ready;
  return runSweep(await withLedger(env));
}

// GUICHET_LEDGER_URL (a SQLite file or PostgreSQL) becomes the GUICHET_LEDGER binding the
// wasm reads, as D1 is on Workers. The environment itself is left untouched. ledger-url.js
// and the driver it opens are imported only once a GUICHET_LEDGER_URL asks for them.
let ledgers = null;

async function withLedger(env) {
  const url = env.GUICHET_LEDGER_URL;
  if (!url) return env;
  let db;
  try {
    ledgers ??= import("./ledger-url.js");
    db = await (await ledgers).ledgerAt(url, env);
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

/** Closes every ledger this process opened (a server shutting down, a test ending). */
export async function closeLedgers() {
  if (ledgers) await (await ledgers).closeLedgers();
}

// `deno serve` and other servers call `fetch(request, info)`: the second argument is not
// an environment, so the default export reads the process environment itself.
export default { fetch: (request) => fetch(request) };
