// The I/O of a checkout session. Every decision is the WebAssembly Client's
// (src/browser/client.rs): this loop feeds it what happens (`client.step(call, ...)`) and
// carries out the effects it answers, each an array `[name, a, b]`.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function send(url, init) {
  try {
    const response = await fetch(url, init);
    return [response.status, await response.json().catch(() => null)];
  } catch {
    return [0, null];
  }
}

/**
 * Runs `client`'s session from its first effects (`first`), in `surface` (or none), and
 * calls `emit(event, detail)`. Resolves or rejects as the client says.
 */
export function run(client, emit, surface, first) {
  const generation = client.generation;
  const live = () => client.generation === generation;
  return new Promise((resolve, reject) => {
    // Answers meant for an older session are dropped.
    const step = (...happened) => live() && apply(client.step(...happened));
    const closed = () => !!surface?.closed();
    const heard = (event) =>
      step("nudge", event.origin, !!event.source && event.source === surface?.window, event.data);
    const watch = async () => {
      addEventListener("message", heard);
      while (live() && !client.done) {
        await sleep(250);
        step("tick", Date.now(), closed());
      }
      removeEventListener("message", heard);
    };
    const apply = (effects) => {
      for (const [effect, a, b] of effects) {
        if (effect === "post") {
          send(a, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b) })
            .then(([status, json]) => step("created", status, json, closed()));
        } else if (effect === "poll") {
          send(a, { headers: { authorization: b }, cache: "no-store" })
            .then(([status, json]) => step("answer", status, json));
        } else if (effect === "go") surface.go(a);
        else if (effect === "watch") watch();
        else if (effect === "shut") {
          surface?.close();
          step("shut");
        } else if (effect === "resolve") resolve(a);
        else if (effect === "reject") reject(a);
        else emit(effect, a);
      }
    };
    apply(first);
  });
}
