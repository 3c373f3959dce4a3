// Guichet's guards in Chromium against the real edge and the sandbox: a blocked popup
// falls back to the redirect and the payment still goes through; a return message that
// does not come from the shop's own return page is ignored; a checkout URL on a host the
// page did not expect is refused, and the page stays where it is.
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
async function asShopper(story) {
  const shopper = await newShopper(browser);
  try {
    await story(shopper);
    assert.deepEqual(shopper.errors, [], "no page error and no CSP violation");
  } finally {
    await shopper.context.close();
  }
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/** Waits until `check()` is true, polling every 50 ms. */
async function until(check, what, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The answer to the shop's `POST /api/sessions`, while `act` runs. */
async function createdBy(page, act) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/api/sessions"),
    act(),
  ]);
  return { status: response.status(), body: await response.json() };
}

for (const provider of ["moneroo", "moneyfusion"]) {
  test(`${provider}: a blocked popup falls back to the redirect, and the payment goes through`, { timeout: 60_000 }, async () => {
    await asShopper(async ({ context, page }) => {
      let blocked = 0;
      await context.exposeFunction("guardsPopupBlocked", () => {
        blocked += 1;
      });
      // What a popup blocker does to window.open: no window.
      await context.addInitScript(() => {
        window.open = () => {
          window.guardsPopupBlocked?.();
          return null;
        };
      });
      await fillCart(page, stack.shopUrl, provider);
      await page.click("#pay-here");
      await page.waitForURL((url) => url.href.startsWith(stack.sandbox.url));
      assert.equal(blocked, 1, "Guichet tried the popup first, inside the click");
      assert.equal(context.pages().length, 1, "no window opened: the tab itself went to the provider");
      await actOnProviderPage(page, "pay");
      await page.waitForURL((url) => url.pathname === "/return.html");
      const session = await outcome(page, "succeeded");
      await agree(stack, session, "succeeded");
    });
  });
}

test("cinetpay: a return message from the provider's frame or from the shop itself is ignored; the real one counts, once", { timeout: 60_000 }, async () => {
  await asShopper(async ({ page }) => {
    await fillCart(page, stack.shopUrl, "cinetpay");
    // Every status request for the session, with when it went and when its answer came.
    const polls = [];
    page.on("request", (request) => {
      if (request.method() === "GET" && /^\/api\/sessions\/[^/]+$/.test(new URL(request.url()).pathname)) {
        polls.push({ request, at: Date.now(), done: null });
      }
    });
    page.on("requestfinished", (request) => {
      const poll = polls.find((p) => p.request === request);
      if (poll) poll.done = Date.now();
    });
    // Every outcome the shop shows, in order (a repeated one too).
    await page.evaluate(() => {
      const box = document.getElementById("outcome");
      window.guardsKinds = [];
      new MutationObserver((records) => {
        for (const record of records) window.guardsKinds.push(box.dataset.kind);
      }).observe(box, { attributes: true, attributeFilter: ["data-kind"] });
    });
    const kinds = () => page.evaluate(() => window.guardsKinds);

    const { status, body } = await createdBy(page, () => page.click("#pay-here"));
    assert.equal(status, 201);
    const { id, checkout_url: checkoutUrl } = body;
    const frameLocator = page.frameLocator("iframe.guichet-frame");
    await frameLocator.locator('button[value="pay"]').waitFor();
    const frame = page.frame({ name: "guichet-checkout" });
    assert.ok(frame.url().startsWith(stack.sandbox.url), `the overlay shows the provider's page: ${frame.url()}`);
    for (const p of polls) assert.ok(p.request.url().endsWith(`/api/sessions/${id}`), "polls name the session");

    const nudge = (session) => parent.postMessage({ source: "guichet", type: "return", session }, "*");
    const answered = () => polls.filter((p) => p.done).length;

    // Right after a status answer, the next one is due no sooner than the backoff's 2 s.
    await until(() => answered() >= 1, "the first status request");
    const before = polls.length;
    // From the provider's frame: the right window, the wrong origin.
    await frame.evaluate(nudge, id);
    // From the shop's page itself: the right origin, the wrong window.
    await page.evaluate((session) => postMessage({ source: "guichet", type: "return", session }, location.origin), id);
    const forged = Date.now();
    await until(() => polls.length > before && polls.at(-1).done, "the next status request");
    const next = polls[before];
    assert.ok(next.at - forged >= 1_000, `no status request rushed by the forged messages (${next.at - forged} ms after)`);
    await sleep(300);
    assert.ok(!(await kinds()).includes("pending"), `the shopper is not told "pending" as if back: ${await kinds()}`);
    assert.equal(await page.locator(".guichet-overlay").count(), 1, "the overlay stays open");
    assert.equal((await stack.session(id)).session.status, "pending");

    // The control: the same message from a page of the shop's origin in Guichet's own
    // frame is heard at once (a status request within a tick) and the shopper is told.
    await frame.goto(`${stack.shopUrl}/_test/blank.html`);
    await until(() => polls.at(-1).done, "a status request in flight");
    const count = polls.length;
    const genuine = Date.now();
    await page.frame({ name: "guichet-checkout" }).evaluate(nudge, id);
    await until(() => polls.length > count, "the status request the return message asks for", 1_500);
    assert.ok(polls[count].at - genuine < 1_000, `heard at once (${polls[count].at - genuine} ms)`);
    await page.locator('#outcome[data-kind="pending"]').waitFor();

    // Back to the provider's page in the frame; the shopper pays.
    await page.frame({ name: "guichet-checkout" }).goto(checkoutUrl);
    await actOnProviderPage(frameLocator, "pay");
    await page.locator(".guichet-overlay").waitFor({ state: "detached" });
    const session = await outcome(page, "succeeded");
    assert.equal(session, id);
    await agree(stack, session, "succeeded");
    // The return page's message, the polls and the notification all arrived: told once.
    await sleep(1_000);
    assert.deepEqual((await kinds()).filter((k) => k === "succeeded"), ["succeeded"], `${await kinds()}`);
  });
});

test("a page without the sandbox flag refuses the sandbox's checkout URL and stays put", { timeout: 60_000 }, async () => {
  await asShopper(async ({ context, page }) => {
    const toSandbox = [];
    context.on("request", (request) => {
      if (request.url().startsWith(stack.sandbox.url)) toSandbox.push(request.url());
    });
    const pageUrl = `${stack.shopUrl}/_test/host.html`;
    await page.goto(pageUrl);
    await page.locator('html[data-ready="true"]').waitFor();
    const { status, body } = await createdBy(page, () => page.click("#go"));
    // The real edge did create the session: its checkout URL is the sandbox's, on loopback.
    assert.equal(status, 201);
    assert.ok(body.checkout_url.startsWith(stack.sandbox.url), body.checkout_url);
    const result = page.locator("#result");
    await page.locator('#result[data-code="unexpected_host"]').waitFor();
    await page.locator('#result[data-rejected="unexpected_host"]').waitFor();
    assert.match(await result.textContent(), /Adresse de paiement inattendue/);
    await sleep(1_000);
    assert.equal(page.url(), pageUrl, "the page never left");
    assert.deepEqual(toSandbox, [], "nothing was asked of the provider's page");
    assert.equal(await result.getAttribute("data-events"), "error rejected", "only the error, no ready");
    assert.equal(await page.evaluate(() => sessionStorage.getItem("guichet.session")), null, "no session kept for a return");

    // The control: the same page with the sandbox flag goes to the sandbox's page.
    await page.goto(`${pageUrl}?sandbox=1`);
    await page.locator('html[data-ready="true"]').waitFor();
    await page.click("#go");
    await page.waitForURL((url) => url.href.startsWith(stack.sandbox.url));
  });
});
