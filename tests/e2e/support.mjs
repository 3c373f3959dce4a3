// What the end-to-end suites share: the demo stack (sandbox, edge in workerd with a D1
// ledger, the shop server) on free ports, Debian's Chromium through playwright-core, the
// shopper's moves on the providers' hosted pages, and the three-way check that the shop,
// the ledger and the sandbox agree.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startDemo } from "../../scripts/demo.mjs";
import { sandboxBinary } from "../js/support/stack.mjs";

const root = new URL("../../", import.meta.url).pathname;
export const SCREENSHOTS = join(root, "test-results/screenshots");

let binary;
/**
 * The whole demo on free ports, with the providers' clocks 20 times faster, and the
 * tests' own pages (tests/e2e/pages/) under `/_test/`.
 */
export async function startStack({ sandboxArgs = [] } = {}) {
  binary ??= sandboxBinary();
  return startDemo({ timeScale: 0.05, binary, sandboxArgs, testPages: join(root, "tests/e2e/pages") });
}

/** Debian's Chromium, headless. */
export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true, timeout: 30_000 });
}

/** A fresh browser context (its own storage), watching for page errors. */
export async function newShopper(browser, { width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: "fr-FR" });
  context.setDefaultTimeout(20_000);
  const errors = [];
  context.on("page", (page) => watch(page, errors));
  const page = await context.newPage();
  return { context, page, errors };
}

function watch(page, errors) {
  page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
  page.on("console", (message) => {
    // CSP violations show up as console errors: the shop must run under its policy.
    if (message.type() === "error" && /Content.Security.Policy|Refused to/i.test(message.text())) errors.push(message.text());
  });
}

/** Saves a screenshot under test-results/screenshots/. */
export async function shot(page, name, options = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), ...options });
}

/** The README's pictures, taken fresh by the tests: docs/screenshots/<name>.png. */
export async function readmeShot(page, name, options = {}) {
  await page.screenshot({ path: join(root, "docs/screenshots", `${name}.png`), ...options });
}

/** Puts products in the cart and picks the provider. */
export async function fillCart(page, shopUrl, provider, { items = { karite: 2, bissap: 1 } } = {}) {
  await page.goto(`${shopUrl}/`);
  await page.locator('#products button.add').first().waitFor();
  for (const [sku, count] of Object.entries(items)) {
    for (let i = 0; i < count; i++) await page.click(`#products li[data-sku="${sku}"] button.add`);
  }
  await page.check(`input[name="provider"][value="${provider}"]`);
}

/**
 * Acts on a provider's hosted page (`pay`, `decline`, `pending`, `cancel`) in a page or a
 * frame: picks the first method and types a number that lets the button decide.
 */
export async function actOnProviderPage(target, action, { phone = "0700000001" } = {}) {
  await target.locator('button[value="pay"]').waitFor();
  if (action !== "cancel") {
    const select = target.locator("select#method");
    if (await select.count()) {
      const values = await select.locator("option").evaluateAll((options) => options.map((o) => o.value).filter(Boolean));
      await select.selectOption(values.includes("mtn_ci") ? "mtn_ci" : values[0]);
    } else if ((await target.locator('input[name="method"]:checked').count()) === 0) {
      await target.locator('input[name="method"]').first().check();
    }
    const input = target.locator("#phone");
    if (!(await input.getAttribute("readonly"))) await input.fill(phone);
  }
  await target.locator(`button[value="${action}"]`).click();
}

/**
 * Resolves once `popup` is closed, whether that already happened or is still to come:
 * `waitForEvent("close")` alone waits forever for a window the page shut before the
 * listener was attached (a fast provider 500 does that).
 */
export function closed(popup) {
  return popup.isClosed() ? Promise.resolve() : popup.waitForEvent("close");
}

/** Waits for the shop to show `kind` (`succeeded`, `failed`, `cancelled`, `closed`, …). */
export async function outcome(page, kind, timeout = 30_000) {
  const box = page.locator(`#outcome[data-kind="${kind}"]`);
  await box.waitFor({ timeout });
  const href = await box.locator("a.outcome-link").getAttribute("href").catch(() => null);
  return href && new URL(href, "http://x").searchParams.get("session");
}

const STAGE = { succeeded: "succeeded", failed: "failed", cancelled: "cancelled" };

/**
 * The three views agree: the backend's session has `status`, its ledger moved it exactly
 * once, and the sandbox holds the payment at the same stage.
 */
export async function agree(stack, session, status) {
  assert.ok(session, "the shop names the session");
  // Notifications may still be arriving: wait for the sandbox to report its final stage.
  const deadline = Date.now() + 10_000;
  let view;
  for (;;) {
    view = await stack.session(session);
    if (view.session?.status === status && view.sandbox?.stage === STAGE[status]) break;
    if (Date.now() > deadline) break;
    await new Promise((ok) => setTimeout(ok, 200));
  }
  assert.equal(view.session.status, status, "the backend's status");
  const moved = view.session.events.filter((e) => e.moved);
  assert.equal(moved.length, 1, `the ledger moved the session once: ${JSON.stringify(view.session.events)}`);
  assert.equal(moved[0].status, status);
  assert.equal(view.sandbox?.stage, STAGE[status], "the sandbox's ground truth");
  return view;
}
