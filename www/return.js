// The return page: where the provider sends the shopper back (through the backend's
// /api/return route). Guichet asks the backend for the outcome; the URL's own parameters
// are never believed. Inside the seamless window or frame, Guichet tells the shop's page
// instead, which shows the outcome and closes this.
import { Guichet } from "/pkg/browser/index.js";
import { Panel, lang, rememberOrder, setupLangSwitch, showOutcome, t } from "./shop.js";

const embedded = window.parent !== window || Boolean(window.opener);
if (embedded) document.documentElement.classList.add("embedded");

const guichet = new Guichet({ endpoint: "/api", lang, sandbox: true });
const box = document.getElementById("outcome");
const panel = new Panel(document.getElementById("panel"));
setupLangSwitch();

guichet
  .on("pending", (outcome) => {
    rememberOrder(outcome);
    panel.follow(outcome.session);
    showOutcome(box, "pending", outcome);
  })
  .on("success", (outcome) => {
    rememberOrder(outcome);
    panel.follow(outcome.session);
    showOutcome(box, outcome.status, outcome);
    sessionStorage.removeItem("shop.cart");
  })
  .on("failed", (outcome) => {
    rememberOrder(outcome);
    panel.follow(outcome.session);
    showOutcome(box, outcome.status, outcome);
  })
  .on("error", (error) => showOutcome(box, "error", null, error));

const outcome = await guichet.handleReturn().catch(() => undefined);
if (outcome === null) {
  box.dataset.kind = embedded ? "embedded" : "none";
  box.querySelector(".outcome-title").textContent = t(embedded ? "return.embedded" : "return.none");
}
