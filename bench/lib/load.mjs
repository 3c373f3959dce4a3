// Load on loopback with autocannon: fixed concurrency, bounded duration, a warm-up that
// is thrown away, then the measured run. Non-2xx answers are counted and reported, never
// hidden in the throughput.
import autocannon from "autocannon";

function once(options) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
    // Bounded even if the target hangs: autocannon stops at `duration`; this is a backstop.
    const backstop = setTimeout(() => instance.stop(), (options.duration + 15) * 1000);
    instance.on("done", () => clearTimeout(backstop));
  });
}

/**
 * Runs `warmup` seconds (discarded) then `duration` seconds against `url`.
 * `requests` is autocannon's request list (method, path, headers, body, setupRequest).
 */
export async function load({ url, requests, connections = 16, duration = 10, warmup = 2 }) {
  const base = { url, connections, pipelining: 1, requests, timeout: 10 };
  if (warmup > 0) await once({ ...base, duration: warmup });
  const r = await once({ ...base, duration });
  return {
    connections,
    duration,
    rps: r.requests.average,
    rpsMedian: r.requests.p50,
    total: r.requests.total,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    mean: r.latency.mean,
    ok: r["2xx"],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    /** Answers by HTTP status: `{"200": n, "202": m, …}`. */
    statuses: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([code, { count }]) => [code, count])),
  };
}
