// The order status page: the shopper's orders in this browser, and one order's status as
// the shop's server reads it from the backend (with the sandbox's view next to it).
import { PROVIDERS, Panel, el, money, onLangChange, orders, setupLangSwitch, t } from "./shop.js";

const id = new URLSearchParams(location.search).get("session");
const title = document.getElementById("title");

async function renderList() {
  const list = document.getElementById("orders");
  const mine = orders();
  if (mine.length === 0) return list.replaceChildren(el("li", { class: "muted", text: t("orders.none") }));
  list.replaceChildren(...(await Promise.all(mine.map(async (o) =>
    el("li", { class: "order" },
      el("a", { href: `/order.html?session=${encodeURIComponent(o.session)}` }, el("code", { text: o.session })),
      el("span", { text: ` ${o.amount !== undefined ? await money(o.amount, o.currency) : ""} · ${PROVIDERS[o.provider] ?? ""} · ` }),
      el("span", { class: `status status-${o.status}`, text: t(`status.${o.status}`) }))))));
}

let timer = null;

async function renderOne() {
  clearTimeout(timer);
  title.removeAttribute("data-i18n");
  title.textContent = t("order.title", { id });
  const answer = await fetch(`/demo/sessions/${encodeURIComponent(id)}`, { cache: "no-store" }).then((r) => r.json()).catch(() => null);
  const status = answer?.session?.status;
  const shown = document.getElementById("status");
  shown.dataset.status = status ?? "";
  shown.textContent = status ? t(`status.${status}`) : t("orders.unknown");
  if (status === "pending") timer = setTimeout(renderOne, 2000);
}

setupLangSwitch();
if (id) {
  document.getElementById("orders").hidden = true;
  document.getElementById("one").hidden = false;
  new Panel(document.getElementById("panel")).follow(id);
  renderOne();
  onLangChange(renderOne);
} else {
  renderList();
  onLangChange(renderList);
}
