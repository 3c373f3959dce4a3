// The sandbox checked against clients nobody here wrote: npm `fusionpay` (MoneyFusion's
// Node client) and PyPI `cinetpay` (a Python client of CinetPay's checkout API), each
// unchanged and pointed at the sandbox binary. Both are installed by scripts/bootstrap.sh
// (the npm one as a dev dependency, the Python one in .cache/pyenv).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { FusionPay } from "fusionpay";

const root = fileURLToPath(new URL("../..", import.meta.url));
const targetDir = path.resolve(root, process.env.CARGO_TARGET_DIR ?? "target");
const binary = path.join(targetDir, "debug", "guichet-sandbox");
const python = path.join(root, ".cache", "pyenv", "bin", "python");
const MONEYFUSION_HOST = "https://www.pay.moneyfusion.net";

let sandbox; // the child process
let base; // http://127.0.0.1:<port>
let apiUrl; // the merchant's MoneyFusion API URL on the sandbox

before(async () => {
  // The same features as the native tests, so after them this is already up to date.
  const build = spawnSync(
    "cargo",
    ["build", "--quiet", "--features", "edge,sandbox", "--bin", "guichet-sandbox"],
    { cwd: root, stdio: "inherit", timeout: 900_000 },
  );
  assert.equal(build.status, 0, "cargo build of guichet-sandbox failed");
  sandbox = spawn(binary, ["--port", "0", "--seed", "7", "--time-scale", "0.001"], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const banner = await new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`no banner within 20 s: ${seen}`)), 20_000);
    sandbox.stdout.on("data", (chunk) => {
      seen += chunk;
      if (seen.includes("control")) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
    sandbox.on("exit", (code) => reject(new Error(`sandbox exited with ${code}: ${seen}`)));
  });
  base = banner.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)[1];
  apiUrl = banner.match(/moneyfusion API URL (\S+)/)[1];
  sandbox.stdout.resume();
});

after(() => sandbox?.kill());

/** The shopper presses a button on a hosted page, as a plain HTML form would. */
function press(pageUrl, fields) {
  return fetch(pageUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

/**
 * fusionpay hard-codes MoneyFusion's host for its status call; this sends that host to the
 * sandbox and leaves every other request alone, for the length of `work`.
 */
async function withMoneyFusionOnSandbox(work) {
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = typeof input === "string" ? input : input.url;
    return realFetch(
      url.startsWith(MONEYFUSION_HOST) ? `${base}/moneyfusion${url.slice(MONEYFUSION_HOST.length)}` : input,
      init,
    );
  };
  try {
    return await work();
  } finally {
    globalThis.fetch = realFetch;
  }
}

test("npm fusionpay creates a payment on the sandbox and reads it pending, then paid", async () => {
  await withMoneyFusionOnSandbox(async () => {
    const created = await new FusionPay(apiUrl)
      .totalPrice(200)
      .addArticle("Sac", 200)
      .addInfo({ orderId: 123 })
      .clientName("Awa Koné")
      .clientNumber("0708889205")
      .returnUrl("http://127.0.0.1:9/callback")
      .makePayment();
    assert.equal(created.statut, true);
    assert.match(created.token, /^[A-Za-z0-9]{20}$/);
    assert.ok(created.url.startsWith(`${base}/moneyfusion/pay/`), created.url);

    const client = new FusionPay(apiUrl);
    const pending = await client.checkPaymentStatus(created.token);
    assert.equal(pending.statut, true);
    assert.equal(pending.data.statut, "pending");
    assert.equal(pending.data.tokenPay, created.token);
    assert.equal(pending.data.Montant, 200);
    assert.deepEqual(pending.data.personal_Info, [{ orderId: 123 }]);

    const back = await press(created.url, { action: "pay", method: "orange", phone: "0708889205" });
    assert.equal(back.status, 303);
    assert.equal(back.headers.get("location"), `http://127.0.0.1:9/callback?token=${created.token}`);

    const paid = await client.checkPaymentStatus(created.token);
    assert.equal(paid.data.statut, "paid");
    assert.equal(paid.data.moyen, "orange");
    assert.equal(paid.data.numeroTransaction, "0708889205");
  });
});

test("npm fusionpay throws MoneyFusion's unauthorized message for a wrong API URL", async () => {
  const wrong = apiUrl.replace(/[0-9a-f]{16}\/pay\/$/, "0000000000000000/pay/");
  await assert.rejects(
    new FusionPay(wrong).totalPrice(200).addArticle("Sac", 200).clientName("Awa").clientNumber("01").makePayment(),
    /Unauthorized IP or unapproved application/,
  );
});

/** Runs the PyPI client script; its one JSON line on stdout. */
function cinetpay(...args) {
  assert.ok(existsSync(python), "no .cache/pyenv: run `npm run bootstrap`");
  const run = spawnSync(python, ["tests/third_party/cinetpay_client.py", ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split("\n").pop());
}

test("PyPI cinetpay initializes a transaction on the sandbox and reads it waiting, then accepted", async () => {
  const checkout = `${base}/cinetpay`;
  const created = cinetpay("init", checkout, "PY-42", "http://127.0.0.1:9/retour");
  assert.equal(created.http_status, 200);
  assert.equal(created.body.code, "201");
  assert.equal(created.body.message, "CREATED");
  const { payment_token: token, payment_url: page } = created.body.data;
  assert.equal(page, `${checkout}/payment/${token}`);

  const waiting = cinetpay("check", checkout, "PY-42");
  assert.equal(waiting.body.code, "662");
  assert.equal(waiting.body.data.status, "PENDING");
  assert.equal(waiting.body.data.amount, "1000");

  const back = await press(page, { action: "pay", method: "OM", phone: "0707070707" });
  assert.equal(back.status, 200);
  const form = await back.text();
  assert.match(form, /action="http:\/\/127\.0\.0\.1:9\/retour"/);
  assert.match(form, /name="transaction_id" value="PY-42"/);

  const accepted = cinetpay("check", checkout, "PY-42");
  assert.equal(accepted.body.code, "00");
  assert.equal(accepted.body.message, "SUCCES");
  assert.equal(accepted.body.data.status, "ACCEPTED");
  assert.equal(accepted.body.data.payment_method, "OM");
  assert.equal(accepted.body.data.currency, "XOF");
});
