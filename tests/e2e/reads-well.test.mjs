// The checkout reads like the best in the field: the provider's page in the shopper's
// language, amounts that never break ("F CFA" on one line), no French spacing in
// English, an overlay with a real header, the outcome on screen where the shopper is
// looking, an order page a shopper understands on a 360 px phone, and the payer's number
// written one way. The README's pictures are taken here, fresh (docs/screenshots/).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { actOnProviderPage, agree, fillCart, launch, newShopper, outcome, readmeShot, startStack } from "./support.mjs";

let stack;
let browser;
before(async () => {
  [stack, browser] = await Promise.all([startStack(), launch()]);
});
after(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Runs `story` with a fresh shopper reading `lang`, and checks the pages raised no error. */
async function asShopper(lang, viewport, story) {
  const shopper = await newShopper(browser, viewport);
  try {
    await shopper.context.addInitScript((l) => localStorage.setItem("shop.lang", l), lang);
    await story(shopper);
    assert.deepEqual(shopper.errors, [], "no page error and no CSP violation");
  } finally {
    await shopper.context.close();
  }
}

/** French spacing before `:;!?` (a space, or a no-break one): wrong in English. */
const FRENCH_SPACING = /[ \u00a0\u202f][:;!?](\s|$)/;

test("in English the provider's page names the items in English, and nothing is spaced the French way", { timeout: 90_000 }, async () => {
  await asShopper("en", { width: 1280, height: 800 }, async ({ page }) => {
    await fillCart(page, stack.shopUrl, "cinetpay", { items: { "sac-raphia": 1 } });
    await page.locator('html[lang="en"]').waitFor();
    await page.fill("#phone", "12");
    await page.click("#pay-here");
    await page.locator("#problems li").first().waitFor();
    const problems = await page.locator("#problems").innerText();
    assert.match(problems, /^Phone \(mobile money\): /);
    assert.doesNotMatch(problems, FRENCH_SPACING, problems);
    await page.fill("#phone", "07 01 02 03 04");
    await page.click("#pay-here");
    const frame = page.frameLocator("iframe.guichet-frame");
    await frame.locator('button[value="pay"]').waitFor();
    const provider = await frame.locator("body").innerText();
    assert.match(provider, /1 x Woven raffia bag/, "the catalog's English name");
    assert.doesNotMatch(provider, /Sac en raphia/);
    await actOnProviderPage(frame, "pay");
    const session = await outcome(page, "succeeded");
    await agree(stack, session, "succeeded");
    await page.goto(`${stack.shopUrl}/order.html?session=${session}`);
    await page.locator('#status[data-status="succeeded"]').waitFor();
    const text = await page.locator("main").innerText();
    assert.doesNotMatch(text, FRENCH_SPACING, text);
    assert.match(text, /Paid: we received your payment\./);
    assert.match(text, /1 × Woven raffia bag/);
  });
});

test("amounts never break: F CFA is held together in both languages", { timeout: 60_000 }, async () => {
  for (const lang of ["fr", "en"]) {
    await asShopper(lang, { width: 360, height: 740 }, async ({ page }) => {
      await fillCart(page, stack.shopUrl, "moneroo", { items: { "pagne-wax": 2 } });
      await page.locator(`html[lang="${lang}"]`).waitFor();
      const total = await page.locator("#total").textContent();
      assert.match(total, lang === "fr" ? /^30\u202f000\u00a0F\u202fCFA$/ : /^F\u202fCFA\u00a030,000$/, JSON.stringify(total));
      // Every price in the page is on one line.
      const broken = await page.evaluate(() =>
        [...document.querySelectorAll(".price, .cart-price, #total")]
          .filter((e) => e.getClientRects().length > 1 || e.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(e).lineHeight || "24"))
          .map((e) => e.textContent));
      assert.deepEqual(broken, []);
    });
  }
});

test("the overlay looks finished, the outcome shows where the shopper looks, the payer's number is written one way", { timeout: 90_000 }, async () => {
  await asShopper("en", { width: 1280, height: 800 }, async ({ page }) => {
    await fillCart(page, stack.shopUrl, "cinetpay", { items: { karite: 2, bissap: 1 } });
    await page.locator('html[lang="en"]').waitFor();
    await page.locator("#pay-here").scrollIntoViewIfNeeded();
    await page.click("#pay-here");
    const frame = page.frameLocator("iframe.guichet-frame");
    await frame.locator('button[value="pay"]').waitFor();
    // A header: the shop, the amount and the provider; a close button that says so.
    const header = page.locator(".guichet-header");
    await page.locator(".guichet-detail", { hasText: "9,000" }).waitFor();
    assert.equal(await page.locator(".guichet-title").textContent(), "Chez Awa");
    assert.equal(await page.locator(".guichet-detail").textContent(), "F\u202fCFA\u00a09,000 with CinetPay");
    assert.equal(await page.locator(".guichet-close").getAttribute("aria-label"), "Close the payment");
    assert.match(await page.locator(".guichet-close").innerText(), /Close/);
    const box = await header.boundingBox();
    assert.ok(box.height >= 48, "a header, not an empty bar");
    await readmeShot(page, "overlay");

    await actOnProviderPage(frame, "pay");
    await page.locator(".guichet-overlay").waitFor({ state: "detached" });
    const session = await outcome(page, "succeeded");
    await agree(stack, session, "succeeded");
    const shown = await page.locator("#outcome").boundingBox();
    assert.ok(shown.y >= 0 && shown.y + shown.height <= 800, `the whole outcome is on screen: ${JSON.stringify(shown)}`);
    await page.locator('#panel [data-step="status"] [data-status="succeeded"]').waitFor();
    await page.locator("#panel .sandbox-stage[data-stage='succeeded']").waitFor();
    await readmeShot(page, "outcome");
    // The payer's number, one way, in pairs of digits (+225 07 00 00 00 01 when the
    // provider reports the country code), never as a raw run of digits.
    const panel = await page.locator("#panel").innerText();
    assert.match(panel, /(\+225 )?07 00 00 00 01/);
    const words = panel.replace(/gs-\w+|http\S+/g, "");
    assert.doesNotMatch(words, /\d{8}/, words);
    await page.evaluate(() => scrollTo(0, 0));
    await readmeShot(page, "shop-paid", { fullPage: true });
  });
});

test("on a 360 px phone the order page fits and tells the items, amount, date and status in words", { timeout: 90_000 }, async () => {
  await asShopper("fr", { width: 360, height: 740 }, async ({ page }) => {
    await fillCart(page, stack.shopUrl, "moneyfusion", { items: { "pagne-wax": 1, karite: 1 } });
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.click("#pay-here")]);
    await popup.waitForURL((url) => url.href.startsWith(stack.sandbox.url));
    await actOnProviderPage(popup, "pay");
    const session = await outcome(page, "succeeded");
    await page.locator("#outcome").scrollIntoViewIfNeeded();
    await readmeShot(page, "mobile");
    await page.goto(`${stack.shopUrl}/order.html?session=${session}`);
    await page.locator('#status[data-status="succeeded"]').waitFor();
    await page.locator('#panel [data-step="status"] [data-status="succeeded"]').waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `no sideways scrolling (${width} px)`);
    const title = await page.locator("h1").textContent();
    assert.match(title, /^Commande du \d{1,2} \S+ \d{4}/, title);
    assert.doesNotMatch(title, /gs-|ses_/, "not titled by an opaque id");
    const text = await page.locator("main").innerText();
    assert.match(text, /Payée : nous avons bien reçu votre paiement\./);
    assert.match(text, /1 × Pagne wax 6 yards/);
    assert.match(text, /1 × Beurre de karité 250 g/);
    assert.match(text, /18\u202f500\u00a0F\u202fCFA/);
    await readmeShot(page, "order-mobile", { fullPage: true });
  });
});
