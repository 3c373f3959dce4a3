// Answers requests with the wasm instance and survives its traps. Each request is a task
// that the instance moves forward only from `step`, a function of ours (see `begin` in
// src/edge/worker.rs), so a trap (a `WebAssembly.RuntimeError`: a bug, or memory run out)
// surfaces here, inside that request, instead of escaping as an uncaught exception. Then
// the poisoned instance is replaced by a fresh one from the same module, every request it
// held is answered with a JSON 500, and the next request is served normally.
import { begin, poll, __wbg_reset_state } from "./guichet_edge.js";

let generation = 0;
const held = new Set(); // the `reject` of every request the current instance holds

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

/**
 * Answers one request; never throws: a failure inside becomes a JSON 500.
 * @param {Request} request
 * @param {Record<string, unknown>} env
 * @param {{waitUntil(promise: Promise<unknown>): void}} [ctx] the Workers execution context
 * @returns {Promise<Response>}
 */
export async function serve(request, env, ctx) {
  const mine = generation;
  let answered;
  try {
    answered = await new Promise((resolve, reject) => {
      let id;
      const step = () => {
        if (generation !== mine) return;
        try {
          const response = poll(id);
          if (response !== undefined) {
            held.delete(reject);
            resolve(response);
          }
        } catch (error) {
          held.delete(reject);
          reject(error);
        }
      };
      held.add(reject);
      try {
        id = begin(request, env, step, ctx);
      } catch (error) {
        held.delete(reject);
        reject(error);
        return;
      }
      step();
    });
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError && generation === mine) replaceInstance(error.message);
    else console.error("guichet: a request failed:", error?.message ?? error);
    return internalError("the backend failed while answering; try again");
  }
  return answered;
}
