// Side-by-side load: every worker of a runtime is up at once, each is probed and warmed
// up, then the measured rounds alternate A B B A A B … so drift on a shared machine
// (another build starting, thermal changes) hits every worker alike. Reported per worker:
// the median over rounds of throughput and latency percentiles, and every failure.
import { load } from "./load.mjs";
import { median, summary } from "./stats.mjs";
import { serve } from "./workers.mjs";

async function probe(url, init) {
  const answer = await fetch(url, init);
  return { status: answer.status, text: await answer.text() };
}

/**
 * `workers`: [{worker, env, request: {method, path, headers, body}, expect: status, expectBody?: RegExp,
 * prepare?: async (url, server) => [request, …], label?, serveOptions?}]: `prepare`, when given, sets up state in the
 * started worker and returns the requests to cycle through (the first one is probed).
 * Returns one result per worker.
 */
export async function compare({ runtime, workers, rounds, duration, warmup, connections, title, log = console.log, serveOptions = {}, sequential = 0 }) {
  const live = [];
  const results = [];
  try {
    for (const w of workers) {
      const server = await serve(w.worker, runtime, w.env, { ...serveOptions, ...w.serveOptions });
      live.push(server);
      const requests = w.prepare ? await w.prepare(server.url, server) : [w.request];
      const { method, path, headers, body } = requests[0];
      const p = await probe(`${server.url}${path}`, { method, headers, body });
      if (p.status !== w.expect || (w.expectBody && !w.expectBody.test(p.text))) {
        const reason = `skipped: ${method} ${path.replace(/^\/api/, "")} answered ${p.status}${p.status === w.expect ? " without the expected body" : ""}`;
        log(`  ${title} ${w.worker} in ${runtime}: ${reason} ${p.text.slice(0, 160)}`);
        results.push({ worker: w.worker, label: w.label, runtime, skipped: reason });
        continue;
      }
      results.push({ worker: w.worker, label: w.label, runtime, url: server.url, requests, rounds: [] });
    }
    const ready = results.filter((r) => !r.skipped);
    for (const r of ready) await load({ url: r.url, connections, duration: warmup, warmup: 0, requests: r.requests });
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? ready : [...ready].reverse();
      for (const r of order) r.rounds.push(await load({ url: r.url, connections, duration, warmup: 0, requests: r.requests }));
    }
    // One request at a time, the workers taking turns: a latency that the machine's other
    // work disturbs far less than throughput under concurrency.
    const alone = new Map(ready.map((r) => [r, []]));
    const aloneStatuses = new Map(ready.map((r) => [r, {}]));
    const count = (by, status, n = 1) => (by[status] = (by[status] ?? 0) + n);
    for (let i = 0; i < sequential; i++) {
      for (const r of ready) {
        const q = r.requests[i % r.requests.length];
        const t0 = performance.now();
        const answer = await fetch(`${r.url}${q.path}`, { method: q.method, headers: q.headers, body: q.body });
        await answer.arrayBuffer();
        alone.get(r).push(performance.now() - t0);
        count(aloneStatuses.get(r), answer.status);
      }
    }
    for (const r of ready) {
      if (sequential) r.alone = { ...summary(alone.get(r)), statuses: aloneStatuses.get(r) };
      const statuses = {};
      for (const round of r.rounds) for (const [status, n] of Object.entries(round.statuses)) count(statuses, status, n);
      const pick = (k) => median(r.rounds.map((x) => x[k]));
      const sum = (k) => r.rounds.reduce((a, x) => a + x[k], 0);
      Object.assign(r, {
        connections,
        duration,
        roundsCount: rounds,
        rps: pick("rps"),
        rpsRounds: r.rounds.map((x) => x.rps),
        p50: pick("p50"),
        p90: pick("p90"),
        p99: pick("p99"),
        mean: pick("mean"),
        total: sum("total"),
        non2xx: sum("non2xx"),
        errors: sum("errors"),
        timeouts: sum("timeouts"),
        statuses,
      });
      delete r.url;
      delete r.requests;
      delete r.rounds;
      log(`  ${title} ${r.label ?? r.worker} in ${runtime}: ${r.rps.toFixed(0)} req/s (rounds ${r.rpsRounds.map((x) => x.toFixed(0)).join(", ")}), p50 ${r.p50} ms, p99 ${r.p99} ms, failures ${r.non2xx + r.errors + r.timeouts}`);
    }
    return results;
  } finally {
    for (const server of live) await server.stop();
  }
}
