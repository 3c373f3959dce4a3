// Answers requests with the wasm instance and survives its traps. Each request, sweep and
// delivery after an answer is a task that the instance moves forward only from `step`, a
// function of ours (see `begin` in src/edge/worker.rs), so a trap (a
// `WebAssembly.RuntimeError`: a bug, or memory run out) surfaces here, inside that task,
// instead of escaping as an uncaught exception. Then the poisoned instance is replaced by
// a fresh one from the same module, every request it held is answered with a JSON 500,
// and the next request is served normally.
//
// `io` does for the wasm, in one call each, what would otherwise cross between wasm and
// JavaScript many times: read the body, call a provider, build the `Response`, compare
// the settings (bench/PROFILE.md, round 5).
import { begin, beginDelivery, beginSweep, poll, __wbg_reset_state } from "./guichet_edge.js";

let generation = 0;
const held = new Set(); // the `reject` of every task the current instance holds

// Headers from `name\nvalue\n...` (src/edge/worker.rs `write_head`: names unique, no
// line breaks inside): `count` pairs of `parts` from `at`.
function record(parts, at, count) {
  const headers = {};
  for (let i = at, end = at + 2 * count; i < end; i += 2) headers[parts[i]] = parts[i + 1];
  return headers;
}

// Headers as `name\nvalue\n...`: `Headers` refuse a line break in a name or a value.
// `forEach` visits what iterating does (names lowercased and sorted, a repeated name's
// values joined), at half the cost in workerd: no iterator result and no `[name, value]`
// array per header (bench/PROFILE.md, round 7).
function lines(headers) {
  let text = "";
  headers.forEach((value, name) => {
    text += text === "" ? `${name}\n${value}` : `\n${name}\n${value}`;
  });
  return text;
}

const NO_BYTES = new Uint8Array(0);

// A provider call never follows a redirect. workerd refuses `redirect: "error"`: there it
// is "manual", and the 3xx fails the call in the wasm. Node and Deno reject a redirect
// themselves with "error", which with no `window` also spares undici a copy of every
// request it sends (its `cloneRequest`, and a tee of the body).
const WORKERD = globalThis.navigator?.userAgent === "Cloudflare-Workers";
const REDIRECT = WORKERD ? "manual" : "error";

const io = {
  // At most `limit` bytes of the body: a Uint8Array, or null as soon as more arrive.
  // `declared` is the length its Content-Length gives (not over `limit`), or -1: once
  // that many bytes are in, the body is whole, and the read that would only say so is
  // not made (a read costs about 20 µs in workerd: bench/PROFILE.md, round 6).
  async body(request, limit, declared) {
    const stream = request.body;
    if (!stream) return NO_BYTES;
    const reader = stream.getReader();
    const chunks = [];
    let size = 0;
    while (size !== declared) {
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = value instanceof Uint8Array ? value : new Uint8Array(value);
      size += chunk.byteLength;
      if (size > limit) {
        // Stop reading; the lock is let go so that the runtime may discard the stream.
        reader.releaseLock();
        return null;
      }
      chunks.push(chunk);
    }
    if (chunks.length === 1) return chunks[0];
    const whole = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      whole.set(chunk, at);
      at += chunk.byteLength;
    }
    return whole;
  },
  // One provider call. `call` is the method, `pairs` headers' names and values, then the
  // URL, one a line (one string from the wasm, not three); the URL comes last, so it is
  // whatever follows the headers. `body` is a view into wasm memory: copied before
  // anything else. Never follows a redirect (the caller refuses it; its body is not
  // read); the deadline covers the answer's body too, and its timer is cleared however
  // the call ends.
  async send(call, pairs, body, ms) {
    const parts = call.split("\n");
    const end = 1 + 2 * pairs;
    const url = parts.length === end + 1 ? parts[end] : parts.slice(end).join("\n");
    const init = { method: parts[0], headers: record(parts, 1, pairs), redirect: REDIRECT };
    if (!WORKERD) init.window = null;
    if (body.length > 0) init.body = body.slice();
    const controller = new AbortController();
    init.signal = controller.signal;
    const timer = setTimeout(() => controller.abort(), ms);
    try {
      const answer = await fetch(url, init);
      const status = answer.status;
      if (status === 0 || (status >= 300 && status < 400)) return { status, head: "", bytes: NO_BYTES };
      const bytes = new Uint8Array(await answer.arrayBuffer());
      return { status, head: lines(answer.headers), bytes };
    } finally {
      clearTimeout(timer);
    }
  },
  // `body` is a view into wasm memory: the Response gets a copy (a server may keep the
  // array it is given, as @hono/node-server does).
  respond(status, head, body) {
    const parts = head === "" ? [] : head.split("\n");
    return new Response(body.length > 0 ? body.slice() : null, { status, headers: record(parts, 0, parts.length >> 1) });
  },
  same(env, keys, values) {
    const at = Object(env);
    for (let i = 0; i < keys.length; i++) if (at[keys[i]] !== values[i]) return false;
    return true;
  },
  when(promise, step, ticket) {
    promise.then(
      (value) => step(ticket, value, false),
      (error) => step(ticket, error, true),
    );
  },
  // The events a request wrote, delivered after its answer (kept alive by `waitUntil` on
  // Workers). Its first step is a microtask: the request's own step is still running.
  deliver(env, ctx) {
    const delivered = drive((step) => beginDelivery(env, io, step), queueMicrotask).catch((error) => {
      console.error("guichet: a delivery failed:", error?.message ?? error);
    });
    if (typeof ctx?.waitUntil === "function") ctx.waitUntil(delivered);
  },
};

function internalError(message) {
  const body = JSON.stringify({ error: { code: "internal_error", message } });
  return new Response(body, { status: 500, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } });
}

function replaceInstance(why) {
  generation += 1;
  const lost = [...held];
  held.clear();
  __wbg_reset_state();
  console.error(`guichet: the wasm instance trapped (${why}); it was replaced`);
  for (const reject of lost) reject(new Error("the instance answering this request was replaced"));
}

// The request without its body, one line each: method, path, query, then each header's
// name and value (see `begin` in src/edge/worker.rs).
function head(request) {
  const url = new URL(request.url);
  const headers = lines(request.headers);
  return `${request.method}\n${url.pathname}\n${url.search}${headers === "" ? "" : "\n"}${headers}`;
}

const rethrow = (error) => {
  throw error;
};

// Runs one task of the wasm to its end: `start(step)` begins it and gives its id, `first`
// makes its first step. Resolves to what it ends with; on a failure (after a trap, once
// the instance is replaced), to what `recover` makes of it: by default it rejects with it.
// `recover` runs in the same reaction, not a promise chained after (one fewer per request).
function drive(start, first, recover = rethrow) {
  const mine = generation;
  return new Promise((resolve, reject) => {
    let id;
    // Called with a settled promise's ticket and outcome (`io.when`), or with none when
    // the wasm queued it as a microtask.
    const step = (ticket = 0, value, failed = false) => {
      if (generation !== mine) return;
      try {
        const done = poll(id, ticket, value, failed);
        if (done !== undefined) {
          held.delete(reject);
          resolve(done);
        }
      } catch (error) {
        held.delete(reject);
        reject(error);
      }
    };
    held.add(reject);
    try {
      id = start(step);
    } catch (error) {
      held.delete(reject);
      reject(error);
      return;
    }
    first(step);
  }).catch((error) => {
    if (error instanceof WebAssembly.RuntimeError && generation === mine) replaceInstance(error.message);
    return recover(error);
  });
}

const now = (step) => step();

function failedRequest(error) {
  if (!(error instanceof WebAssembly.RuntimeError)) console.error("guichet: a request failed:", error?.message ?? error);
  return internalError("the backend failed while answering; try again");
}

/**
 * Answers one request; never throws: a failure inside becomes a JSON 500.
 * @param {Request} request
 * @param {Record<string, unknown>} env
 * @param {{waitUntil(promise: Promise<unknown>): void}} [ctx] the Workers execution context
 * @returns {Promise<Response>}
 */
export function serve(request, env, ctx) {
  return drive((step) => begin(head(request), request, env, ctx, io, step), now, failedRequest);
}

/**
 * One sweep (docs/EDGE.md, "The sweep"), with the helpers the wasm calls.
 * @param {Record<string, unknown>} env
 */
export function sweep(env) {
  return drive((step) => beginSweep(env, io, step), now);
}
