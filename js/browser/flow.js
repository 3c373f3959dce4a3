// The I/O of a checkout session. Every decision is the WebAssembly Client's
// (src/browser/client.rs); this loop only sends what it prepares, feeds back what comes,
// and carries out the effects it answers.

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
    const heard = (event) =>
      live() && client.nudge(event.origin, !!event.source && event.source === surface?.window, event.data);
    const watch = async () => {
      addEventListener("message", heard);
      while (live() && !client.done) {
        await sleep(250);
        if (live()) apply(client.tick(Date.now(), !!surface?.closed()));
      }
      removeEventListener("message", heard);
    };
    const apply = (effects) => {
      for (const effect of effects.split(" ")) {
        if (effect === "post") {
          send(client.sessionsUrl, { method: "POST", headers: { "content-type": "application/json" }, body: client.body })
            .then(([status, json]) => live() && apply(client.created(status, json, !!surface?.closed())));
        } else if (effect === "poll") {
          send(client.sessionUrl, { headers: { authorization: client.authorization }, cache: "no-store" })
            .then(([status, json]) => live() && apply(client.answer(status, json)));
        } else if (effect === "go") surface.go(client.checkoutUrl);
        else if (effect === "watch") watch();
        else if (effect === "shut") {
          surface?.close();
          apply(client.shut());
        } else if (effect === "resolve") resolve(client.outcome);
        else if (effect === "reject") reject(client.error);
        else if (effect) emit(effect, effect === "error" ? client.error : client.outcome);
      }
    };
    apply(first);
  });
}
