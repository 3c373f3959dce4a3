// Instructions per `POST /sessions`, counted by callgrind on the route's native build
// (bench/sessions_instructions.rs, a cargo example: memory ledger, canned MoneyFusion answer). Counts
// repeat to ±0.05 % from run to run whatever else the machine does, so a change's effect
// on the edge's own work reads in one run, where workerd's CPU per request moves by ±15 %.
// The wasm runs the same Rust; its time follows these counts, not one for one (V8's code,
// talc for glibc's malloc): bench/PROFILE.md, round 10.
//   node bench/instructions.mjs [requests=2000] [top=25]
// Prints the instructions per request (the run of requests+100 minus the run of 100, so
// the settings' parse and the first allocations cancel out) and the functions with the
// most, inclusive of what they call, per request. `npm run bench` takes the same count
// (section edge-instructions).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";

const root = new URL("../", import.meta.url).pathname;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout + r.stderr;
}

/**
 * `{perRequest, requests, top: [[instructions, name], …]}`, or `{skipped}` when valgrind
 * is not installed (Debian's package `valgrind`).
 */
export function countInstructions({ requests = 2000, top = 25 } = {}) {
  if (spawnSync("valgrind", ["--version"]).status !== 0) return { skipped: "valgrind is not installed (Debian: apt-get install valgrind)" };
  run("cargo", ["build", "--quiet", "--release", "--features", "edge", "--example", "sessions_instructions"]);
  const binary = `${process.env.CARGO_TARGET_DIR ?? `${root}target`}/release/examples/sessions_instructions`;
  const dir = mkdtempSync(`${tmpdir()}/guichet-instructions-`);
  try {
    const count = (n) => {
      const out = run("valgrind", ["--tool=callgrind", `--callgrind-out-file=${dir}/cg.${n}`, binary, String(n)]);
      return Number(/Collected : (\d+)/.exec(out)[1]);
    };
    const base = count(100);
    const total = count(100 + requests);
    const listing = run("callgrind_annotate", ["--inclusive=yes", `${dir}/cg.${100 + requests}`]);
    const rows = [];
    for (const line of listing.split("\n")) {
      const m = /^\s*([\d,]+) \([\s\d.]+%\)\s+(.*)$/.exec(line);
      if (!m) continue;
      const name = m[2].replace(/\s*\[[^\]]*\]\s*$/, "").replace(/^\?\?\?:/, "");
      if (!/guichet::|serde|alloc::|core::|sha2|hmac|digest|malloc|free|memcpy|memmove/.test(name)) continue;
      if (/sessions_instructions::main|__rust_begin_short_backtrace|PROGRAM TOTALS/.test(name)) continue;
      rows.push([Number(m[1].replaceAll(",", "")) / (100 + requests), name]);
    }
    return { requests, perRequest: (total - base) / requests, top: rows.slice(0, top) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = countInstructions({ requests: Number(process.argv[2] ?? 2000), top: Number(process.argv[3] ?? 25) });
  if (result.skipped) {
    console.log(`skipped: ${result.skipped}`);
  } else {
    console.log(`POST /sessions, native route: ${Math.round(result.perRequest).toLocaleString("en")} instructions per request (${result.requests} requests)`);
    console.log(`\nper request, inclusive (top ${result.top.length}):`);
    for (const [n, name] of result.top) console.log(`${Math.round(n).toString().padStart(9)}  ${name}`);
  }
}
