// The demo shop in Chromium, for each provider, both ways to pay (seamless: Guichet's
// popup or overlay; redirect: the provider's page in the tab) and each way a payment ends
// on the provider's page (paid, declined, cancelled): the shop shows the right outcome,
// the ledger moved the session exactly once, and the sandbox's ground truth agrees.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { actOnProviderPage, agree, fillCart, launch, newShopper, outcome, shot, startStack } from "./support.mjs";

const ACTIONS = { pay: "succeeded", decline: "failed", cancel: "cancelled" };
const PROVIDERS = ["moneroo", "cinetpay", "moneyfusion"];

let stack;
let browser;
before(async () => {
  [stack, browser] = await Promise.all([startStack(), launch()]);
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Seamless: CinetPay's page in Guichet's overlay, the others in a popup. */
async function paySeamless(page, provider, action, shots) {
  if (provider === "cinetpay") {
    await page.click("#pay-here");
    const frame = page.frameLocator("iframe.guichet-frame");
    await frame.locator('button[value="pay"]').waitFor();
    if (shots) await shot(page, `${provider}-overlay`);
    await actOnProviderPage(frame, action);
    await page.locator(".guichet-overlay").waitFor({ state: "detached" });
    return;
  }
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.click("#pay-here")]);
  await popup.waitForURL((url) => url.href.startsWith(stack.sandbox.url));
  if (shots) await shot(popup, `${provider}-popup`);
  const closed = popup.waitForEvent("close");
  await actOnProviderPage(popup, action);
  await closed;
}

/** Redirect: the tab goes to the provider's page and comes back to the return page. */
async function payRedirect(page, provider, action, shots) {
  await page.click("#pay-redirect");
  await page.waitForURL((url) => url.href.startsWith(stack.sandbox.url));
  if (shots) await shot(page, `${provider}-hosted-page`);
  await actOnProviderPage(page, action);
  await page.waitForURL((url) => url.pathname === "/return.html");
}

for (const provider of PROVIDERS) {
  describe(provider, () => {
    for (const [mode, pay] of [["seamless", paySeamless], ["redirect", payRedirect]]) {
      for (const [action, status] of Object.entries(ACTIONS)) {
        test(`${mode}: ${action} on the provider's page shows ${status}, recorded once, as the sandbox says`, { timeout: 90_000 }, async () => {
          const { context, page, errors } = await newShopper(browser);
          try {
            await fillCart(page, stack.shopUrl, provider);
            const shots = action === "pay";
            if (shots && mode === "seamless") await shot(page, `${provider}-shop`);
            await pay(page, provider, action, shots);
            const session = await outcome(page, status);
            const view = await agree(stack, session, status);
            assert.equal(view.session.amount, 2 * 3500 + 2000, "the backend priced the cart from its catalog");
            await page.locator(`#panel [data-step="status"] [data-status="${status}"]`).waitFor();
            if (shots || mode === "redirect") await shot(page, `${provider}-${mode}-${status}`, { fullPage: true });
            assert.deepEqual(errors, [], "no page error and no CSP violation");
          } finally {
            await context.close();
          }
        });
      }
    }
  });
}
