// The Node and Deno entry (pkg/edge/index.js) starts loading its wasm when it is imported:
// a wasm that cannot be read must not take the process down at import, and each request
// must still report it, as when the entry loaded the wasm on the first request.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;

test("node: an entry whose wasm is missing imports, stays up, and rejects each request with the reason", () => {
  const dir = mkdtempSync(join(tmpdir(), "guichet-entry-"));
  try {
    cpSync(join(root, "pkg/edge"), dir, { recursive: true, filter: (path) => !path.endsWith(".wasm") });
    // A turn of the event loop after the import lets the failed read settle: an unhandled
    // rejection would end this process with code 1 there.
    const script = `
      const entry = await import(${JSON.stringify(join(dir, "index.js"))});
      await new Promise((resolve) => setTimeout(resolve, 50));
      const reasons = [];
      for (let i = 0; i < 2; i++) {
        try { await entry.fetch(new Request("http://edge.test/api/health"), {}); reasons.push("answered"); }
        catch (error) { reasons.push(error.code); }
      }
      await entry.closeLedgers();
      console.log(JSON.stringify(reasons));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    assert.deepEqual(JSON.parse(out.trim()), ["ENOENT", "ENOENT"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
