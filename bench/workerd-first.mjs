// Cold starts in workerd alone, to the end of the first answer of each kind of first
// request: `GET /api/health` (what the bench's edge-start measures), `POST /api/sessions`
// (against the provider sandbox), and health then sessions (the time to the sessions
// answer). Shows where the settings' cost lands when parts of it are built on demand
// (bench/PROFILE.md, round 7, cold start). Needs the sandbox built (cargo build --release
// --features sandbox --bin guichet-sandbox). By hand:
//   node bench/workerd-first.mjs [--runs=N] <empty|reference|guichet|pkg dir>...
// prints, per worker and per first request, the median spawn-to-answer time and workerd's
// CPU by then, rounds rotating the workers.
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { workerdConfig, workerdStart } from "./lib/workerd-start.mjs";
import { WORKERS, edgeWorkerd } from "./lib/workers.mjs";
import { workerEnv, SESSION_BODY } from "./edge.mjs";
import { startSandbox } from "./lib/sandbox.mjs";
import { summary } from "./lib/stats.mjs";

const args = process.argv.slice(2);
const runs = Number(args.find((a) => a.startsWith("--runs="))?.slice(7) ?? 15);
const names = args.filter((a) => !a.startsWith("--"));

const health = (port) => fetch(`http://127.0.0.1:${port}/api/health`);
const session = (port) =>
  fetch(`http://127.0.0.1:${port}/api/sessions`, { method: "POST", headers: { "content-type": "application/json", origin: "http://127.0.0.1:8787" }, body: SESSION_BODY });
const PLANS = {
  health: { steps: [health], expect: 200 },
  sessions: { steps: [session], expect: 201 },
  "health+sessions": { steps: [health, session], expect: 201 },
};

const sandbox = await startSandbox();
// The worker reaches the sandbox on 127.0.0.1: a network service that allows private
// addresses (workerd's default outbound allows public ones only).
const configs = names.map((n) => {
  const config = workerdConfig(WORKERS[n]?.workerd ?? edgeWorkerd(resolve(n)), workerEnv(sandbox));
  const text = readFileSync(config.path, "utf8")
    .replace('services = [(name = "main", worker = .worker)]', 'services = [(name = "main", worker = .worker), (name = "net", network = (allow = ["public", "private"]))]')
    .replace('compatibilityDate = "2025-01-01",', 'compatibilityDate = "2025-01-01",\n  globalOutbound = "net",');
  writeFileSync(config.path, text);
  return config;
});
const times = names.map(() => Object.fromEntries(Object.keys(PLANS).map((p) => [p, { ms: [], cpu: [] }])));
try {
  for (let round = -1; round < runs; round++) {
    for (const [plan, steps] of Object.entries(PLANS)) {
      for (let k = 0; k < names.length; k++) {
        const i = (k + Math.max(round, 0)) % names.length;
        const { ms, cpu } = await workerdStart(configs[i].path, steps);
        if (round >= 0) times[i][plan].ms.push(ms), times[i][plan].cpu.push(cpu);
      }
    }
  }
} finally {
  for (const c of configs) c.remove();
  await sandbox.stop();
}
for (let i = 0; i < names.length; i++) {
  for (const plan of Object.keys(PLANS)) {
    const t = times[i][plan];
    console.log(`${names[i]} ${plan}: to the last answer ${summary(t.ms).median.toFixed(1)} ms (median of ${t.ms.length}), workerd CPU ${summary(t.cpu).median.toFixed(1)} ms`);
  }
}
