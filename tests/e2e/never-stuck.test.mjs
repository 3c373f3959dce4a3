// The shopper is never stuck: a reload in the middle of paying, a second click while the
// provider's window is open, a popup closed before paying again, a mistake caught in the
// page, a refused order with CinetPay's API. Each story failed before the fix (the
// checkout wedged, a popup flashed or lingered, an error escaped uncaught).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { actOnProviderPage, agree, fillCart, launch, newShopper, outcome, startStack } from "./support.mjs";

let stack;
let browser;
before(async () => {
  [stack, browser] = await Promise.all([startStack(), launch()]);
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Runs `story` with a fresh shopper, and checks the pages raised no error. */
async function asShopper(story, viewport) {
  const shopper = await newShopper(browser, viewport);
  try {
    await story(shopper);
    assert.deepEqual(shopper.errors, [], "no page error, no uncaught rejection, no CSP violation");
  } finally {
    await shopper.context.close();
  }
}

/** Opens the seamless checkout in a popup and waits for the provider's page. */
async function openPopup(page) {
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.click("#pay-here")]);
  await popup.waitForURL((url) => url.href.startsWith(stack.sandbox.url));
  return popup;
}

test("a reload while paying in CinetPay's overlay tells the shopper it was interrupted, and paying again works", { timeout: 90_000 }, async () => {
  await asShopper(async ({ page }) => {
    await fillCart(page, stack.shopUrl, "cinetpay");
    await page.click("#pay-here");
    await page.frameLocator("iframe.guichet-frame").locator('button[value="pay"]').waitFor();
    const first = await page.evaluate(() => sessionStorage.getItem("guichet.session").split("\n")[0]);
    await page.reload();
    // Not "resuming…" forever: the overlay went with the page, and the shop says so.
    const session = await outcome(page, "interrupted", 15_000);
    assert.equal(session, first);
    assert.match(await page.locator("#outcome").textContent(), /interrompu.*payer à nouveau/s);
    await page.locator('#pay-here:not([aria-disabled="true"])').waitFor();
    // Paying again opens the overlay and goes through.
    await page.check('input[name="provider"][value="cinetpay"]');
    await page.click("#pay-here");
    const frame = page.frameLocator("iframe.guichet-frame");
    await actOnProviderPage(frame, "pay");
    await page.locator(".guichet-overlay").waitFor({ state: "detached" });
    const paid = await outcome(page, "succeeded");
    assert.notEqual(paid, first, "a new session");
    await agree(stack, paid, "succeeded");
    assert.equal((await stack.session(first)).session.status, "pending", "the interrupted one was never paid");
  });
});

test("a second click after a reload brings the provider's popup forward and says why; paying there closes it", { timeout: 90_000 }, async () => {
  await asShopper(async ({ page }) => {
    await fillCart(page, stack.shopUrl, "moneyfusion");
    const popup = await openPopup(page);
    const providerPage = popup.url();
    await page.reload();
    await outcome(page, "resumed");
    const count = async () => (await stack.sandbox.control("/payments?provider=moneyfusion")).payments.length;
    const before = await count();
    await page.click("#pay-here");
    // Told, in words, where the payment is: not a silent no-op, and the popup is kept.
    await outcome(page, "error");
    assert.match(await page.locator("#outcome").textContent(), /déjà en cours dans la fenêtre du prestataire/);
    assert.equal(popup.isClosed(), false, "the provider's window stays open");
    assert.equal(popup.url(), providerPage, "on the same payment");
    assert.equal(await count(), before, "no second payment opened");
    const closed = popup.waitForEvent("close");
    await actOnProviderPage(popup, "pay");
    const session = await outcome(page, "succeeded");
    await agree(stack, session, "succeeded");
    // The return page told the shop's reloaded tab, which closed the popup.
    await closed;
  });
});

test("after a reload, a shopper who closed the provider's popup can pay again", { timeout: 90_000 }, async () => {
  await asShopper(async ({ page }) => {
    await fillCart(page, stack.shopUrl, "moneyfusion");
    const popup = await openPopup(page);
    const first = await page.evaluate(() => sessionStorage.getItem("guichet.session").split("\n")[0]);
    await page.reload();
    await outcome(page, "resumed");
    await popup.close();
    const again = await openPopup(page);
    await actOnProviderPage(again, "pay");
    const session = await outcome(page, "succeeded");
    assert.notEqual(session, first, "a new session took over");
    await agree(stack, session, "succeeded");
  });
});

test("a mistake caught in the page opens nothing, not even for a moment, and reaches onError", { timeout: 60_000 }, async () => {
  await asShopper(async ({ context, page }) => {
    let popups = 0;
    context.on("page", () => (popups += 1));
    await page.goto(`${stack.shopUrl}/_test/sdk.html`);
    await page.locator('html[data-ready="true"]').waitFor();
    await page.click("#invalid");
    await page.locator('#result[data-code="invalid_order"]').waitFor();
    await page.waitForTimeout(500);
    assert.equal(popups, 0, "no popup flashed");
    assert.equal(await page.locator("html").getAttribute("data-overlays"), null, "no overlay flashed");
    assert.equal(await page.locator("#result").getAttribute("data-events"), "error", "only the error: nothing to close");
  });
});

test("with CinetPay's API and onError set, a refused order is told there and nothing escapes uncaught", { timeout: 60_000 }, async () => {
  await asShopper(async ({ page }) => {
    await page.goto(`${stack.shopUrl}/_test/sdk.html`);
    await page.locator('html[data-ready="true"]').waitFor();
    // Refused in the page (an amount from the browser)...
    await page.click("#cinetpay-amount");
    await page.locator('#result[data-code="invalid_order"]').waitFor();
    // ...and refused by the backend (an article it does not sell).
    await page.click("#cinetpay-unknown");
    await page.locator('#result[data-code="unknown_sku"]').waitFor();
    await page.locator(".guichet-overlay").waitFor({ state: "detached" });
    await page.waitForTimeout(500);
    assert.match(await page.locator("#result").getAttribute("data-events"), /^error error/);
  });
});
