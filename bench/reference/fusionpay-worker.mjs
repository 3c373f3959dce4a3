// The reference: what a merchant writes today without Guichet. A plain JavaScript
// WinterCG worker that opens a MoneyFusion payment with the npm `fusionpay` package
// (MoneyFusion's own Node client), priced from the same GUICHET_CATALOG, and answers
// the same shape as Guichet's `POST /sessions` (id, HMAC-signed token, checkout URL).
// It runs unchanged in workerd (miniflare) and in Node (bench/lib/serve-node.mjs).
//
// It does less checking than Guichet (no E.164 phone normalisation, no per-field fr/en
// violations, no CORS, no ledger beyond a Map), which only favours it in the timings.
import fusionpay from "../node_modules/fusionpay/dist/FusionPay.js";

const { FusionPay } = fusionpay;
const sessions = new Map();
const encoder = new TextEncoder();
let signingKey = null;

const json = (status, body) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store" } });
const fail = (status, code, message) => json(status, { error: { code, message } });

const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

async function sign(secret, text) {
  signingKey ??= crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return hex(await crypto.subtle.sign("HMAC", await signingKey, encoder.encode(text)));
}

async function createSession(request, env) {
  let body;
  try {
    body = await request.json();
  } catch {
    return fail(400, "invalid_json", "body is not JSON");
  }
  if (body?.provider !== "moneyfusion") return fail(422, "unsupported_provider", "only moneyfusion");
  if ("amount" in body) return fail(422, "amount_not_allowed", "prices come from the catalog");
  const catalog = JSON.parse(env.GUICHET_CATALOG ?? "{}");
  const items = Array.isArray(body.items) ? body.items : [];
  if (items.length === 0) return fail(422, "invalid_items", "items is required");
  let amount = 0;
  let currency = null;
  const articles = [];
  for (const { sku, quantity } of items) {
    const entry = catalog[sku];
    if (!entry || !Number.isInteger(quantity) || quantity < 1) return fail(422, "invalid_items", `bad item ${sku}`);
    if (currency && entry.currency !== currency) return fail(422, "mixed_currencies", "one currency per cart");
    currency = entry.currency;
    amount += entry.price * quantity;
    articles.push([entry.name, entry.price * quantity]);
  }
  const customer = body.customer ?? {};
  const name = `${customer.first_name ?? ""} ${customer.last_name ?? ""}`.trim();
  const phone = String(customer.phone ?? "").replace(/[^0-9]/g, "");
  if (!name || phone.length < 8) return fail(422, "invalid_customer", "name and phone are required");

  const id = `gs-${crypto.randomUUID().replace(/-/g, "").slice(0, 24)}`;
  const publicUrl = env.GUICHET_PUBLIC_URL ?? "http://127.0.0.1";
  const payment = new FusionPay(env.MONEYFUSION_API_URL).totalPrice(amount).clientName(name).clientNumber(phone);
  for (const [article, price] of articles) payment.addArticle(article, price);
  payment.addInfo({ session: id }).returnUrl(`${publicUrl}/api/return/moneyfusion?session=${id}`).webhookUrl(`${publicUrl}/api/webhooks/moneyfusion`);
  let created;
  try {
    created = await payment.makePayment();
  } catch {
    return fail(502, "provider_error", "MoneyFusion refused the payment");
  }
  if (!created?.statut || !created.url) return fail(502, "provider_error", "MoneyFusion refused the payment");

  const ttl = Number(env.GUICHET_SESSION_TTL ?? 1800);
  const expires = Math.floor(Date.now() / 1000) + ttl;
  // The token of docs/EDGE.md: v1.<kid>.<id>.<provider>.<amount>.<currency>.<expires>.<hex HMAC-SHA256>.
  const signed = `v1.k1.${id}.moneyfusion.${amount}.${currency}.${expires}`;
  const token = `${signed}.${await sign(env.GUICHET_SESSION_SECRET, signed)}`;
  const session = { id, provider: "moneyfusion", provider_token: created.token, checkout_url: created.url, amount, currency, status: "pending", expires_at: new Date(expires * 1000).toISOString() };
  sessions.set(id, session);
  const { provider_token: _, ...answer } = session;
  return json(201, { ...answer, token });
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === "/api/health") return json(200, { ok: true, version: "reference" });
    if (pathname === "/api/sessions" && request.method === "POST") return createSession(request, env);
    return fail(404, "not_found", "no such route");
  },
};
