// What the shop's pages share: the language, the catalog, the shopper's orders, and the
// "behind the scenes" panel. Only the storefront's own code: Guichet is imported by the
// pages, from the published package files, as a merchant would.
import { formatAmount } from "/pkg/browser/index.js";

const TEXT = {
  fr: {
    "brand.tagline": "Pagnes, raphia et bons produits d'Afrique de l'Ouest",
    "nav.shop": "Boutique",
    "nav.orders": "Mes commandes",
    "lang.switch": "English",
    "lang.switch.label": "Switch to English",
    "demo.banner": "Démo : aucun argent réel. Les prestataires sont simulés par le bac à sable de Guichet.",
    "products.title": "Nos produits",
    "product.add": "Ajouter au panier",
    "product.add.label": "Ajouter au panier : {name}",
    "cart.title": "Votre panier",
    "cart.empty": "Votre panier est vide : ajoutez un produit.",
    "cart.total": "Total",
    "cart.less": "Retirer un {name}",
    "cart.more": "Ajouter un {name}",
    "cart.quantity": "Quantité de {name}",
    "details.title": "Vos coordonnées",
    "details.first_name": "Prénom",
    "details.last_name": "Nom",
    "details.email": "E-mail",
    "details.phone": "Téléphone (mobile money)",
    "details.phone.hint": "Par exemple 07 01 02 03 04 ou +225 07 01 02 03 04.",
    "details.country": "Pays",
    "provider.title": "Payer avec",
    "provider.moneroo": "Cartes et mobile money dans 15 pays ; s'ouvre dans une fenêtre.",
    "provider.cinetpay": "Orange Money, MTN, Moov, Wave ; s'affiche dans la page.",
    "provider.moneyfusion": "Mobile money en Afrique de l'Ouest ; s'ouvre dans une fenêtre.",
    "pay.here": "Payer ici",
    "pay.redirect": "Payer sur la page du prestataire",
    "pay.note": "Le prix est calculé par notre serveur, jamais par votre navigateur.",
    "pay.busy": "Paiement en cours…",
    "cart.missing": "Ajoutez au moins un produit au panier.",
    "outcome.succeeded": "Paiement reçu. Merci pour votre commande !",
    "outcome.failed": "Paiement refusé. Aucun montant n'a été débité.",
    "outcome.cancelled": "Paiement annulé.",
    "outcome.expired": "La session de paiement a expiré.",
    "outcome.pending": "Paiement en attente de confirmation par le prestataire…",
    "outcome.closed": "Paiement interrompu : la fenêtre de paiement a été fermée.",
    "outcome.interrupted": "Paiement interrompu par le rechargement de la page : rien n'a été débité.",
    "outcome.resumed": "Paiement en cours dans la fenêtre du prestataire : nous attendons sa réponse…",
    "outcome.busy": "Paiement en cours chez le prestataire…",
    "outcome.error": "Le paiement n'a pas pu commencer : {message}",
    "outcome.again": "Vous pouvez réessayer.",
    "outcome.pay_again": "Vous pouvez payer à nouveau : le bouton « Payer ici » est prêt.",
    "problem": "{label} : {message}",
    "outcome.see": "Voir la commande",
    "outcome.amount": "{amount} avec {provider}",
    "panel.title": "Dans les coulisses",
    "panel.intro": "Ce que voient la boutique, son serveur et le prestataire, en direct.",
    "panel.idle": "Rien pour l'instant : lancez un paiement.",
    "panel.session": "Session créée",
    "panel.page": "Page du prestataire",
    "panel.page.overlay": "intégrée dans la boutique",
    "panel.page.popup": "dans une fenêtre",
    "panel.page.redirect": "la boutique laisse la place au prestataire",
    "panel.events": "Notifications et vérifications (serveur)",
    "panel.events.none": "Aucune pour l'instant.",
    "panel.status": "Statut final selon le serveur",
    "panel.status.waiting": "en attente…",
    "panel.sandbox": "Vue du bac à sable (le prestataire)",
    "panel.sandbox.none": "Pas encore de paiement chez le prestataire.",
    "panel.moved": "a changé le statut",
    "panel.confirmed": "confirmation",
    "panel.deliveries": "{count} notification(s) envoyée(s)",
    "panel.duplicate": "doublon",
    "source.webhook": "notification",
    "source.poll": "vérification",
    "source.return": "retour",
    "source.expiry": "expiration",
    "status.pending": "en attente",
    "status.succeeded": "payé",
    "status.failed": "refusé",
    "status.cancelled": "annulé",
    "status.expired": "expiré",
    "return.title": "Retour de paiement",
    "return.checking": "Nous vérifions votre paiement auprès du prestataire…",
    "return.embedded": "Paiement terminé : retour à la boutique…",
    "return.none": "Aucun paiement à afficher ici.",
    "return.back": "Retour à la boutique",
    "orders.title": "Mes commandes",
    "orders.none": "Vous n'avez pas encore passé de commande dans cet onglet de navigateur.",
    "orders.unknown": "Cette commande est inconnue de ce serveur de démo.",
    "order.title": "Commande du {date}",
    "order.title.unknown": "Votre commande",
    "order.status": "Statut",
    "order.amount": "Montant",
    "order.date": "Date",
    "order.provider": "Prestataire",
    "order.items": "Articles",
    "order.items.unknown": "Détail non conservé dans ce navigateur.",
    "order.reference": "Référence",
    "order.line": "{quantity} × {name}",
    "order.status.pending": "En attente : le prestataire n'a pas encore confirmé le paiement.",
    "order.status.succeeded": "Payée : nous avons bien reçu votre paiement.",
    "order.status.failed": "Non payée : le paiement a été refusé, rien n'a été débité.",
    "order.status.cancelled": "Non payée : vous avez annulé le paiement.",
    "order.status.expired": "Non payée : la session de paiement a expiré.",
    "order.back": "Toutes mes commandes",
  },
  en: {
    "brand.tagline": "Wax prints, raffia and good things from West Africa",
    "nav.shop": "Shop",
    "nav.orders": "My orders",
    "lang.switch": "Français",
    "lang.switch.label": "Passer en français",
    "demo.banner": "Demo: no real money. The providers are simulated by Guichet's sandbox.",
    "products.title": "Our products",
    "product.add": "Add to cart",
    "product.add.label": "Add to cart: {name}",
    "cart.title": "Your cart",
    "cart.empty": "Your cart is empty: add a product.",
    "cart.total": "Total",
    "cart.less": "Remove one {name}",
    "cart.more": "Add one {name}",
    "cart.quantity": "Quantity of {name}",
    "details.title": "Your details",
    "details.first_name": "First name",
    "details.last_name": "Last name",
    "details.email": "Email",
    "details.phone": "Phone (mobile money)",
    "details.phone.hint": "For example 07 01 02 03 04 or +225 07 01 02 03 04.",
    "details.country": "Country",
    "provider.title": "Pay with",
    "provider.moneroo": "Cards and mobile money in 15 countries; opens in a window.",
    "provider.cinetpay": "Orange Money, MTN, Moov, Wave; shown in the page.",
    "provider.moneyfusion": "Mobile money in West Africa; opens in a window.",
    "pay.here": "Pay here",
    "pay.redirect": "Pay on the provider's page",
    "pay.note": "The price is worked out by our server, never by your browser.",
    "pay.busy": "Payment under way…",
    "cart.missing": "Add at least one product to the cart.",
    "outcome.succeeded": "Payment received. Thank you for your order!",
    "outcome.failed": "Payment declined. Nothing was charged.",
    "outcome.cancelled": "Payment cancelled.",
    "outcome.expired": "The payment session expired.",
    "outcome.pending": "Payment waiting for the provider's confirmation…",
    "outcome.closed": "Payment interrupted: the payment window was closed.",
    "outcome.interrupted": "Payment interrupted by the page reload: nothing was charged.",
    "outcome.resumed": "Payment under way in the provider's window: waiting for its answer…",
    "outcome.busy": "Payment under way at the provider…",
    "outcome.error": "The payment could not start: {message}",
    "outcome.again": "You can try again.",
    "outcome.pay_again": "You can pay again: the “Pay here” button is ready.",
    "problem": "{label}: {message}",
    "outcome.see": "See the order",
    "outcome.amount": "{amount} with {provider}",
    "panel.title": "Behind the scenes",
    "panel.intro": "What the shop, its server and the provider see, live.",
    "panel.idle": "Nothing yet: start a payment.",
    "panel.session": "Session created",
    "panel.page": "Provider's page",
    "panel.page.overlay": "shown inside the shop",
    "panel.page.popup": "in a window",
    "panel.page.redirect": "the shop hands over to the provider",
    "panel.events": "Notifications and checks (server)",
    "panel.events.none": "None yet.",
    "panel.status": "Final status according to the server",
    "panel.status.waiting": "waiting…",
    "panel.sandbox": "The sandbox's view (the provider)",
    "panel.sandbox.none": "No payment at the provider yet.",
    "panel.moved": "changed the status",
    "panel.confirmed": "confirmation",
    "panel.deliveries": "{count} notification(s) sent",
    "panel.duplicate": "duplicate",
    "source.webhook": "notification",
    "source.poll": "check",
    "source.return": "return",
    "source.expiry": "expiry",
    "status.pending": "pending",
    "status.succeeded": "paid",
    "status.failed": "declined",
    "status.cancelled": "cancelled",
    "status.expired": "expired",
    "return.title": "Back from payment",
    "return.checking": "We are checking your payment with the provider…",
    "return.embedded": "Payment over: back to the shop…",
    "return.none": "No payment to show here.",
    "return.back": "Back to the shop",
    "orders.title": "My orders",
    "orders.none": "You have not ordered anything in this browser tab yet.",
    "orders.unknown": "This demo server does not know this order.",
    "order.title": "Order of {date}",
    "order.title.unknown": "Your order",
    "order.status": "Status",
    "order.amount": "Amount",
    "order.date": "Date",
    "order.provider": "Payment provider",
    "order.items": "Items",
    "order.items.unknown": "Details not kept in this browser.",
    "order.reference": "Reference",
    "order.line": "{quantity} × {name}",
    "order.status.pending": "Pending: the provider has not confirmed the payment yet.",
    "order.status.succeeded": "Paid: we received your payment.",
    "order.status.failed": "Not paid: the payment was declined, nothing was charged.",
    "order.status.cancelled": "Not paid: you cancelled the payment.",
    "order.status.expired": "Not paid: the payment session expired.",
    "order.back": "All my orders",
  },
};

export const PROVIDERS = { moneroo: "Moneroo", cinetpay: "CinetPay", moneyfusion: "MoneyFusion" };

/** The shopper's language: `?lang=`, then the last choice, then French. */
export let lang = (() => {
  const asked = new URLSearchParams(location.search).get("lang");
  const kept = localStorage.getItem("shop.lang");
  return [asked, kept].find((l) => l === "fr" || l === "en") ?? "fr";
})();

const listeners = new Set();

/** `t("cart.less", {name})`: the text in the current language. */
export function t(key, values = {}) {
  const text = TEXT[lang][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

/** Fills every `[data-i18n]` (text) and `[data-i18n-label]` (aria-label). */
export function translate(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
}

export function onLangChange(callback) {
  listeners.add(callback);
}

/** Wires the language button of the page's header. */
export function setupLangSwitch() {
  const button = document.getElementById("lang");
  button.addEventListener("click", () => {
    lang = lang === "fr" ? "en" : "fr";
    localStorage.setItem("shop.lang", lang);
    translate();
    for (const callback of listeners) callback(lang);
  });
  translate();
}

/** The products, as the shop's server lists them (the backend prices from the same list). */
export async function loadCatalog() {
  const response = await fetch("/catalog.json");
  return response.json();
}

/** A catalog text (`{fr, en}` or one text for both) in the shopper's language. */
export function localized(text) {
  return typeof text === "string" ? text : text?.[lang] ?? text?.fr ?? "";
}

export function productName(product) {
  return localized(product?.name);
}

/** A date the way the shopper reads it: `1 décembre 2026 à 20:05`, `1 December 2026, 20:05`. */
export function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString(lang === "fr" ? "fr-FR" : "en-GB", { dateStyle: "long", timeStyle: "short" });
}

/** A phone number written one way, in pairs: `+225 07 01 02 03 04`, whatever way it came. */
export function phone(number) {
  const digits = String(number ?? "").replace(/\D/g, "");
  const country = ["225", "221", "229", "226", "223", "228"].find((code) => digits.startsWith(code) && digits.length > 10) ?? "";
  const rest = digits.slice(country.length).replace(/(\d{2})(?=\d)/g, "$1 ");
  return country ? `+${country} ${rest}` : rest;
}

/** `15 000 F CFA`, written by Guichet itself. */
export function money(amount, currency) {
  return formatAmount(amount, currency, lang);
}

/** Creates an element: `el("p", {class: "x", text: "…"}, child…)`. */
export function el(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") element.textContent = value;
    else if (name === "class") element.className = value;
    else if (name.startsWith("data-") || name.startsWith("aria-") || name === "role" || name === "href" || name === "for") element.setAttribute(name, value);
    else element[name] = value;
  }
  element.append(...children.filter((c) => c !== null && c !== undefined));
  return element;
}

// The shopper's orders in this tab, newest first: what the shop's own pages list. The
// session token stays with the shop's server; this only keeps ids and what was shown.

export function orders() {
  try {
    return JSON.parse(localStorage.getItem("shop.orders") ?? "[]");
  } catch {
    return [];
  }
}

/** Keeps what the shopper sees of an order; `items` (`[{sku, quantity}]`) when known. */
export function rememberOrder(outcome, items) {
  if (!outcome?.session) return;
  const all = orders().filter((o) => o.session !== outcome.session);
  const before = orders().find((o) => o.session === outcome.session) ?? { at: new Date().toISOString() };
  all.unshift({
    ...before,
    ...(items && { items }),
    session: outcome.session,
    provider: outcome.provider ?? before.provider,
    amount: outcome.amount ?? before.amount,
    currency: outcome.currency ?? before.currency,
    status: outcome.status ?? before.status ?? "pending",
  });
  localStorage.setItem("shop.orders", JSON.stringify(all.slice(0, 20)));
}

// The outcome banner.

const FINAL = new Set(["succeeded", "failed", "cancelled", "expired"]);

/**
 * Shows where a payment stands. `kind` is the final status, `pending`, `busy`, `closed`,
 * `resumed`, `interrupted` or `error`.
 */
export async function showOutcome(box, kind, outcome, error) {
  box.dataset.kind = kind;
  box.dataset.status = outcome?.status ?? "";
  box.hidden = false;
  const title = kind === "error" ? t("outcome.error", { message: error?.message ?? String(error) }) : t(`outcome.${kind}`);
  const parts = [el("p", { class: "outcome-title", text: title })];
  if (outcome?.amount !== undefined && outcome?.provider) {
    const amount = await money(outcome.amount, outcome.currency);
    parts.push(el("p", { class: "outcome-detail", text: t("outcome.amount", { amount, provider: PROVIDERS[outcome.provider] }) }));
  }
  if (kind === "interrupted") {
    parts.push(el("p", { class: "outcome-detail", text: t("outcome.pay_again") }));
  } else if (kind === "error" || kind === "closed" || kind === "failed" || kind === "cancelled") {
    parts.push(el("p", { class: "outcome-detail", text: t("outcome.again") }));
  }
  if (outcome?.session) {
    parts.push(el("a", { class: "outcome-link", href: `/order.html?session=${encodeURIComponent(outcome.session)}`, text: t("outcome.see") }));
  }
  box.replaceChildren(...parts);
  box.className = `outcome outcome-${FINAL.has(kind) ? kind : kind === "error" || kind === "interrupted" ? "failed" : "pending"}`;
  // Where the shopper is looking: scrolled into view, without a jump when it is there.
  box.scrollIntoView?.({ block: "nearest" });
}

// The "behind the scenes" panel: the session, the provider's page, the server's events,
// its final status and the sandbox's own record, refreshed while the payment lives.

export class Panel {
  #root;
  #timer = null;
  #id = null;
  #created = null;
  #page = null;
  #data = null;
  #finalSince = 0;

  constructor(root) {
    this.#root = root;
    onLangChange(() => this.render());
    this.render();
  }

  /** A session exists: shows it, and follows it. */
  created(outcome, display) {
    this.#created = outcome;
    this.#page = outcome.checkout_url ? { url: outcome.checkout_url, display } : this.#page;
    this.follow(outcome.session);
  }

  /** Follows session `id` (return page, order page, resumed payment). */
  follow(id) {
    if (this.#id !== id) {
      this.#id = id;
      this.#data = null;
      this.#finalSince = 0;
    }
    clearTimeout(this.#timer);
    this.#refresh();
  }

  async #refresh() {
    const id = this.#id;
    try {
      const response = await fetch(`/demo/sessions/${encodeURIComponent(id)}`, { cache: "no-store" });
      if (id !== this.#id) return;
      this.#data = response.ok ? await response.json() : { missing: true };
    } catch {
      // The demo server is away: keep what was shown.
    }
    const status = this.#data?.session?.status;
    if (FINAL.has(status)) this.#finalSince ||= Date.now();
    await this.render();
    // Late notifications still show for a few seconds after the final status.
    const settled = this.#data?.missing || (this.#finalSince && Date.now() - this.#finalSince > 6000);
    if (!settled && id === this.#id) this.#timer = setTimeout(() => this.#refresh(), 1000);
  }

  async render() {
    const root = this.#root;
    const list = root.querySelector(".panel-steps");
    const session = this.#data?.session;
    const sandbox = this.#data?.sandbox;
    if (!this.#id) {
      list.replaceChildren(el("li", { class: "panel-idle", text: t("panel.idle") }));
      return;
    }
    const steps = [];
    const amount = session ?? this.#created;
    const amountText = amount?.amount !== undefined ? await money(amount.amount, amount.currency) : "";
    steps.push(step("session", t("panel.session"), el("code", { text: this.#id }), amountText && el("span", { text: ` · ${amountText} · ${PROVIDERS[amount.provider] ?? ""}` })));
    const url = this.#page?.url ?? session?.checkout_url;
    if (url) {
      const how = this.#page?.display ? ` (${t(`panel.page.${this.#page.display}`)})` : "";
      steps.push(step("page", t("panel.page"), el("code", { class: "url", text: url }), how && el("span", { text: how })));
    }
    const events = session?.events ?? [];
    const items = events.map((e) =>
      el("li", { "data-moved": String(e.moved) },
        el("time", { datetime: e.at, text: new Date(e.at).toLocaleTimeString(lang === "fr" ? "fr-FR" : "en-GB") }),
        ` ${t(`source.${e.source}`)} · ${e.provider_status || "—"} → ${t(`status.${e.status}`)} `,
        el("span", { class: e.moved ? "badge badge-moved" : "badge", text: e.moved ? t("panel.moved") : t("panel.confirmed") })),
    );
    steps.push(step("events", t("panel.events"), items.length ? el("ul", { class: "events" }, ...items) : el("span", { class: "muted", text: t("panel.events.none") })));
    const status = session?.status;
    steps.push(step("status", t("panel.status"),
      el("strong", { class: `status status-${status ?? "none"}`, "data-status": status ?? "", text: status && FINAL.has(status) ? t(`status.${status}`) : t("panel.status.waiting") })));
    const view = sandbox
      ? el("span", {},
        el("span", { class: "sandbox-stage", "data-stage": sandbox.stage, text: `${sandbox.stage} (${sandbox.status})` }),
        sandbox.method ? ` · ${sandbox.method}` : "",
        sandbox.payer_phone ? ` · ${phone(sandbox.payer_phone)}` : "",
        ` · ${t("panel.deliveries", { count: sandbox.notifications.length })}`,
        sandbox.notifications.some((n) => n.duplicate) ? el("span", { class: "badge", text: ` ${t("panel.duplicate")}` }) : "")
      : el("span", { class: "muted", text: this.#data?.missing ? t("orders.unknown") : t("panel.sandbox.none") });
    steps.push(step("sandbox", t("panel.sandbox"), view));
    list.replaceChildren(...steps);
  }
}

function step(name, title, ...content) {
  return el("li", { class: `panel-step panel-${name}`, "data-step": name },
    el("span", { class: "panel-label", text: title }),
    el("span", { class: "panel-value" }, ...content.filter(Boolean)));
}
