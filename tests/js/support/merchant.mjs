// A merchant's project, as one gets it: the package packed with `npm pack`, installed from
// that tarball alone (offline) into a fresh folder, and the frameworks the recipes use
// linked from this repository's dev dependencies (the registry is not asked again).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { eventually } from "./stack.mjs";

export const root = new URL("../../../", import.meta.url).pathname;

/** `npm pack` of this checkout into `dir`: the tarball's path. */
export function pack(dir) {
  const [{ filename }] = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }));
  return join(dir, filename);
}

/**
 * A fresh project with the packed `guichet` installed, and `links` (package names) taken
 * from this repository's node_modules. `dispose()` removes it.
 */
export function merchantProject(links = []) {
  const dir = mkdtempSync(join(tmpdir(), "guichet-merchant-"));
  const tarball = pack(dir);
  const project = join(dir, "shop");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "chez-awa", private: true, type: "module" }, null, 2));
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error", tarball], { cwd: project, stdio: ["ignore", "ignore", "inherit"] });
  for (const name of links) {
    const target = join(project, "node_modules", name);
    if (existsSync(target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(join(root, "node_modules", name), target);
  }
  return { dir, project, tarball, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs a command until it prints `ready`; `stop()` ends it (SIGTERM, then SIGKILL).
 */
export async function serveUntil(command, args, { cwd, env, ready, ms = 60_000 }) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const orphan = () => child.kill("SIGKILL");
  process.once("exit", orphan);
  const match = await eventually(
    () => output.match(ready) ?? (child.exitCode !== null && Promise.reject(new Error(`${command} exited with ${child.exitCode}:\n${output}`))),
    ms,
    `${command} ${args.join(" ")} to print ${ready}:\n${output}`,
  );
  return {
    match,
    output: () => output,
    stop: () =>
      new Promise((ok) => {
        process.off("exit", orphan);
        if (child.exitCode !== null || child.signalCode !== null) return ok();
        const hard = setTimeout(() => child.kill("SIGKILL"), 5_000);
        child.once("exit", () => ok(clearTimeout(hard)));
        child.kill("SIGTERM");
      }),
  };
}

const customer = { first_name: "Awa", last_name: "Koné", email: "awa@example.ci", phone: "+2250701020304", country: "CI" };

/** The settings a shop needs besides the providers': one product, one origin. */
export function shopSettings(publicUrl, origin) {
  return {
    // A throwaway ledger: these tests are about the recipes; the durable ledgers have
    // their own suites (ledger-*.test.mjs). A GUICHET_LEDGER_URL given beside it wins.
    GUICHET_LEDGER: "memory",
    GUICHET_SESSION_SECRET: "merchant-test-secret",
    GUICHET_PUBLIC_URL: publicUrl,
    GUICHET_ALLOWED_ORIGINS: origin,
    GUICHET_CATALOG: JSON.stringify({ "wax-6y": { name: "Wax 6 yards", price: 15000, currency: "XOF" } }),
  };
}

/**
 * One Moneroo order through `api` (the backend's base URL), paid on the sandbox's control
 * API as the shopper would on its page; resolves with the session once the backend says
 * `succeeded`. Checks on the way that `paid_amount` appears only then, and that one event
 * moved the session. `paymentId(session)` finds the sandbox's payment (by default from
 * the sandbox's own list).
 */
export async function payOneOrder(assert, { api, origin, sandbox, sku = "wax-6y", quantity = 2, paymentId }) {
  const opened = await fetch(`${api}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", origin },
    body: JSON.stringify({ provider: "moneroo", items: [{ sku, quantity }], customer }),
  });
  const session = await opened.json();
  assert.equal(opened.status, 201, JSON.stringify(session));
  assert.equal(opened.headers.get("access-control-allow-origin"), origin);
  assert.ok(session.checkout_url.startsWith(sandbox), session.checkout_url);
  const read = async () => (await fetch(`${api}/sessions/${session.id}`, { headers: { authorization: `Bearer ${session.token}` } })).json();
  const before = await read();
  assert.equal(before.status, "pending");
  assert.equal(before.paid_amount, undefined, "nothing is paid yet");

  const id = await (paymentId ?? sandboxPayment)(session, sandbox);
  const done = await fetch(`${sandbox}/_sandbox/payments/moneroo/${encodeURIComponent(id)}/complete`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ outcome: "success" }),
  });
  assert.equal(done.status, 200, await done.text());
  const after = await eventually(async () => {
    const now = await read();
    return now.status === "succeeded" && now;
  }, 30_000, "the backend to see the payment");
  assert.equal(after.paid_amount, session.amount);
  assert.equal(after.events.filter((e) => e.moved).length, 1, JSON.stringify(after.events));
  return after;
}

/** The sandbox's id of a session's payment: the one whose return URL names the session. */
function sandboxPayment(session, sandbox) {
  return eventually(async () => {
    const { payments } = await (await fetch(`${sandbox}/_sandbox/payments?provider=moneroo`)).json();
    return payments.find((p) => new URL(p.return_url).searchParams.get("session") === session.id)?.id;
  }, 5_000, "the sandbox's payment");
}
