// The workers under test, and the two runtimes that host them: workerd (through
// miniflare, on a real loopback socket) and Node (bench/lib/serve-node.mjs, its own process).
import { Miniflare } from "miniflare";
import { startProcess, stopProcess } from "./procs.mjs";

const root = new URL("../../", import.meta.url).pathname;

/** Miniflare's options for a build of the edge bundle (a pkg/edge directory). */
export function edgeWorkerd(dir) {
  return {
    scriptPath: `${dir}/worker.js`,
    modulesRoot: dir,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
  };
}

export const WORKERS = {
  guichet: {
    label: "Guichet (pkg/edge)",
    workerd: edgeWorkerd(`${root}pkg/edge`),
    node: `${root}pkg/edge/index.js`,
  },
  reference: {
    label: "reference (fusionpay, plain JS)",
    workerd: {
      scriptPath: `${root}bench/reference/fusionpay-worker.mjs`,
      modulesRoot: `${root}bench`,
      modulesRules: [
        { type: "ESModule", include: ["**/*.mjs"] },
        { type: "CommonJS", include: ["**/*.js"] },
      ],
    },
    node: `${root}bench/reference/fusionpay-worker.mjs`,
  },
  // BENCH_BASELINE_PKG=<dir of another build's pkg/edge>: that build beside this one in
  // the POST /sessions comparison, for a before/after in one run.
  ...(process.env.BENCH_BASELINE_PKG
    ? {
        baseline: {
          label: `Guichet baseline (\`${process.env.BENCH_BASELINE_PKG}\`)`,
          workerd: edgeWorkerd(process.env.BENCH_BASELINE_PKG),
          node: `${process.env.BENCH_BASELINE_PKG}/index.js`,
        },
      }
    : {}),
  empty: {
    label: "empty worker (runtime baseline)",
    workerd: { scriptPath: `${root}bench/reference/empty-worker.mjs`, modulesRules: [{ type: "ESModule", include: ["**/*.mjs"] }] },
    node: `${root}bench/reference/empty-worker.mjs`,
  },
};

/** A Miniflare for `worker` with `env` as plain-text bindings; `port` 0 = loopback socket. */
export function miniflareFor(worker, env, { port, d1 } = {}) {
  return new Miniflare({
    modules: true,
    ...WORKERS[worker].workerd,
    compatibilityDate: "2025-01-01",
    bindings: env,
    ...(d1 ? { d1Databases: { GUICHET_LEDGER: d1.id }, d1Persist: d1.persist } : {}),
    ...(port === undefined ? {} : { host: "127.0.0.1", port }),
  });
}

/** Serves `worker` over HTTP in `runtime` ("workerd" | "node"); returns {url, stop}. */
export async function serve(worker, runtime, env, options = {}) {
  if (runtime === "workerd") {
    const mf = miniflareFor(worker, env, { port: 0, ...options });
    const url = (await mf.ready).href.replace(/\/$/, "");
    return { url, mf, stop: () => mf.dispose() };
  }
  const { child, match } = await startProcess(process.execPath, [`${root}bench/lib/serve-node.mjs`, WORKERS[worker].node, "0"], {
    ready: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    env: { BENCH_WORKER_ENV: JSON.stringify(env) },
    timeoutMs: 20_000,
  });
  return { url: match[1], stop: () => stopProcess(child) };
}
