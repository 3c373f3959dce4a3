// A storefront in TypeScript, as a merchant writes it: checked with `tsc --strict` against
// the packed package (tests/js/types.test.mjs).
import { Guichet, formatAmount, validateCheckout } from "guichet";
import type { CheckoutRequest, CinetPayResponse, FinalOutcome, GuichetError, Outcome } from "guichet";

const guichet = new Guichet({ endpoint: "/api", provider: "moneroo", lang: "fr" });
const status = document.querySelector<HTMLElement>("#status")!;

function show(outcome: FinalOutcome): void {
  status.textContent = outcome.status === "succeeded" ? `Payé : ${outcome.reference ?? outcome.session}` : `Non payé (${outcome.status})`;
}

guichet
  .on("success", show)
  .on("failed", show)
  .on("close", (outcome: Outcome) => console.info("closed at", outcome.status))
  .on("error", (error: GuichetError) => console.error(error.code, error.field, error.violations));

document.querySelector("#pay")!.addEventListener("click", async () => {
  const checkout: CheckoutRequest = {
    provider: "cinetpay",
    items: [{ sku: "wax-6y", quantity: 2 }],
    customer: { first_name: "Awa", last_name: "Koné", phone: "07 01 02 03 04", country: "CI" },
  };
  const report = await validateCheckout(checkout, "fr");
  if (!report.ok) return void (status.textContent = report.violations.map((v) => `${v.field}: ${v.message}`).join("\n"));
  const outcome = await guichet.open(checkout);
  status.textContent += ` ${await formatAmount(outcome.amount ?? 0, outcome.currency ?? "XOF")}`;
});

// CinetPay's seamless face, for shops moving from its SDK.
const cinetpay = new Guichet({ endpoint: "/api" }).setConfig({ mode: "PRODUCTION", close_after_response: true });
cinetpay.waitResponse((response: CinetPayResponse) => {
  const accepted: boolean = response.status === "ACCEPTED";
  console.info(accepted, response.session, response.amount);
});
void cinetpay.getCheckout({ items: [{ sku: "wax-6y", quantity: 1 }], customer_name: "Koné", customer_surname: "Awa" });

// On the return page.
void guichet.handleReturn().then((outcome) => outcome && console.info(outcome.status));
