// The demo shop uses the package exactly as a merchant's storefront would.
import { validateCheckout } from "/pkg/browser/index.js";

let lang = "fr";
const form = document.getElementById("checkout");
const problems = document.getElementById("problems");

function translate() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-fr]")) el.textContent = el.dataset[lang];
  document.getElementById("lang").textContent = lang === "fr" ? "English" : "Français";
}

function request() {
  const data = new FormData(form);
  const items = [...data.entries()]
    .filter(([name, qty]) => name.startsWith("qty-") && Number(qty) > 0)
    .map(([name, qty]) => ({ sku: name.slice(4), quantity: Number(qty) }));
  const customer = Object.fromEntries(["first_name", "last_name", "email", "phone", "country"].map((k) => [k, data.get(k)]));
  return { provider: data.get("provider"), items, customer, lang };
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const report = await validateCheckout(request(), lang);
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  problems.replaceChildren(
    ...report.violations.map((v) => {
      const input = form.elements[v.field.replace("customer.", "")];
      if (input instanceof HTMLElement) input.setAttribute("aria-invalid", "true");
      const li = document.createElement("li");
      li.textContent = `${v.field} — ${v.message}`;
      return li;
    }),
  );
  if (report.ok) {
    const li = document.createElement("li");
    li.className = "ok";
    li.textContent = lang === "fr" ? "Commande valide." : "Order is valid.";
    problems.replaceChildren(li);
  }
});

document.getElementById("lang").addEventListener("click", () => {
  lang = lang === "fr" ? "en" : "fr";
  translate();
});

const backend = document.getElementById("backend");
fetch("/api/health")
  .then((r) => r.json())
  .then((h) => {
    backend.dataset.state = h.ok ? "up" : "down";
    backend.textContent = `Backend Guichet ${h.version} (workerd)`;
  })
  .catch(() => {
    backend.dataset.state = "down";
    backend.textContent = "Backend injoignable / unreachable";
  });
translate();
