// Accessibility, audited by axe-core (the engine behind Lighthouse and the browsers'
// devtools) on every page of the shop, Guichet's overlay and the return page, in French
// and English, on a 1280x800 screen and a 360x740 phone: no serious or critical
// violation. Then a payment made with the keyboard alone, from the cart to the outcome,
// with focus kept inside the overlay while it is open and given back when it closes.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { actOnProviderPage, fillCart, launch, newShopper, outcome, startStack } from "./support.mjs";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let stack;
let browser;
before(async () => {
  [stack, browser] = await Promise.all([startStack(), launch()]);
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

/**
 * The serious and critical violations axe finds in `page` (the provider's own page in the
 * overlay's frame is not ours to audit). Injected through the devtools protocol, so the
 * shop's strict policy stays on.
 */
async function audit(page, where) {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const { violations } = await window.axe.run(document, { iframes: false, resultTypes: ["violations"] });
    return violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  });
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad, [], `${where}: ${JSON.stringify(bad, null, 1)}`);
  return violations.length;
}

const SIZES = { screen: { width: 1280, height: 800 }, phone: { width: 360, height: 740 } };

for (const lang of ["fr", "en"]) {
  for (const [size, viewport] of Object.entries(SIZES)) {
    test(`axe: every page in ${lang} on a ${size} (${viewport.width}x${viewport.height})`, { timeout: 120_000 }, async () => {
      const { context, page, errors } = await newShopper(browser, viewport);
      try {
        await context.addInitScript((l) => localStorage.setItem("shop.lang", l), lang);
        await fillCart(page, stack.shopUrl, "cinetpay");
        await page.locator(`html[lang="${lang}"]`).waitFor();
        await audit(page, "the shop with a cart");
        await page.fill("#phone", "12");
        await page.click("#pay-here");
        await page.locator("#problems li").first().waitFor();
        await audit(page, "the shop showing a mistake");
        await page.fill("#phone", "07 01 02 03 04");
        let session;
        if (size === "screen") {
          await page.click("#pay-here");
          const frame = page.frameLocator("iframe.guichet-frame");
          await frame.locator('button[value="pay"]').waitFor();
          await audit(page, "Guichet's overlay");
          await actOnProviderPage(frame, "pay");
          session = await outcome(page, "succeeded");
          await audit(page, "the shop with the outcome");
          await page.goto(`${stack.shopUrl}/return.html`);
          await page.locator('#outcome[data-kind="none"]').waitFor();
          await audit(page, "the return page with nothing to show");
        } else {
          await page.click("#pay-redirect");
          await page.waitForURL((url) => url.href.startsWith(stack.sandbox.url));
          await actOnProviderPage(page, "pay");
          await page.waitForURL((url) => url.pathname === "/return.html");
          session = await outcome(page, "succeeded");
          await audit(page, "the return page with the outcome");
        }
        await page.goto(`${stack.shopUrl}/order.html`);
        await page.locator("#orders li").first().waitFor();
        await audit(page, "my orders");
        await page.goto(`${stack.shopUrl}/order.html?session=${session}`);
        await page.locator('#status[data-status="succeeded"]').waitFor();
        await page.locator('#panel [data-step="status"] [data-status="succeeded"]').waitFor();
        await audit(page, "one order");
        assert.deepEqual(errors, [], "no page error and no CSP violation");
      } finally {
        await context.close();
      }
    });
  }
}

/** Presses Tab in `page` until `check()` is true in the focused frame; at most `max` times. */
async function tabTo(page, check, what, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await check()) return;
  }
  throw new Error(`Tab never reached ${what}`);
}

const focused = (page, selector) => page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector);

test("a payment with the keyboard alone, from the cart to the outcome; focus stays in the overlay and comes back", { timeout: 90_000 }, async () => {
  const { context, page, errors } = await newShopper(browser, SIZES.screen);
  try {
    await page.goto(`${stack.shopUrl}/`);
    await page.locator("#products button.add").first().waitFor();
    await tabTo(page, () => focused(page, '#products li[data-sku="karite"] button.add'), "the shea butter's button");
    await page.keyboard.press("Enter");
    await page.locator('#cart li[data-sku="karite"]').waitFor();
    await tabTo(page, () => focused(page, 'input[name="provider"]'), "the providers");
    while (!(await focused(page, 'input[name="provider"][value="cinetpay"]'))) await page.keyboard.press("ArrowDown");
    await tabTo(page, () => focused(page, "#pay-here"), "Pay here");
    await page.keyboard.press("Enter");

    // The overlay takes the focus, on its labelled close button.
    await page.locator(".guichet-close").waitFor();
    assert.ok(await focused(page, ".guichet-close"), "focus moves into the overlay");
    const frame = page.frame({ name: "guichet-checkout" });
    await page.frameLocator("iframe.guichet-frame").locator('button[value="pay"]').waitFor();
    // Tab and Shift+Tab never leave the overlay.
    const inside = () => page.evaluate(() => document.querySelector(".guichet-dialog").contains(document.activeElement));
    for (const key of ["Tab", "Shift+Tab", "Shift+Tab"]) {
      await page.keyboard.press(key);
      assert.ok(await inside(), `${key}: focus stays in the overlay`);
    }
    if (!(await focused(page, ".guichet-close"))) await page.locator(".guichet-close").focus();
    await page.keyboard.press("Tab");
    assert.ok(await focused(page, "iframe.guichet-frame"), "Tab from the close button enters the provider's page");

    // On the provider's page: the method, the number, the Pay button, by keyboard.
    const inFrame = (selector) => frame.evaluate((s) => document.activeElement?.matches(s) ?? false, selector);
    for (let i = 0; i < 30 && !(await inFrame('button[value="pay"]')); i++) {
      if (await inFrame("select#method")) {
        await page.keyboard.press("ArrowDown");
      } else if ((await inFrame('input[name="method"]')) && !(await frame.evaluate(() => document.activeElement.checked))) {
        await page.keyboard.press("Space");
      } else if ((await inFrame("#phone")) && !(await frame.evaluate(() => document.activeElement.readOnly))) {
        await page.keyboard.press("Control+A");
        await page.keyboard.type("0700000001");
      }
      await page.keyboard.press("Tab");
    }
    assert.ok(await inFrame('button[value="pay"]'), "reached the Pay button");
    await page.keyboard.press("Enter");

    await page.locator(".guichet-overlay").waitFor({ state: "detached" });
    await outcome(page, "succeeded");
    assert.ok(await focused(page, "#pay-here"), "focus is back on the button that opened the payment");
    // The outcome is where the shopper is looking.
    const box = await page.locator("#outcome").boundingBox();
    assert.ok(box.y >= 0 && box.y + box.height <= 800, `the outcome is on screen (${JSON.stringify(box)})`);
    assert.deepEqual(errors, [], "no page error and no CSP violation");
  } finally {
    await context.close();
  }
});

test("Escape closes the overlay and gives the focus back", { timeout: 60_000 }, async () => {
  const { context, page, errors } = await newShopper(browser, SIZES.screen);
  try {
    await fillCart(page, stack.shopUrl, "cinetpay");
    await page.locator("#pay-here").focus();
    await page.keyboard.press("Enter");
    await page.locator(".guichet-close").waitFor();
    await page.keyboard.press("Escape");
    await page.locator(".guichet-overlay").waitFor({ state: "detached" });
    await outcome(page, "closed");
    assert.ok(await focused(page, "#pay-here"), "focus is back on Pay here");
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
