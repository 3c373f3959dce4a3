// Runs inside workerd (bench/workerd-loop.mjs copies it beside the worker under test as
// loop.mjs, whose import it rewrites): `GET /?n=N&kind=K` makes N requests, one after the
// other, through the worker's `fetch`, with the global `fetch` answering every provider
// call at once with MoneyFusion's answer (a new token each time). No socket, no HTTP
// parser, no miniflare entry worker: what is left is the worker's own work and the
// runtime objects it makes (Request, Response, streams, promises).
import worker from "./worker.js";

const BODY = JSON.stringify({
  provider: "moneyfusion",
  items: [{ sku: "pagne-wax", quantity: 2 }],
  customer: { first_name: "Awa", last_name: "Koné", email: "awa@example.ci", phone: "+2250701020304", country: "CI" },
  lang: "fr",
});
let payments = 0;
const canned = async () => {
  payments += 1;
  const token = `5d58823b${payments.toString(16).padStart(6, "0")}`;
  const body = `{"statut":true,"token":"${token}","message":"paiement en cours","url":"http://127.0.0.1:9/moneyfusion/pay/${token}"}`;
  return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
};

const KINDS = {
  sessions: { request: () => new Request("http://127.0.0.1:8787/api/sessions", { method: "POST", headers: { "content-type": "application/json" }, body: BODY }), ok: [200, 201] },
  health: { request: () => new Request("http://127.0.0.1:8787/api/health"), ok: [200] },
};

export default {
  async fetch(request, env, ctx) {
    const query = new URL(request.url).searchParams;
    const n = Number(query.get("n") ?? 100);
    const kind = KINDS[query.get("kind") ?? "sessions"];
    const real = globalThis.fetch;
    globalThis.fetch = canned;
    try {
      for (let i = 0; i < n; i++) {
        const answer = await worker.fetch(kind.request(), env, ctx);
        const text = await answer.text();
        if (!kind.ok.includes(answer.status)) return new Response(`answered ${answer.status}: ${text}`, { status: 500 });
      }
    } finally {
      globalThis.fetch = real;
    }
    return new Response(`ok ${n}`);
  },
};
