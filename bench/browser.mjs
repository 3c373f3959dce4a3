// Browser: the bytes a storefront fetches before its checkout button works, and the time
// from `import` to a usable API, in headless Chromium, for Guichet and the npm packages
// a merchant would use instead. Each run is a fresh browser context with the cache
// disabled; rounds go through the candidates in rotating order; one warm-up round is dropped.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startStatic } from "./lib/static.mjs";
import { summary } from "./lib/stats.mjs";

const CHECKOUT = {
  provider: "moneyfusion",
  items: [{ sku: "pagne-wax", quantity: 2 }],
  customer: { first_name: "Awa", last_name: "Koné", email: "awa@example.ci", phone: "07 01 02 03 04", country: "CI" },
  lang: "fr",
};

/** `ready` runs in the page with the imported module as `m`; it throws unless the API is usable. */
export const CANDIDATES = [
  {
    name: "guichet",
    label: "Guichet `guichet` (pkg/browser)",
    entry: "/pkg/browser/index.js",
    ready: `const r = await m.validateCheckout(${JSON.stringify(CHECKOUT)}, "fr"); if (typeof r.ok !== "boolean") throw new Error("no report");`,
    readyMeans: "`await validateCheckout(…)` answered (wasm fetched, compiled, instantiated)",
    cdn: null,
  },
  {
    name: "paystack",
    label: "`@paystack/inline-js`",
    pkg: "@paystack/inline-js",
    entry: "/bench/node_modules/@paystack/inline-js/es/inline.js",
    ready: `const p = new m.default(); if (typeof p.newTransaction !== "function") throw new Error("no newTransaction");`,
    readyMeans: "`new PaystackPop()` built, `newTransaction` callable",
    cdn: "self-contained script, but `new PaystackPop()` already preloads its checkout iframe from checkout.paystack.com (blocked here), where the real form lives",
  },
  {
    name: "cinetpay",
    label: "`cinetpay-seamless`",
    pkg: "cinetpay-seamless",
    entry: "/bench/node_modules/cinetpay-seamless/dist/cinetpay-seamless.js",
    ready: `if (typeof m.CinetPaySeamless?.open !== "function") throw new Error("no CinetPaySeamless.open");`,
    readyMeans: "`CinetPaySeamless.open` callable",
    cdn: "self-contained script; it opens CinetPay's hosted page (checkout.cinetpay.com) in a popup when the shopper clicks",
  },
  {
    name: "kkiapay",
    label: "`kkiapay`",
    pkg: "kkiapay",
    entry: "/bench/node_modules/kkiapay/dist/k.es.js",
    ready: `if (typeof m.openKkiapayWidget !== "function" || typeof window.openKkiapayWidget !== "function") throw new Error("no openKkiapayWidget");`,
    readyMeans: "`openKkiapayWidget` callable",
    cdn: "a loader: the widget is an iframe from widget-v3.kkiapay.me (behind a CDN we cannot reach), attached when the shopper clicks",
  },
  {
    name: "stripe",
    label: "`@stripe/stripe-js`",
    pkg: "@stripe/stripe-js",
    entry: "/bench/node_modules/@stripe/stripe-js/dist/index.mjs",
    ready: `if (typeof m.loadStripe !== "function") throw new Error("no loadStripe");`,
    readyMeans: "the loader's `loadStripe` callable — not Stripe itself, see note",
    cdn: "only a loader: importing it injects https://js.stripe.com/…/stripe.js, the real SDK, which this machine cannot reach (the request is blocked); `loadStripe()` cannot resolve here, so its true weight and ready time are not measured",
  },
];

function sizesOf(root, paths) {
  let raw = 0;
  let gzip = 0;
  const files = paths.map((p) => {
    const bytes = readFileSync(join(root, p));
    const gz = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gzip += gz;
    return { path: p, raw: bytes.length, gzip: gz };
  });
  return { files, raw, gzip };
}

async function oneRun(browser, server, candidate) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    const local = [];
    const blocked = [];
    await page.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === "127.0.0.1") {
        if (url.pathname !== "/blank.html") local.push(url.pathname);
        return route.continue();
      }
      blocked.push(url.href);
      return route.abort("internetdisconnected");
    });
    await page.goto(`${server.url}/blank.html`);
    const code = `(async () => { const t0 = performance.now(); const m = await import(${JSON.stringify(candidate.entry)}); ${candidate.ready} return performance.now() - t0; })()`;
    const ms = await page.evaluate(code);
    // Requests started by the import but not awaited (a loader's script tag) show up late.
    await page.waitForTimeout(50);
    return { ms, local: [...new Set(local)], blocked: [...new Set(blocked)] };
  } finally {
    await context.close();
  }
}

export async function runBrowser({ runs = 30, log = console.log } = {}) {
  const server = await startStatic();
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  try {
    const version = browser.version();
    const times = Object.fromEntries(CANDIDATES.map((c) => [c.name, []]));
    const seen = {};
    for (let round = -1; round < runs; round++) {
      for (let i = 0; i < CANDIDATES.length; i++) {
        const candidate = CANDIDATES[(i + Math.max(round, 0)) % CANDIDATES.length];
        const r = await oneRun(browser, server, candidate);
        if (round >= 0) times[candidate.name].push(r.ms);
        seen[candidate.name] ??= r;
      }
      if (round === -1) log("  browser: warm-up round done");
    }
    const results = CANDIDATES.map((c) => ({
      name: c.name,
      label: c.label,
      readyMeans: c.readyMeans,
      cdn: c.cdn,
      version: c.pkg ? JSON.parse(readFileSync(join(server.root, "bench/node_modules", c.pkg, "package.json"))).version : null,
      bytes: sizesOf(server.root, seen[c.name].local),
      blocked: seen[c.name].blocked,
      time: summary(times[c.name]),
    }));
    return { chromium: version, runs, results };
  } finally {
    await browser.close();
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const runs = Number(process.argv[2] ?? 5);
  console.log(JSON.stringify(await runBrowser({ runs }), null, 2));
}
