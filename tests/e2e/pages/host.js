// A page using only Guichet's public API: `new Guichet(...)` with or without the sandbox
// flag (`?sandbox=1`), `redirect(order)` on a click, and what came out written into
// #result (`data-events`: the events in order; `data-code`: the error's code).
import { Guichet } from "/pkg/browser/index.js";

const sandbox = new URLSearchParams(location.search).get("sandbox") === "1";
const guichet = new Guichet({ endpoint: "/api", provider: "moneroo", lang: "fr", ...(sandbox && { sandbox: true }) });
const result = document.getElementById("result");
const events = [];
const note = (type) => {
  events.push(type);
  result.dataset.events = events.join(" ");
};
for (const type of ["ready", "pending", "success", "failed", "close"]) guichet.on(type, () => note(type));
guichet.on("error", (error) => {
  note("error");
  result.dataset.code = error?.code ?? "";
  result.textContent = error?.message ?? String(error);
});

const order = {
  provider: "moneroo",
  items: [{ sku: "karite", quantity: 1 }],
  customer: { first_name: "Awa", last_name: "Koné", email: "awa@example.ci", phone: "07 01 02 03 04", country: "CI" },
  lang: "fr",
};

document.getElementById("go").addEventListener("click", () => {
  guichet.redirect(order).then(
    () => note("resolved"),
    (error) => {
      note("rejected");
      result.dataset.rejected = error?.code ?? "";
    },
  );
});
document.documentElement.dataset.ready = "true";
