// One cold start of a worker in workerd alone, without miniflare: `workerd serve` on a
// config that embeds the worker's modules, timed from the spawn to the end of the first
// answer (GET <path>). miniflare's own part of `new Miniflare()` (encoding its config,
// the worker's modules inside it, with capnp-es in the bench's process: about 15 ms for
// an empty worker, 30 ms with Guichet's wasm) and its proxy are left out; what is left is
// the runtime's: start the process, load the modules (workerd compiles a wasm module as
// it loads it), run the first request.
// By hand: bench/workerd-start.mjs.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import workerd from "workerd";

const TYPES = { ESModule: "esModule", CommonJS: "commonJsModule", CompiledWasm: "wasm" };

// `**/*.js` and the like, the only globs the bench's rules use.
const globTest = (glob) => new RegExp(`${glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*\//g, "(?:.*/)?").replace(/\*/g, "[^/]*")}$`);

/** The modules `scriptPath` reaches through relative imports, with their workerd types. */
function modules({ scriptPath, modulesRoot = dirname(scriptPath), modulesRules }) {
  const rules = modulesRules.map((r) => ({ type: TYPES[r.type], tests: r.include.map(globTest) }));
  const found = new Map();
  const visit = (path) => {
    const name = relative(modulesRoot, path);
    if (found.has(name)) return;
    const type = rules.find((r) => r.tests.some((t) => t.test(name)))?.type;
    if (!type) throw new Error(`no module rule for ${name}`);
    found.set(name, { path, type });
    if (type === "wasm") return;
    const source = readFileSync(path, "utf8");
    for (const [, spec] of source.matchAll(/(?:\bimport|\bexport)\s*(?:[\w*{}\s,$]*\bfrom\s*)?\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) visit(resolve(dirname(path), spec));
  };
  visit(resolve(scriptPath));
  return found;
}

/** Writes a workerd config for `worker` (miniflare's options for it) with `env` as text bindings; returns its path and a cleanup. */
export function workerdConfig(worker, env, v8Flags = []) {
  const dir = mkdtempSync(join(tmpdir(), "guichet-workerd-start-"));
  const mods = [...modules(worker)].map(([name, { path, type }]) => `(name = ${JSON.stringify(name)}, ${type} = embed ${JSON.stringify(relative(dir, path))})`);
  const bindings = Object.entries(env).map(([name, value]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(String(value))})`);
  const text = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
  v8Flags = [${v8Flags.map((f) => JSON.stringify(f)).join(", ")}],
);
const worker :Workerd.Worker = (
  modules = [${mods.join(", ")}],
  compatibilityDate = "2025-01-01",
  bindings = [${bindings.join(", ")}],
);
`;
  writeFileSync(join(dir, "config.capnp"), text);
  return { path: join(dir, "config.capnp"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** CPU time so far of every thread of `pid`, in ms (Linux; NaN elsewhere). */
function cpuMs(pid) {
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    return ns / 1e6;
  } catch {
    return NaN;
  }
}

/**
 * One fresh workerd on `configPath`: {ms: spawn to the end of the first answer, cpu: workerd's
 * CPU by then}. `first` is the path of a GET that must answer 200, or a plan `{steps, expect}`:
 * requests made in turn (`step(port)` gives a `Response`), timed to the end of the last, whose
 * status must be `expect` (bench/workerd-first.mjs).
 */
export function workerdStart(configPath, first = "/api/health", timeoutMs = 30_000, stdio = "ignore") {
  const plan = typeof first === "string" ? { steps: [(port) => fetch(`http://127.0.0.1:${port}${first}`)], expect: 200 } : first;
  return new Promise((resolveStart, reject) => {
    const t0 = performance.now();
    const child = spawn(workerd.default ?? workerd, ["serve", configPath, "--control-fd=3"], { stdio: ["ignore", stdio, "pipe", "pipe"] });
    let stderr = "";
    let control = "";
    let done = false;
    const finish = (error, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill("SIGKILL");
      child.once("exit", () => (error ? reject(error) : resolveStart(value)));
    };
    const timer = setTimeout(() => finish(new Error(`workerd not answering after ${timeoutMs} ms: ${stderr.slice(-1000)}`)), timeoutMs);
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      if (stdio === "inherit") process.stderr.write(chunk);
    });
    child.on("error", (error) => finish(error));
    child.stdio[3].on("data", async (chunk) => {
      if (control === null) return;
      control += chunk;
      const port = control.match(/"socket":"http","port":(\d+)/)?.[1];
      if (!port) return;
      control = null;
      try {
        let answer;
        for (const step of plan.steps) {
          answer = await step(port);
          await answer.arrayBuffer();
        }
        const ms = performance.now() - t0;
        if (answer.status !== plan.expect) throw new Error(`the first request answered ${answer.status}: ${stderr.slice(-500)}`);
        finish(null, { ms, cpu: cpuMs(child.pid) });
      } catch (error) {
        finish(error);
      }
    });
  });
}
