// The order status page: the shopper's orders in this browser, and one order as a shopper
// reads it (items, amount, date, status in words), its status as the shop's server reads it
// from the backend, with the sandbox's view next to it.
import { PROVIDERS, Panel, el, loadCatalog, money, onLangChange, orders, productName, setupLangSwitch, t, when } from "./shop.js";

const id = new URLSearchParams(location.search).get("session");
const title = document.getElementById("title");
const FINAL = new Set(["succeeded", "failed", "cancelled", "expired"]);
let catalog = {};

async function renderList() {
  const list = document.getElementById("orders");
  const mine = orders();
  if (mine.length === 0) return list.replaceChildren(el("li", { class: "muted", text: t("orders.none") }));
  list.replaceChildren(...(await Promise.all(mine.map(async (o) =>
    el("li", { class: "order" },
      el("a", { href: `/order.html?session=${encodeURIComponent(o.session)}`, text: when(o.at) || t("order.title.unknown") }),
      el("span", { text: ` · ${o.amount !== undefined ? await money(o.amount, o.currency) : ""} · ${PROVIDERS[o.provider] ?? ""} · ` }),
      el("span", { class: `status status-${o.status}`, text: t(`status.${o.status}`) }))))));
}

let timer = null;

async function renderOne() {
  clearTimeout(timer);
  const mine = orders().find((o) => o.session === id);
  const answer = await fetch(`/demo/sessions/${encodeURIComponent(id)}`, { cache: "no-store" }).then((r) => r.json()).catch(() => null);
  const session = answer?.session;
  const status = session?.status ?? mine?.status;
  const date = when(mine?.at ?? session?.created_at);
  title.removeAttribute("data-i18n");
  title.textContent = date ? t("order.title", { date }) : t("order.title.unknown");
  const shown = document.getElementById("status");
  shown.dataset.status = status ?? "";
  shown.className = `status status-${status ?? "none"}`;
  shown.textContent = status ? t(`order.status.${status}`) : t("orders.unknown");
  document.getElementById("date").textContent = date || "—";
  const amount = session ?? mine;
  document.getElementById("amount").textContent = amount?.amount !== undefined ? await money(amount.amount, amount.currency) : "—";
  document.getElementById("provider").textContent = PROVIDERS[amount?.provider] ?? "—";
  document.getElementById("reference").textContent = id;
  const items = (mine?.items ?? []).filter((line) => catalog[line.sku]);
  document.getElementById("items").replaceChildren(...(items.length
    ? await Promise.all(items.map(async ({ sku, quantity }) => el("li", {},
      el("span", { text: t("order.line", { quantity, name: productName(catalog[sku]) }) }),
      el("span", { class: "order-item-price", text: await money(catalog[sku].price * quantity, catalog[sku].currency) }))))
    : [el("li", { class: "muted", text: session?.description ?? t("order.items.unknown") })]));
  if (!FINAL.has(status) && answer) timer = setTimeout(renderOne, 2000);
}

setupLangSwitch();
if (id) {
  document.getElementById("orders").hidden = true;
  document.getElementById("one").hidden = false;
  new Panel(document.getElementById("panel")).follow(id);
  catalog = await loadCatalog().catch(() => ({}));
  renderOne();
  onLangChange(renderOne);
} else {
  renderList();
  onLangChange(renderList);
}
