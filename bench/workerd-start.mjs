// Cold starts in workerd alone, by hand (the bench's edge-start section runs the same
// measure beside miniflare's):
//   node bench/workerd-start.mjs [--runs=N] [--v8-flag=F ...] <empty|reference|guichet|pkg dir>...
// prints the median time from spawn to the end of the first GET /api/health and workerd's
// CPU by then, rounds rotating. With a V8 flag it runs each once and shows workerd's output:
// `--v8-flag=--trace-wasm-compilation-times` lists every function V8 compiles and its time.
import { resolve } from "node:path";
import { workerdConfig, workerdStart } from "./lib/workerd-start.mjs";
import { WORKERS, edgeWorkerd } from "./lib/workers.mjs";
import { workerEnv } from "./edge.mjs";
import { summary } from "./lib/stats.mjs";

const args = process.argv.slice(2);
const runs = Number(args.find((a) => a.startsWith("--runs="))?.slice(7) ?? 15);
const flags = args.filter((a) => a.startsWith("--v8-flag=")).map((a) => a.slice(10));
const names = args.filter((a) => !a.startsWith("--"));
const configs = names.map((n) => workerdConfig(WORKERS[n]?.workerd ?? edgeWorkerd(resolve(n)), workerEnv(null), flags));
const times = names.map(() => ({ ms: [], cpu: [] }));
try {
  for (let round = flags.length ? 0 : -1; round < (flags.length ? 1 : runs); round++) {
    for (let k = 0; k < names.length; k++) {
      const i = (k + Math.max(round, 0)) % names.length;
      const { ms, cpu } = await workerdStart(configs[i].path, "/api/health", 30_000, flags.length ? "inherit" : "ignore");
      if (round >= 0) times[i].ms.push(ms), times[i].cpu.push(cpu);
    }
  }
} finally {
  for (const c of configs) c.remove();
}
for (let i = 0; i < names.length; i++) {
  const t = summary(times[i].ms);
  console.log(`${names[i]}: spawn to first answer ${t.median.toFixed(1)} ms (median of ${t.n}), workerd CPU ${summary(times[i].cpu).median.toFixed(1)} ms`);
}
