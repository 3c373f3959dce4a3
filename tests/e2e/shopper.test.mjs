// The demo shop in Chromium when things do not go straight: notifications that come twice
// and out of order, a provider answering 500 then recovering, a shopper who reloads the
// page in the middle of paying, closes the checkout, types a bad phone number, reads in
// English, or shops on a 360 px wide phone.
import { after, afterEach, before, test } from "node:test";
import assert from "node:assert/strict";
import { actOnProviderPage, agree, closed, fillCart, launch, newShopper, outcome, shot, startStack } from "./support.mjs";

let stack;
let browser;
before(async () => {
  [stack, browser] = await Promise.all([startStack(), launch()]);
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});
afterEach(async () => {
  await stack.sandbox.control("/faults", { method: "DELETE" });
});

const fault = (spec) => stack.sandbox.control("/faults", { method: "POST", body: spec });

/** Runs `story` with a fresh shopper, and checks the pages raised no error. */
async function asShopper(story, viewport) {
  const shopper = await newShopper(browser, viewport);
  try {
    await story(shopper);
    assert.deepEqual(shopper.errors, [], "no page error and no CSP violation");
  } finally {
    await shopper.context.close();
  }
}

/** Seamless checkout in a popup, paid with `action`. */
async function payInPopup(page, action = "pay") {
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.click("#pay-here")]);
  await popup.waitForURL((url) => url.href.startsWith(stack.sandbox.url));
  await actOnProviderPage(popup, action);
  return popup;
}

test("moneroo notifications sent twice and out of order settle the session once", { timeout: 90_000 }, async () => {
  await fault({ provider: "moneroo", kind: "duplicate" });
  // The first notification (payment.initiated) is held back until payment.success went out.
  await fault({ provider: "moneroo", kind: "reorder", next: 1, ms: 60_000 });
  await asShopper(async ({ page }) => {
    await fillCart(page, stack.shopUrl, "moneroo");
    await payInPopup(page);
    const session = await outcome(page, "succeeded");
    const view = await agree(stack, session, "succeeded");
    await page.locator('#panel [data-step="status"] [data-status="succeeded"]').waitFor();
    await page.locator("#panel .events li").nth(view.session.events.length - 1).waitFor();
    await shot(page, "readme-paid", { fullPage: true });
    const deliveries = view.sandbox.notifications.filter((n) => n.delivered);
    assert.ok(deliveries.some((n) => n.duplicate), `a duplicate went out: ${JSON.stringify(deliveries)}`);
    // The held copies go out once payment.success's first delivery is answered; the
    // duplicate of payment.success goes at the same moment, so only the first of each
    // has an order to check.
    const first = (event) => Math.min(...deliveries.filter((n) => n.event === event).map((n) => Date.parse(n.at)));
    assert.ok(first("payment.initiated") >= first("payment.success"), "payment.initiated arrived after payment.success");
    // Every delivery was heard (the edge answered 200 to each); only one moved the session.
    assert.ok(deliveries.every((n) => n.status === 200));
    assert.ok(view.session.events.length >= 2, "the repeated and late notifications were recorded without moving it");
  });
});

test("a provider answering 500 at creation lets the shopper try again and pay", { timeout: 90_000 }, async () => {
  await fault({ provider: "moneroo", kind: "500", next: 1, path: "/payments/initialize" });
  await asShopper(async ({ page }) => {
    await fillCart(page, stack.shopUrl, "moneroo");
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.click("#pay-here")]);
    await closed(popup);
    await outcome(page, "error");
    await shot(page, "provider-500", { fullPage: true });
    await page.locator('#pay-here:not([aria-disabled="true"])').waitFor();
    await payInPopup(page);
    const session = await outcome(page, "succeeded");
    await agree(stack, session, "succeeded");
    const { payments } = await stack.sandbox.control("/payments?provider=moneroo");
    assert.equal(payments.filter((p) => p.return_url.includes(session)).length, 1);
  });
});

test("status checks answering 500 are tried again and the outcome still shows", { timeout: 90_000 }, async () => {
  await fault({ provider: "cinetpay", kind: "500", next: 2, path: "/v2/payment/check" });
  await asShopper(async ({ page }) => {
    await fillCart(page, stack.shopUrl, "cinetpay");
    await page.click("#pay-redirect");
    await page.waitForURL((url) => url.href.startsWith(stack.sandbox.url));
    await actOnProviderPage(page, "pay");
    const session = await outcome(page, "succeeded");
    await agree(stack, session, "succeeded");
    const listed = await stack.sandbox.control("/faults");
    assert.deepEqual(Array.isArray(listed) ? listed : listed.faults, [], "both injected 500s were used up");
  });
});

test("a shopper who reloads the shop while paying gets the outcome through resume()", { timeout: 90_000 }, async () => {
  await asShopper(async ({ page }) => {
    await fillCart(page, stack.shopUrl, "moneyfusion");
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.click("#pay-here")]);
    await popup.waitForURL((url) => url.href.startsWith(stack.sandbox.url));
    await page.reload();
    await outcome(page, "resumed");
    await actOnProviderPage(popup, "pay");
    const session = await outcome(page, "succeeded");
    await agree(stack, session, "succeeded");
    await popup.close();
  });
});

test("closing the overlay tells the shopper the payment was interrupted, in English", { timeout: 90_000 }, async () => {
  await asShopper(async ({ page }) => {
    await fillCart(page, stack.shopUrl, "cinetpay");
    await page.click("#lang");
    await page.locator('html[lang="en"]').waitFor();
    assert.equal(await page.locator("#pay-here").textContent(), "Pay here");
    await page.click("#pay-here");
    const frame = page.frameLocator("iframe.guichet-frame");
    await frame.locator('button[value="pay"]').waitFor();
    assert.match(await frame.locator("html").getAttribute("lang"), /^en/, "the provider's page speaks the shopper's language");
    await page.evaluate(() => scrollTo(0, 0));
    await shot(page, "readme-overlay");
    await page.click(".guichet-close");
    await page.locator(".guichet-overlay").waitFor({ state: "detached" });
    const session = await outcome(page, "closed");
    assert.match(await page.locator("#outcome").textContent(), /interrupted/);
    const view = await stack.session(session);
    assert.equal(view.session.status, "pending");
    assert.equal(view.session.events.filter((e) => e.moved).length, 0, "nothing moved the session");
    assert.equal(view.sandbox.stage, "initiated");
  });
});

test("a bad phone number is caught in the page, before any session", { timeout: 60_000 }, async () => {
  await asShopper(async ({ page }) => {
    await fillCart(page, stack.shopUrl, "moneroo");
    await page.fill("#phone", "12");
    await page.locator('#checkout[data-valid="false"]').waitFor();
    await page.click("#pay-here");
    await page.locator('#phone[aria-invalid="true"]').waitFor();
    assert.ok((await page.locator("#problems li").count()) > 0);
    assert.equal(await page.locator("#outcome").isHidden(), true, "no checkout started");
    assert.equal(page.context().pages().length, 1, "no popup opened");
  });
});

test("on a 360 px wide phone the shop fits and a payment goes through", { timeout: 90_000 }, async () => {
  await asShopper(async ({ page }) => {
    await fillCart(page, stack.shopUrl, "cinetpay", { items: { "pagne-wax": 1 } });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `no sideways scrolling (${width} px)`);
    await shot(page, "mobile-shop", { fullPage: true });
    // Below 600 px even CinetPay's frameable page opens in a window (a tab on phones).
    const popup = await payInPopup(page);
    await closed(popup);
    const session = await outcome(page, "succeeded");
    await agree(stack, session, "succeeded");
    await page.locator("#outcome").scrollIntoViewIfNeeded();
    await shot(page, "readme-mobile");
  }, { width: 360, height: 740 });
});
