// The storefront: products, cart, the shopper's details, and the two ways to pay. It uses
// Guichet exactly as a merchant's page would: the published browser package, the
// backend mounted at /api, and nothing private.
import { Guichet, validateCheckout } from "/pkg/browser/index.js";
import { Panel, el, lang, loadCatalog, localized, money, onLangChange, productName, rememberOrder, setupLangSwitch, showOutcome, t } from "./shop.js";

const guichet = new Guichet({ endpoint: "/api", provider: "moneroo", lang, sandbox: true, shopName: "Chez Awa" });

const form = document.getElementById("checkout");
const problems = document.getElementById("problems");
const outcomeBox = document.getElementById("outcome");
const payHere = document.getElementById("pay-here");
const payRedirect = document.getElementById("pay-redirect");
const panel = new Panel(document.getElementById("panel"));

let catalog = {};
let cart = readCart();
let report = null;
/** How the provider's page is being shown, for the panel. */
let display = null;
let resuming = false;
/** The cart lines of the checkout under way, kept with the order for the order page. */
let paying = null;

function readCart() {
  try {
    return JSON.parse(sessionStorage.getItem("shop.cart") ?? "{}");
  } catch {
    return {};
  }
}

function saveCart() {
  sessionStorage.setItem("shop.cart", JSON.stringify(cart));
}

/** What the backend is asked for: SKUs and quantities, never a price. */
function order() {
  const data = new FormData(form);
  const items = Object.entries(cart)
    .filter(([sku, quantity]) => catalog[sku] && quantity > 0)
    .map(([sku, quantity]) => ({ sku, quantity }));
  const customer = Object.fromEntries(["first_name", "last_name", "email", "phone", "country"].map((k) => [k, String(data.get(k) ?? "").trim()]));
  return { provider: data.get("provider"), items, customer, lang };
}

async function renderProducts() {
  const list = document.getElementById("products");
  const cards = await Promise.all(Object.entries(catalog).map(async ([sku, product]) => {
    const name = productName(product);
    const add = el("button", { type: "button", class: "add", "data-sku": sku, "aria-label": t("product.add.label", { name }), text: t("product.add") });
    add.addEventListener("click", () => {
      cart[sku] = (cart[sku] ?? 0) + 1;
      saveCart();
      renderCart();
    });
    return el("li", { class: "product", "data-sku": sku },
      el("img", { src: product.image, alt: "", width: 320, height: 200, loading: "lazy" }),
      el("div", { class: "product-body" },
        el("h2", { text: name }),
        el("p", { class: "muted", text: localized(product.about) }),
        el("p", { class: "price", text: await money(product.price, product.currency) }),
        add));
  }));
  list.replaceChildren(...cards);
}

async function renderCart() {
  const list = document.getElementById("cart");
  const lines = Object.entries(cart).filter(([sku, quantity]) => catalog[sku] && quantity > 0);
  if (lines.length === 0) {
    list.replaceChildren(el("li", { class: "muted", text: t("cart.empty") }));
  } else {
    list.replaceChildren(...(await Promise.all(lines.map(async ([sku, quantity]) => {
      const product = catalog[sku];
      const name = productName(product);
      const change = (by) => () => {
        cart[sku] = Math.max(0, quantity + by);
        if (cart[sku] === 0) delete cart[sku];
        saveCart();
        renderCart();
      };
      const less = el("button", { type: "button", class: "qty", "aria-label": t("cart.less", { name }), text: "−" });
      const more = el("button", { type: "button", class: "qty", "aria-label": t("cart.more", { name }), text: "+" });
      less.addEventListener("click", change(-1));
      more.addEventListener("click", change(1));
      return el("li", { class: "cart-line", "data-sku": sku },
        el("span", { class: "cart-name", text: name }),
        el("span", { class: "cart-qty" }, less, el("output", { "aria-label": t("cart.quantity", { name }), text: String(quantity) }), more),
        el("span", { class: "cart-price", text: await money(product.price * quantity, product.currency) }));
    }))));
  }
  // The total shown is the shop's own sum of its list; what is charged is the backend's.
  const currency = Object.values(catalog)[0]?.currency ?? "XOF";
  const total = lines.reduce((sum, [sku, quantity]) => sum + catalog[sku].price * quantity, 0);
  document.getElementById("total").textContent = await money(total, currency);
  check();
}

/** Checks the checkout with the backend's own rules (in the page, no request). */
async function check() {
  const request = order();
  const found = await validateCheckout(request, lang);
  report = found;
  form.dataset.valid = String(found.ok);
  return found;
}

function showProblems(violations) {
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  const items = violations.map((v) => {
    const name = v.field.replace(/^customer\./, "");
    const input = form.elements.namedItem(name);
    if (input instanceof HTMLElement) input.setAttribute("aria-invalid", "true");
    const label = input instanceof HTMLElement && input.id ? form.querySelector(`label[for="${input.id}"]`)?.textContent : null;
    const text = v.field === "items" || v.field.startsWith("items") ? t("cart.missing") : t("problem", { label: label ?? v.field, message: v.message });
    return el("li", { text });
  });
  problems.replaceChildren(...items);
}

/** True when the order may go: otherwise shows why. */
function ready() {
  const request = order();
  if (request.items.length === 0) {
    showProblems([{ field: "items", message: t("cart.missing") }]);
    return false;
  }
  if (report && !report.ok) {
    showProblems(report.violations);
    return false;
  }
  showProblems([]);
  return true;
}

/**
 * While a payment is under way the buttons say so (aria-disabled) but keep the focus,
 * so that it can come back to them when the checkout closes.
 */
function busy(on) {
  form.setAttribute("aria-busy", String(on));
  for (const button of [payHere, payRedirect]) button.setAttribute("aria-disabled", String(on));
}

// Guichet's events: the outcome comes from the backend, never from the provider's URL.
guichet
  .on("ready", (outcome) => {
    rememberOrder(outcome, paying);
    panel.created(outcome, display);
    showOutcome(outcomeBox, "busy", outcome);
  })
  .on("pending", (outcome) => {
    rememberOrder(outcome);
    panel.follow(outcome.session);
    showOutcome(outcomeBox, resuming ? "resumed" : "pending", outcome);
  })
  .on("success", (outcome) => {
    rememberOrder(outcome);
    panel.follow(outcome.session);
    showOutcome(outcomeBox, outcome.status, outcome);
    cart = {};
    saveCart();
    renderCart();
  })
  .on("failed", (outcome) => {
    rememberOrder(outcome);
    panel.follow(outcome.session);
    showOutcome(outcomeBox, outcome.status, outcome);
  })
  .on("close", (outcome) => {
    // After an error Guichet closes its window too: the error is what the shopper needs.
    if (outcomeBox.dataset.kind === "error") return;
    if (outcome.status === "pending" || outcome.status === null) {
      rememberOrder(outcome);
      // After a reload, a payment whose page went with it is told as interrupted.
      showOutcome(outcomeBox, resuming ? "interrupted" : "closed", outcome);
    }
  })
  .on("error", (error) => {
    if (error.violations) showProblems(error.violations);
    showOutcome(outcomeBox, "error", null, error);
  });

function pay(how) {
  // A second click while paying: Guichet brings the provider's window to the front.
  if (form.getAttribute("aria-busy") === "true") return void (how === "redirect" || guichet.open(order()));
  if (!ready()) return;
  const request = order();
  paying = request.items;
  display = how === "redirect" ? "redirect" : request.provider === "cinetpay" && innerWidth >= 600 ? "overlay" : "popup";
  outcomeBox.hidden = true;
  busy(true);
  resuming = false;
  // Called inside the click, so the browser lets the provider's window open.
  const started = how === "redirect" ? guichet.redirect(request) : guichet.open(request);
  started.catch(() => {}).finally(() => {
    if (how !== "redirect") busy(false);
  });
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  pay("open");
});
payRedirect.addEventListener("click", () => pay("redirect"));
form.addEventListener("input", () => check());
form.addEventListener("change", () => check());

onLangChange(() => {
  renderProducts();
  renderCart();
  if (problems.childElementCount) check().then(ready);
});

setupLangSwitch();
catalog = await loadCatalog();
await Promise.all([renderProducts(), renderCart()]);

// A reload during a payment: pick the session up again where it stands. The buttons stay
// usable: paying again takes over from a payment whose window is gone.
resuming = true;
const over = () => {
  resuming = false;
};
guichet.resume().then(over, over);
