// The I/O of a checkout session. Every decision is the WebAssembly Client's
// (src/browser/client.rs): this loop feeds it what happens (`client.step(call, ...)`) and
// carries out the effects it answers, each an array `[name, a, b]`.

/** Where the session this tab follows survives a reload (src/browser/store.rs reads it). */
export const KEY = "guichet.session";

/** Writes this tab's `sessionStorage`; it throws in some privacy modes, which only disables resuming. */
function keep(write) {
  try {
    write(sessionStorage);
  } catch {}
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function send(url, init) {
  try {
    const response = await fetch(url, init);
    return [response.status, await response.json().catch(() => null)];
  } catch {
    return [0, null];
  }
}

/** True when `source` is a popup this tab opened (before a reload, too). */
function ours(source) {
  try {
    return !!source && source.opener === window;
  } catch {
    return false;
  }
}

/**
 * Runs `client`'s session from its first effects (`first`), in `surface` (or none), and
 * calls `emit(event, detail)`. Resolves or rejects as the client says; resolves `null`
 * when a new checkout takes over a session followed after a reload.
 */
export function run(client, emit, surface, first) {
  const generation = client.generation;
  const live = () => client.generation === generation;
  // A session followed after a reload adopts the popup its return page speaks from, and
  // closes it once the outcome is known.
  let adopted = false;
  return new Promise((resolve, reject) => {
    // Answers meant for an older session are dropped.
    const step = (...happened) => live() && apply(client.step(...happened));
    const closed = () => !!surface?.closed();
    const heard = (event) => {
      if (!surface && ours(event.source)) {
        const win = event.source;
        adopted = true;
        surface = { kind: "popup", window: win, closed: () => win.closed, close: () => win.close(), focus: () => win.focus() };
      }
      step("nudge", event.origin, !!event.source && event.source === surface?.window, event.data);
    };
    const watch = async () => {
      addEventListener("message", heard);
      while (live() && !client.done) {
        await sleep(250);
        step("tick", Date.now(), closed());
      }
      removeEventListener("message", heard);
      if (!live()) resolve(null);
    };
    const apply = (effects) => {
      for (const [effect, a, b] of effects) {
        if (effect === "post") {
          send(a, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b) })
            .then(([status, json]) => step("created", status, json, closed()));
        } else if (effect === "poll") {
          send(a, { headers: { authorization: b }, cache: "no-store" })
            .then(([status, json]) => step("answer", status, json));
        } else if (effect === "save") keep((storage) => storage.setItem(KEY, a));
        else if (effect === "forget") keep((storage) => storage.removeItem(KEY));
        else if (effect === "go") surface.go(a);
        else if (effect === "watch") watch();
        else if (effect === "busy") {
          // The popup of the session under way comes to the front; an extra one closes.
          if (surface?.reused) surface.focus();
          else surface?.close();
        } else if (effect === "shut") {
          surface?.close();
          step("shut");
        } else if (effect === "resolve") {
          if (adopted) surface.close();
          resolve(a);
        } else if (effect === "reject") reject(a);
        else {
          if (effect === "ready") surface?.describe?.(a);
          emit(effect, a);
        }
      }
    };
    apply(first);
  });
}
