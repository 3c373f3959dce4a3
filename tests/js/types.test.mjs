// The shipped types, as a merchant's TypeScript sees them: `tsc --strict` (skipLibCheck
// off, so the package's own .d.ts files are checked too) over a typical merchant file for
// the browser (and the README's storefront, checked as JavaScript), a Worker whose `Env`
// has a D1 binding, a Hono app on Node and an Express app; `deno check` for Deno.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { merchantProject, root } from "./support/merchant.mjs";

const tsc = join(root, "node_modules/.bin/tsc");
const common = ["--strict", "--noEmit", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler"];
let shop;

before(() => {
  shop = merchantProject(["@cloudflare/workers-types", "@types/node", "@types/express", "express", "hono", "@hono/node-server"]);
  for (const file of readdirSync(join(root, "tests/js/types"))) copyFileSync(join(root, "tests/js/types", file), join(shop.project, file));
});
after(() => shop?.dispose());

function check(args) {
  try {
    execFileSync(tsc, [...common, ...args], { cwd: shop.project, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    assert.fail(`tsc ${args.join(" ")}:\n${error.stdout}${error.stderr}`);
  }
}

test("tsc --strict: a storefront in TypeScript", () => {
  check(["--lib", "es2022,dom", "--types", "", "storefront.ts"]);
});

test("tsc --strict: the README's storefront, checked as JavaScript", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.startsWith('import { Guichet } from "guichet";'));
  assert.ok(block, "the README has the storefront");
  assert.ok(block.trim().split("\n").length <= 12, "about ten lines");
  writeFileSync(join(shop.project, "readme-storefront.js"), block);
  check(["--lib", "es2022,dom", "--types", "", "--allowJs", "--checkJs", "readme-storefront.js"]);
});

test("tsc --strict: a Worker whose Env has a D1 binding and no index signature", () => {
  check(["--lib", "es2022", "--types", "@cloudflare/workers-types", "worker.ts"]);
});

test("tsc --strict: Hono and Express on Node", () => {
  check(["--lib", "es2022,dom", "--types", "node", "node.ts", "express.ts"]);
});

test("deno check: a Deno server", () => {
  execFileSync(join(root, "node_modules/.bin/deno"), ["check", "deno.ts"], { cwd: shop.project, encoding: "utf8", env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" } });
});
