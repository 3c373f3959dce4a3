// The built edge bundle under hostile or clumsy requests (issue 13), in workerd (miniflare),
// Node and Deno: bodies over the ceiling refused with a JSON 413 (by Content-Length and
// while streaming), a wasm trap answered with a JSON 500 and the instance replaced so the
// next request is served, a return_url with control characters refused, and every byte of
// hundreds of answers identical under Hono's Node server, Express and node:http.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { serve as honoServe } from "@hono/node-server";
import express from "express";
import { freePort, startNode, startDeno, startWorkerd, inProcess } from "./support/stack.mjs";

const env = {
  GUICHET_LEDGER: "memory",
  GUICHET_SESSION_SECRET: "hardening-secret",
  GUICHET_ALLOWED_ORIGINS: "https://shop.ci",
  GUICHET_PUBLIC_URL: "https://pay.shop.ci",
  GUICHET_CATALOG: JSON.stringify({ "wax-6y": { name: "Wax", price: 15000, currency: "XOF" } }),
  MONEROO_SECRET_KEY: "pvk_hardening",
  MONEROO_BASE_URL: "http://127.0.0.1:9",
  GUICHET_DEBUG_TRAP: "1",
  // Small, so that the bodies over it sent to workerd fit in miniflare's socket buffers:
  // workerd answers before reading, and a client still sending megabytes then sees its
  // connection reset (a production edge buffers the request first).
  GUICHET_MAX_BODY_BYTES: "4096",
};
const customer = { first_name: "Awa", last_name: "Koné", email: "awa@example.ci", phone: "+2250701020304", country: "CI" };
const checkout = (extra = {}) => ({ provider: "moneroo", items: [{ sku: "wax-6y", quantity: 1 }], customer, lang: "en", ...extra });

const { node, runtimes } = await inProcess(env);

const post = (body, headers = {}) => ({ method: "POST", headers: { "content-type": "application/json", ...headers }, body, duplex: "half" });

/** A body that arrives in chunks, with no length: `total` bytes of JSON-ish text. */
function stream(total, chunk = 8192) {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(chunk, total - sent);
      sent += n;
      controller.enqueue(new TextEncoder().encode("[".padEnd(n, " ")));
    },
  });
}

async function errorOf(response) {
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/, `status ${response.status}`);
  return (await response.json()).error;
}

for (const [name, send] of Object.entries(runtimes)) {
  test(`${name}: a body over the ceiling is refused with a JSON 413, by its length or while it streams`, async () => {
    const big = name === "workerd" ? { declared: 2_000, streamed: 16_000 } : { declared: 20_000, streamed: 3_000_000 };
    const declared = await send("http://edge.test/api/sessions", post(JSON.stringify(checkout({ methods: new Array(big.declared).fill("") }))));
    assert.equal(declared.status, 413);
    assert.equal((await errorOf(declared)).code, "body_too_large");

    // A body streamed without a length (the 3 MB in Node): refused as soon as the
    // ceiling is passed, and the instance goes on.
    const streamed = await send("http://edge.test/api/sessions", post(stream(big.streamed)));
    assert.equal(streamed.status, 413);
    assert.equal((await errorOf(streamed)).code, "body_too_large");

    const health = await send("http://edge.test/api/health");
    assert.equal(health.status, 200);
    await health.arrayBuffer();
  });

  if (name === "node") {
    // The edge stops reading once a body has the length it declares; a Request built in
    // code may declare less than its stream carries: past that length it reads on, under
    // the ceiling.
    test("node: a body that declares less than it streams is still refused past the ceiling", async () => {
      const lying = await send("http://edge.test/api/sessions", post(stream(3_000_000, 1000), { "content-length": "10" }));
      assert.equal(lying.status, 413);
      assert.equal((await errorOf(lying)).code, "body_too_large");
    });
  }

  test(`${name}: a return_url with control characters is refused with a JSON 422`, async () => {
    for (const url of ["https://shop.ci/return\r\nSet-Cookie: a=b", "https://shop.ci/re\u0000turn"]) {
      const answer = await send("http://edge.test/api/sessions", post(JSON.stringify(checkout({ return_url: url }))));
      assert.equal(answer.status, 422, JSON.stringify(url));
      const error = await errorOf(answer);
      assert.equal(error.field, "return_url");
    }
  });

  test(`${name}: a trap answers a JSON 500, the instance is replaced and the next request is served`, async () => {
    const trapped = await send("http://edge.test/api/_debug/trap", post("{}"));
    assert.equal(trapped.status, 500);
    assert.equal((await errorOf(trapped)).code, "internal_error");
    for (let i = 0; i < 3; i += 1) {
      const next = await send("http://edge.test/api/health");
      assert.equal(next.status, 200);
      assert.equal((await next.json()).ok, true);
    }
    // It traps again, and is replaced again.
    const again = await send("http://edge.test/api/_debug/trap", post("{}"));
    assert.equal(again.status, 500);
    await again.arrayBuffer();
    assert.equal((await send("http://edge.test/api/health")).status, 200);
  });
}

test("node: the trap trigger is off unless GUICHET_DEBUG_TRAP=1", async () => {
  const { GUICHET_DEBUG_TRAP, ...production } = env;
  const answer = await node.fetch(new Request("http://edge.test/api/_debug/trap", post("{}")), production);
  assert.equal(answer.status, 404);
  await answer.arrayBuffer();
});

test("node: requests in flight when the instance traps are answered with a JSON 500, not left hanging", async () => {
  // A provider that takes its time, so that a checkout is in flight during the trap.
  let reached;
  const providerReached = new Promise((ok) => (reached = ok));
  const slow = createServer((req, res) => {
    reached();
    setTimeout(() => res.writeHead(503).end(), 400);
  });
  const port = await freePort();
  await new Promise((ok) => slow.listen(port, "127.0.0.1", ok));
  try {
    const slowEnv = { ...env, MONEROO_BASE_URL: `http://127.0.0.1:${port}` };
    const inFlight = node.fetch(new Request("http://edge.test/api/sessions", post(JSON.stringify(checkout()))), slowEnv);
    // The trap comes once the checkout is waiting on the provider, however fast or slow
    // this machine is.
    await providerReached;
    const trapped = await node.fetch(new Request("http://edge.test/api/_debug/trap", post("{}")), env);
    assert.equal(trapped.status, 500);
    await trapped.arrayBuffer();
    const lost = await inFlight;
    assert.equal(lost.status, 500);
    assert.equal((await errorOf(lost)).code, "internal_error");
    assert.equal((await node.fetch(new Request("http://edge.test/api/health"), env)).status, 200);
  } finally {
    await new Promise((ok) => { slow.close(ok); slow.closeAllConnections(); });
  }
});

test("node:http server and deno serve: a trap does not take the server down", async () => {
  for (const start of [startNode, startDeno]) {
    const server = await start(env, await freePort());
    try {
      const trapped = await fetch(`${server.url}/api/_debug/trap`, post("{}"));
      assert.equal(trapped.status, 500, start.name);
      assert.equal((await errorOf(trapped)).code, "internal_error");
      const next = await fetch(`${server.url}/api/health`);
      assert.equal(next.status, 200, start.name);
      await next.arrayBuffer();
    } finally {
      await server.stop();
    }
  }
});

// A provider call carries the provider's secret: a redirect is never followed, so the
// secret and the shopper's details never reach the host it names. The provider answers
// 307 (method, body and headers kept) to another origin; the call fails as a provider
// error and that origin sees no request at all.
test("workerd, Node and Deno: a provider that redirects gets no second request, and the session fails as a provider error", async () => {
  const listen = async (handler) => {
    const server = createServer(handler);
    await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
    const stop = () => new Promise((ok) => { server.close(ok); server.closeAllConnections(); });
    return { url: `http://127.0.0.1:${server.address().port}`, stop };
  };
  const elsewhere = [];
  const other = await listen((req, res) => {
    elsewhere.push(`${req.method} ${req.url} authorization=${req.headers.authorization ?? "none"}`);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: { id: "stolen", checkout_url: "https://elsewhere.test/pay" } }));
  });
  let asked = 0;
  const provider = await listen((req, res) => {
    asked += 1;
    req.resume();
    res.writeHead(307, { location: `${other.url}${req.url}` }).end();
  });
  const redirecting = { ...env, MONEROO_BASE_URL: provider.url };
  delete redirecting.GUICHET_MAX_BODY_BYTES;
  try {
    for (const start of [startWorkerd, startNode, startDeno]) {
      const server = await start(redirecting, await freePort());
      try {
        const before = asked;
        const answer = await fetch(`${server.url}/api/sessions`, post(JSON.stringify(checkout())));
        const error = await errorOf(answer);
        assert.equal(answer.status, 503, `${start.name}: ${JSON.stringify(error)}`);
        assert.equal(error.code, "provider_unavailable", start.name);
        assert.ok(asked > before, `${start.name}: the provider was not called`);
        assert.deepEqual(elsewhere, [], `${start.name}: the redirect was followed`);
      } finally {
        await server.stop();
      }
    }
  } finally {
    await provider.stop();
    await other.stop();
  }
});

// Every byte of every answer, through three Node servers, against the bytes the handler
// itself gives: a Response built over a view into wasm memory comes back with its first
// bytes overwritten once the memory is reused (Hono keeps the view instead of copying it).
const servers = {
  hono: async (port) => {
    const server = honoServe({ fetch: (request) => node.fetch(request, env), port, hostname: "127.0.0.1" });
    await new Promise((ok) => server.once("listening", ok));
    return () => new Promise((ok) => { server.close(ok); server.closeAllConnections(); });
  },
  express: async (port) => {
    const app = express();
    app.use(express.raw({ type: () => true, limit: "1mb" }));
    app.use(async (req, res) => {
      const body = ["GET", "HEAD"].includes(req.method) ? undefined : req.body;
      const headers = Object.entries(req.headers).filter(([k]) => !["host", "connection", "content-length", "transfer-encoding"].includes(k));
      const answer = await node.fetch(new Request(`http://127.0.0.1:${port}${req.originalUrl}`, { method: req.method, headers, body }), env);
      res.status(answer.status).set(Object.fromEntries(answer.headers));
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
    const server = await new Promise((ok) => {
      const s = app.listen(port, "127.0.0.1", () => ok(s));
    });
    return () => new Promise((ok) => { server.close(ok); server.closeAllConnections(); });
  },
  "node:http": async (port) => {
    const server = await startNode(env, port);
    return server.stop;
  },
};

/** Requests whose answers differ from one another: validation errors naming their input. */
function requests() {
  const list = [];
  for (let i = 0; i < 100; i += 1) {
    const metadata = Object.fromEntries(Array.from({ length: 1 + (i % 5) }, (_, k) => [`bad key ${i}-${k}`, "v"]));
    list.push(["/api/sessions", post(JSON.stringify(checkout({ metadata, items: [{ sku: `sku-${i}`, quantity: 0 }] })))]);
    list.push([`/api/sessions/gs-${String(i).padStart(24, "0")}`, { headers: { authorization: `Bearer v1.k1.x${i}` } }]);
    list.push(["/api/health", {}]);
  }
  return list;
}

for (const [name, start] of Object.entries(servers)) {
  test(`${name}: every byte of 300 answers is the handler's own`, async () => {
    const port = await freePort();
    const stop = await start(port);
    try {
      const all = requests();
      const expected = [];
      for (const [path, init] of all) {
        const answer = await node.fetch(new Request(`http://127.0.0.1:${port}${path}`, init), env);
        expected.push(Buffer.from(await answer.arrayBuffer()));
      }
      // Twenty at a time, so that wasm memory is reused while answers are written.
      const got = new Array(all.length);
      for (let i = 0; i < all.length; i += 20) {
        await Promise.all(
          all.slice(i, i + 20).map(async ([path, init], k) => {
            const answer = await fetch(`http://127.0.0.1:${port}${path}`, init);
            got[i + k] = Buffer.from(await answer.arrayBuffer());
          }),
        );
      }
      // The handler's own bytes must be whole JSON too: a view into freed memory is
      // garbage even when read at once.
      for (const bytes of expected) assert.doesNotThrow(() => JSON.parse(bytes.toString("utf8")), bytes.subarray(0, 40).toString("hex"));
      let differing = 0;
      for (let i = 0; i < all.length; i += 1) if (!got[i].equals(expected[i])) differing += 1;
      const first = got.findIndex((g, i) => !g.equals(expected[i]));
      assert.equal(differing, 0, first < 0 ? "" : `${differing} differ; first ${all[first][0]}:\n got ${got[first].subarray(0, 40).toString("hex")}\nwant ${expected[first].subarray(0, 40).toString("hex")}`);
    } finally {
      await stop();
    }
  });
}
