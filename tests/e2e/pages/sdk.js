// A page using only Guichet's public API, with `onError` set and no `.catch()` on the
// promises (as CinetPay's own seamless SDK is used): what it is told goes into #result
// (`data-events`: the events in order; `data-code`: the last error's code). An overlay
// that appears, even for a moment, is counted in `data-overlays`.
import { Guichet, validateCheckout } from "/pkg/browser/index.js";

const guichet = new Guichet({ endpoint: "/api", provider: "moneroo", lang: "fr", sandbox: true });
const cinetpay = new Guichet({ endpoint: "/api", lang: "fr", sandbox: true }).setConfig({ site_id: "shop", mode: "SANDBOX" });
const result = document.getElementById("result");
const events = [];
const note = (type) => {
  events.push(type);
  result.dataset.events = events.join(" ");
};
for (const client of [guichet, cinetpay]) {
  for (const type of ["ready", "pending", "success", "failed", "close"]) client.on(type, () => note(type));
  client.onError((error) => {
    note("error");
    result.dataset.code = error?.code ?? "";
    result.textContent = error?.message ?? String(error);
  });
}
let overlays = 0;
new MutationObserver((records) => {
  for (const record of records) {
    for (const node of record.addedNodes) if (node.classList?.contains("guichet-overlay")) overlays += 1;
  }
  document.documentElement.dataset.overlays = String(overlays);
}).observe(document.body, { childList: true });

const customer = { first_name: "Awa", last_name: "Koné", email: "awa@example.ci", phone: "07 01 02 03 04", country: "CI" };
document.getElementById("invalid").addEventListener("click", () => {
  guichet.open({ items: [{ sku: "karite", quantity: 1 }], customer: { ...customer, phone: "12" } });
});
const flat = { customer_surname: "Awa", customer_name: "Koné", customer_email: "awa@example.ci", customer_phone_number: "0701020304", customer_country: "CI" };
document.getElementById("cinetpay-amount").addEventListener("click", () => {
  cinetpay.getCheckout({ ...flat, items: [{ sku: "karite", quantity: 1 }], amount: 100, currency: "XOF" });
});
document.getElementById("cinetpay-unknown").addEventListener("click", () => {
  cinetpay.getCheckout({ ...flat, items: [{ sku: "ghost", quantity: 1 }] });
});

// The WebAssembly is there (the Guichets preload it): what follows happens in the click.
await validateCheckout({}, "fr");
await new Promise((resolve) => setTimeout(resolve, 100));
document.documentElement.dataset.ready = "true";
