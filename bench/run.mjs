// `npm run bench`: sets up what is missing, measures, writes bench/RESULTS.md.
//   npm run bench                   the full pass (about 7 minutes on 2 cores)
//   npm run bench -- --quick        a short pass (fewer runs, 3 s loads); report in bench/out/
//   npm run bench -- --only browser,edge-start   some sections only; report in bench/out/
//   npm run bench -- --no-build     measure pkg/ as it is instead of rebuilding it
// Sections: browser, edge-size, edge-instructions, edge-start, edge-load, ledger.
// Only the full pass rewrites bench/RESULTS.md, so that file is always one coherent run.
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";

const root = new URL("../", import.meta.url).pathname;
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyArg = args.find((a) => a.startsWith("--only"));
const onlyValue = onlyArg?.includes("=") ? onlyArg.split("=")[1] : onlyArg ? args[args.indexOf(onlyArg) + 1] : null;
const SECTIONS = ["browser", "edge-size", "edge-instructions", "edge-start", "edge-load", "ledger"];
const only = onlyValue ? onlyValue.split(",") : SECTIONS;
for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s}; sections: ${SECTIONS.join(", ")}`);
const full = !quick && !onlyValue;

const plan = quick
  ? { browserRuns: 8, workerdRuns: 4, nodeRuns: 8, rounds: 1, duration: 3, warmup: 1, connections: 16, ledgerSizes: [10, 10_000] }
  : { browserRuns: 30, workerdRuns: 15, nodeRuns: 30, rounds: 3, duration: 4, warmup: 3, connections: 16, ledgerSizes: [10, 10_000, 100_000] };

const say = (m) => console.log(`\x1b[1m[bench]\x1b[0m ${m}`);

function sh(cmd, cmdArgs, env = {}) {
  say(`${cmd} ${cmdArgs.join(" ")}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: "inherit", env: { ...process.env, ...env }, timeout: 20 * 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${cmdArgs.join(" ")} failed (${r.status ?? r.signal})`);
}

const newer = (a, b) => !existsSync(b) || statSync(a).mtimeMs > statSync(b).mtimeMs;

// --- setup: only what is missing -------------------------------------------------------
// The root dev dependencies (miniflare, playwright-core) and the toolchain: bootstrap.sh's own marker.
if (newer(`${root}package-lock.json`, `${root}node_modules/.guichet-installed`)) {
  try {
    sh("bash", ["scripts/bootstrap.sh"]);
  } catch (error) {
    // The bench needs only miniflare and playwright-core from the root: go on when they are there.
    if (!existsSync(`${root}node_modules/miniflare`) || !existsSync(`${root}node_modules/playwright-core`)) throw error;
    say(`warning: ${error.message}; going on with the installed miniflare and playwright-core`);
  }
}
if (newer(`${root}bench/package-lock.json`, `${root}bench/node_modules/.package-lock.json`)) {
  sh("npm", ["ci", "--prefix", "bench", "--no-audit", "--no-fund", "--loglevel=error"]);
}
if (!args.includes("--no-build") || !existsSync(`${root}pkg/edge/worker.js`) || !existsSync(`${root}pkg/browser/index.js`)) sh("npm", ["run", "build"]);
if (only.includes("edge-load") || only.includes("ledger")) sh("cargo", ["build", "--quiet", "--release", "--features", "sandbox", "--bin", "guichet-sandbox"]);

// --- measure ----------------------------------------------------------------------------
const { machine } = await import("./lib/machine.mjs");
const { render } = await import("./report.mjs");
const results = { machine: machine(), quick, plan, sections: only, command: `npm run bench${args.length ? ` -- ${args.join(" ")}` : ""}` };
const started = performance.now();

if (only.includes("browser")) {
  say(`browser: ${plan.browserRuns} runs per package in headless Chromium`);
  const { runBrowser } = await import("./browser.mjs");
  results.browser = await runBrowser({ runs: plan.browserRuns, log: say });
}
const edge = await import("./edge.mjs");
if (only.includes("edge-size")) results.edgeSize = edge.edgeSizes();
if (only.includes("edge-instructions")) {
  say("edge instructions: POST /sessions natively under callgrind (bench/instructions.mjs)");
  const { countInstructions } = await import("./instructions.mjs");
  results.instructions = countInstructions({ requests: quick ? 500 : 2000, top: 12 });
}
if (only.includes("edge-start")) {
  say(`edge start: ${plan.workerdRuns} fresh workerd, ${plan.nodeRuns} fresh Node processes per worker`);
  results.startWorkerd = await edge.startupWorkerd({ runs: plan.workerdRuns, log: say });
  results.startNode = await edge.startupNode({ runs: plan.nodeRuns, log: say });
}
if (only.includes("edge-load") || only.includes("ledger")) {
  const { startSandbox } = await import("./lib/sandbox.mjs");
  const sandbox = await startSandbox();
  say(`sandbox at ${sandbox.base} (no fault: zero added latency)`);
  try {
    const loadPlan = { sandbox, rounds: plan.rounds, duration: plan.duration, warmup: plan.warmup, connections: plan.connections, log: say };
    if (only.includes("edge-load")) {
      say(`load: ${plan.connections} connections, ${plan.warmup} s warm-up, ${plan.rounds} rounds of ${plan.duration} s per worker`);
      results.healthLoad = await edge.healthLoad(loadPlan);
      results.sessionsLoad = await edge.sessionsLoad(loadPlan);
      results.webhookLoad = await edge.webhookLoad(loadPlan);
      results.webhookSessions = edge.WEBHOOK_SESSIONS;
    }
    if (only.includes("ledger")) {
      const { ledgerGrowth } = await import("./ledger.mjs");
      results.ledger = await ledgerGrowth({ ...loadPlan, sizes: plan.ledgerSizes });
    }
  } finally {
    await sandbox.stop();
  }
}
results.elapsedSeconds = (performance.now() - started) / 1000;
results.loadEnd = (await import("node:os")).loadavg()[0].toFixed(2);

// --- report -----------------------------------------------------------------------------
const md = render(results);
mkdirSync(`${root}bench/out`, { recursive: true });
writeFileSync(`${root}bench/out/results.json`, JSON.stringify(results, null, 2));
if (full) {
  writeFileSync(`${root}bench/RESULTS.md`, md);
  writeFileSync(`${root}bench/results.json`, JSON.stringify(results, null, 2));
  say(`wrote bench/RESULTS.md and bench/results.json (${results.elapsedSeconds.toFixed(0)} s of measuring)`);
} else {
  writeFileSync(`${root}bench/out/RESULTS.md`, md);
  say(`partial or quick pass: wrote bench/out/RESULTS.md (bench/RESULTS.md is only written by the full pass)`);
}
console.log(md);
