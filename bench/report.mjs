// Renders the results of one pass as bench/RESULTS.md: every table says how it was taken
// and which command reproduces it.
import { kb, ms, ratio } from "./lib/stats.mjs";

const row = (cells) => `| ${cells.join(" | ")} |`;
const table = (head, rows) => [row(head), row(head.map(() => "---")), ...rows.map(row)].join("\n");
const cmd = (section) => `\`npm run bench -- --only ${section}\``;
const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
const lat = (n) => (Number.isFinite(n) ? `${n} ms` : "n/a");
const WORKER_LABEL = { guichet: "Guichet (`pkg/edge`, wasm)", reference: "reference (`fusionpay`, plain JS)", empty: "empty worker (baseline)" };

function machineSection(m, r) {
  return `## The machine

| | |
|---|---|
| date | ${m.date} |
| CPU | ${m.cpu}, ${m.cores} cores |
| memory | ${m.memory} |
| OS | ${m.os} |
| Node | ${m.node} |
| Chromium | ${r.browser?.chromium ?? m.chromium} (Debian's \`/usr/bin/chromium\`, headless, through playwright-core ${m.playwright}) |
| workerd | ${m.workerd} (miniflare ${m.miniflare}) |
| rustc | ${m.rustc} |
| autocannon | ${m.autocannon} |
| commit | ${m.commit} |
| load average (1 min) at start / end | ${m.loadStart} / ${r.loadEnd ?? "n/a"} (other work on the machine: the higher, the noisier) |
`;
}

function browserSection(b) {
  const guichet = b.results.find((r) => r.name === "guichet");
  const rows = b.results.map((r) => [
    r.label + (r.version ? ` ${r.version}` : ""),
    r.bytes.files.map((f) => `\`${f.path.split("/").pop()}\``).join(" + "),
    kb(r.bytes.raw),
    kb(r.bytes.gzip),
    ms(r.time.median),
    ms(r.time.p90),
    r.name === "guichet" ? "1.00×" : ratio(r.time.median, guichet.time.median),
    r.readyMeans,
  ]);
  const notes = b.results
    .filter((r) => r.cdn || r.blocked.length)
    .map((r) => `- ${r.label}: ${r.cdn ?? ""}.${r.blocked.length ? ` Requests to other hosts during its ready time (aborted: no internet here): ${r.blocked.map((u) => `\`${u}\``).join(", ")}.` : ""}`)
    .join("\n");
  return `## 1. Browser: bytes and time to a ready checkout button

Reproduce: ${cmd("browser")}

${table(["package", "files on the critical path", "raw", "gzip -9", "import → ready, median", "p90", "median ÷ Guichet's", "ready means"], rows)}

${b.runs} runs per package (after one warm-up round that is dropped), each in a fresh browser
context with the HTTP cache disabled (CDP \`Network.setCacheDisabled\`), served by a local
static server on 127.0.0.1 (\`cache-control: no-store\`, no compression on the wire: the gzip -9
column is what a CDN would send). The time is \`performance.now()\` in the page from just before
\`await import(entry)\` to the moment the API answers; rounds visit the packages in rotating order.
"Files on the critical path" are exactly the files the page fetched during that time.
Every request to a host other than 127.0.0.1 is aborted and listed below.

What each comparison package is:
${notes}

The comparison packages are plain JavaScript that only define functions at import: their
"ready" is little more than parsing a few kilobytes, while the real checkout of each one
(Paystack's, CinetPay's, Kkiapay's form, Stripe.js) is fetched from the provider's servers
when the shopper clicks (or, for Stripe, at import), which this offline machine cannot reach.
Guichet's "ready" includes fetching, compiling and instantiating its WebAssembly and
answering a full checkout validation (fr/en messages, E.164 phone, cart rules) without any
network call beyond its own files.
`;
}

function edgeSizeSection(s) {
  return `### Bundle size

Reproduce: ${cmd("edge-size")} (or \`npm run build\`, which prints the same files)

${table(
  ["bundle", "raw", "gzip -9"],
  [
    ["Guichet `pkg/edge` (all files: glue, wasm, Node and workerd entries)", kb(s.guichet.raw), kb(s.guichet.gzip)],
    [`Guichet on workerd (${s.guichetWorkerd.files.map((f) => `\`${f}\``).join(" + ")})`, kb(s.guichetWorkerd.raw), kb(s.guichetWorkerd.gzip)],
    [`reference (${s.reference.rows.map((r) => `\`${r.file.split("/").pop()}\``).join(" + ")})`, kb(s.reference.raw), kb(s.reference.gzip)],
  ],
)}
`;
}

function instructionsSection(r) {
  const head = `### Instructions per \`POST /sessions\` (the route's own work, natively)

Reproduce: ${cmd("edge-instructions")} or \`node bench/instructions.mjs\``;
  if (r.skipped) return `${head}\n\nSkipped: ${r.skipped}.`;
  return `${head}

**${int(r.perRequest)} instructions per request**, counted by callgrind over ${int(r.requests)} requests
(the run of ${int(r.requests + 100)} minus the run of 100) of \`bench/sessions_instructions.rs\` (a cargo example): the
edge's routes built natively (release profile), the bench's MoneyFusion body and catalog, the
memory ledger, a fixed clock and a canned MoneyFusion answer, so that only Guichet's own work
runs. The count repeats to about ±0.05 % from run to run on a loaded machine; the wasm in
workerd runs the same Rust, in time that follows this count but not one for one
(bench/PROFILE.md, round 10). Functions with the most, each inclusive of what it calls:

${table(
  ["function", "instructions per request"],
  r.top.map(([n, name]) => [`\`${name.replaceAll("|", "\\|")}\``, int(n)]),
)}
`;
}

function startSection(w, n, plan) {
  const workers = ["empty", "reference", "guichet", ...(w.baseline ? ["baseline"] : [])];
  const label = (k) => (k === "baseline" ? "Guichet baseline (`BENCH_BASELINE_PKG`)" : WORKER_LABEL[k]);
  const above = (k, of) => (k === "empty" ? "—" : ms(of[k].median - of.empty.median));
  const a = w.alone;
  const rows = workers.map((k) => [
    label(k),
    ms(w[k].median),
    ms(w[k].p90),
    above(k, w),
    ...(a ? [ms(a[k].median), above(k, a), ms(a[k].cpu.median)] : []),
    ms(n[k].median),
    ms(n[k].p90),
    above(k, n),
  ]);
  const head = ["worker", "workerd (miniflare) median", "p90", "− empty", ...(a ? ["workerd alone median", "− empty", "its CPU"] : []), "Node median", "p90", "− empty"];
  return `### Cold start

Reproduce: ${cmd("edge-start")}

${table(head, rows)}

Guichet ÷ reference, medians: workerd ${ratio(w.guichet.median, w.reference.median)}${a ? ` (alone ${ratio(a.guichet.median, a.reference.median)})` : ""}, Node ${ratio(n.guichet.median, n.reference.median)}.

- workerd (miniflare): ${w.guichet.n} runs per worker (plus a dropped warm-up round), each a fresh
  \`new Miniflare(...)\` (a new workerd process) timed from the constructor to the end of
  the first \`GET /api/health\` answer (\`dispatchFetch\`), as \`wrangler dev\` starts a worker. Most of it is
  miniflare and workerd starting; the "− empty" column subtracts the median of a worker that only answers 200.
  It includes miniflare encoding its config in the bench's process, the worker's modules inside it, in time
  that grows with their size (bench/PROFILE.md, round 6).
- workerd alone: in the same rounds, \`workerd serve\` on a config embedding the worker's modules, timed from
  the spawn to the end of the first answer (\`bench/lib/workerd-start.mjs\`), and workerd's CPU time (every
  thread) by then: the runtime's own cost, with no miniflare.
- Node: ${n.guichet.n} runs per worker, each a fresh \`node\` process timing, inside it, from
  just before \`await import(entry)\` to the end of the first \`GET /api/health\` answer
  (\`bench/lib/node-start.mjs\`). Guichet's Node entry reads its wasm and starts compiling it at import; the
  first \`new Request\` in a process loads undici (about 20 ms, every worker alike) meanwhile.
`;
}

/** Rows whose measured rounds differ by more than 1.5×: their under-load ratio is the machine's noise. */
function noisy(rows) {
  return rows.filter((r) => !r.skipped && r.rpsRounds?.length > 1 && Math.max(...r.rpsRounds) > 1.5 * Math.min(...r.rpsRounds));
}
const noiseNote = (rows) =>
  noisy(rows).length
    ? `\n\nCaution: the rounds of ${noisy(rows).map((r) => `${r.label ?? WORKER_LABEL[r.worker] ?? r.worker}${r.runtime ? ` (${r.runtime})` : ""}`).join(", ")} differ by more than 1.5× (other work on the machine), so an under-load ratio involving them is mostly noise; the one-at-a-time medians, where measured, are steadier.`
    : "";

function loadTable(rows, { refWorker = "reference" } = {}) {
  const body = [];
  const ratios = [];
  const withAlone = rows.some((r) => r.alone);
  for (const runtime of ["workerd", "node"]) {
    const here = rows.filter((r) => r.runtime === runtime);
    for (const r of here) {
      const alone = r.alone ? [ms(r.alone.median)] : [];
      if (r.skipped) body.push([runtime, WORKER_LABEL[r.worker] ?? r.label ?? r.worker, `**${r.skipped}**`, "", "", "", "", "", ...(withAlone ? [""] : [])]);
      else body.push([runtime, WORKER_LABEL[r.worker] ?? r.label ?? r.worker, ...(withAlone ? alone : []), int(r.rps), r.rpsRounds.map(int).join(", "), lat(r.p50), lat(r.p99), `${r.mean.toFixed(2)} ms`, `${r.non2xx + r.errors + r.timeouts} of ${int(r.total)}`]);
    }
    const g = here.find((r) => r.worker === "guichet" && !r.skipped);
    const ref = here.find((r) => r.worker === refWorker && !r.skipped);
    if (g && ref) ratios.push(`${runtime}: ${g.alone ? `one at a time ${ratio(g.alone.median, ref.alone.median)} the latency; under load ` : ""}throughput ${ratio(g.rps, ref.rps)}, p50 latency ${ratio(g.p50, ref.p50)}, p99 ${ratio(g.p99, ref.p99)}`);
  }
  return `${table(["runtime", "worker", ...(withAlone ? ["one at a time: median"] : []), "under load: req/s (median of rounds)", "req/s per round", "p50", "p99", "mean latency", "non-2xx or errors, of requests"], body)}

${ratios.length ? `Guichet ÷ ${refWorker}: ${ratios.join("; ")}.` : ""}${noiseNote(rows)}`;
}

/** Each runtime's webhook answers: confirmed at once (200) against deferred to the sweep (202). */
function webhookSplit(rows) {
  const split = (by = {}) => {
    const total = Object.values(by).reduce((a, n) => a + n, 0);
    const other = total - (by["200"] ?? 0) - (by["202"] ?? 0);
    return `${int(by["200"] ?? 0)} confirmed at once (200), ${int(by["202"] ?? 0)} deferred to the sweep (202)${other ? `, ${int(other)} other` : ""}, of ${int(total)}`;
  };
  const measured = rows.filter((r) => !r.skipped);
  if (!measured.some((r) => r.statuses)) return "- not counted in this run (the answers' statuses were recorded from 2026-12-02 on).";
  return measured.map((r) => `- ${r.runtime}: under load ${split(r.statuses)}; one at a time ${split(r.alone?.statuses)}.`).join("\n");
}

function loadSection(r) {
  const p = r.plan;
  const parts = [`### Under load (loopback)

Reproduce: ${cmd("edge-load")}

autocannon ${r.machine.autocannon}, ${p.connections} connections, no pipelining. The workers
compared are up side by side; each gets ${p.warmup} s of warm-up (thrown away), then
${p.rounds} measured rounds of ${p.duration} s, taken in the order A B B A … so that drift hits
them alike; the table gives the median over rounds (throughput, and each round's latency
percentiles). "One at a time" (sessions and webhooks) is then ${p.rounds > 1 ? 200 : 40} single requests per
worker, the workers taking turns, timed by the client: the figure the machine's other work
disturbs least. Everything on 127.0.0.1: the load generator in the bench's Node process, the worker in
workerd (miniflare's socket) or in its own Node process (\`bench/lib/serve-node.mjs\`, the same
\`node:http\` → \`Request\` adapter for every worker), and the provider sandbox
(\`guichet-sandbox\`, release build, no fault configured: zero added latency). Latency
percentiles have autocannon's 1 ms resolution; the mean is exact. On 2 shared cores the
load generator, the worker and the sandbox compete for the CPU, so the absolute figures
are a floor; compare the ratios.`];
  if (r.healthLoad) parts.push(`#### \`GET /health\` (runtime and router only)\n\n${loadTable(r.healthLoad)}\n\nGuichet's figures beside the empty worker show what its wasm router costs per request.`);
  if (r.sessionsLoad)
    parts.push(`#### \`POST /sessions\` (MoneyFusion, priced from \`GUICHET_CATALOG\`)

${loadTable(r.sessionsLoad)}

Each request prices a 2-item cart from the catalog, opens a payment with the sandbox's
MoneyFusion API (one HTTP call), signs a session token (HMAC-SHA256) and records the session.
The reference does the same with the npm \`fusionpay\` client (\`bench/reference/fusionpay-worker.mjs\`),
with lighter checks (no E.164 normalisation, no fr/en violations, no CORS), which can only
favour it.`);
  if (r.webhookLoad)
    parts.push(`#### Webhook delivery (\`POST /webhooks/moneroo\`, signed)

${loadTable(r.webhookLoad)}

${r.webhookSessions ?? 64} Moneroo sessions are opened through \`POST /sessions\` first; the load then cycles
through one signed \`payment.success\` delivery for each (\`X-Moneroo-Signature\`, hex HMAC-SHA256
of the body). The payments stay unpaid in the sandbox. A delivery that gets its status call
takes the whole path: signature check, ledger lookup by Moneroo id, a recheck mark written,
the status call to the sandbox that decides (it answers pending, so the delivery is not
believed), and the ledger's apply-once; it answers **200**. But the edge makes at most 100
status calls a minute to one provider (per isolate, \`src/edge/budget.rs\`): past that, a
delivery is recorded (the recheck mark) and answered **202** without a status call, and the
sweep confirms it later. The probe and the warm-up alone send more than 100, so the
measured deliveries are of that second kind: the figures above measure the signature
check, the lookup and the mark, not the status call. The split, by the answers counted:

${webhookSplit(r.webhookLoad)}

The ledger is the in-memory one here (section 3 puts it
in D1). The reference worker has no webhook handling, so there is no ratio.`);
  return parts.join("\n\n");
}

/** The three ledgers of a ledger result: D1 (the result itself), the SQLite file, PostgreSQL. */
function ledgerKinds(l) {
  return [
    ["D1 (workerd, miniflare's local D1)", l.runs || l.skipped ? l : null],
    ["SQLite file (Node)", l.sqlite],
    ["PostgreSQL (Node)", l.postgres],
  ].filter(([, r]) => r);
}

function ledgerTable(name, r) {
  if (r.skipped) return `### ${name}\n\n${r.skipped}.`;
  const rows = r.runs.map((x) => [int(x.size), ms(x.alone?.median), ms(x.alone?.p90), int(x.rps), x.rpsRounds.map(int).join(", "), lat(x.p50), lat(x.p99), `${x.non2xx + x.errors + x.timeouts} of ${int(x.total)}`, Number.isFinite(x.seedMs) ? `${(x.seedMs / 1000).toFixed(1)} s` : "n/a"]);
  return `### ${name}

${table(["payments in the ledger", "one at a time: median", "p90", "under load: req/s (median of rounds)", "req/s per round", "p50", "p99", "non-2xx or errors, of requests", "seeding time"], rows)}${noiseNote(r.runs.map((x) => ({ ...x, runtime: null })))}`;
}

function ledgerSection(l) {
  const kinds = ledgerKinds(l);
  const measured = kinds.filter(([, r]) => r.runs?.length);
  const sizes = measured[0]?.[1].runs.map((x) => x.size) ?? [];
  const first = sizes[0];
  const growthHead = sizes.slice(1).flatMap((size) => [`${int(first)} → ${int(size)}: one at a time`, "under load, req/s"]);
  const growthRows = measured.map(([name, r]) => {
    const base = r.runs[0];
    return [name, ...r.runs.slice(1).flatMap((x) => [ratio(x.alone?.median, base.alone?.median), ratio(x.rps, base.rps)])];
  });
  return `## 3. Cost growth with the ledger (D1, SQLite file, PostgreSQL)

Reproduce: ${cmd("ledger")}

A signed Moneroo \`payment.success\` notification for a payment the ledger already holds as
succeeded (a provider's repeat), one at a time and under load, with ${sizes.map(int).join(", ")}
settled payments in the ledger. The notifications name up to 64 payments spread from the oldest
to the newest. The edge checks the signature, records the notification (a recheck mark),
finds the payment by the provider's reference, sees it final and clears the mark: one read
by key and two writes, no provider call, so the ledger is most of the cost. (A pending
payment's delivery also makes a status call, and the edge allows 100 of those a minute per
process; past that it answers 202 without the call, so a load of such deliveries measures
that cap, not the ledger.) Cost growth as a ratio of the smallest ledger's figure (one at a
time: the median latency, below 1.00× is faster; under load: the throughput, below 1.00× is
slower):

${table(["ledger", ...growthHead], growthRows)}

${kinds.map(([name, r]) => ledgerTable(name, r)).join("\n\n")}

The one-at-a-time medians are the figures to quote: the sizes take turns request by request, so
the machine's other work falls on every size alike; the under-load rounds run 4 s each and move
with whatever else the machine does. The reads and writes go by primary key or unique index
(\`sessions (provider, provider_ref)\`, the \`rechecks\` key), whose depth grows with the logarithm
of the table.

miniflare's local D1 is one SQLite file behind one Durable Object, which serves a
notification's queries in turn. Hosted D1 has other costs (a network hop per query), and a
PostgreSQL server on its own machine has a network hop too: these figures show how the cost
grows with the ledger, not what production costs.

${kinds.map(([name, r]) => (r.method ? `${name}: ${r.method}` : "")).filter(Boolean).join("\n\n")}
`;
}

function headline(r) {
  const lines = [];
  const b = r.browser;
  if (b) {
    const g = b.results.find((x) => x.name === "guichet");
    const others = b.results.filter((x) => x.name !== "guichet");
    lines.push(
      `- Browser: Guichet puts ${kb(g.bytes.gzip)} gzip -9 (${kb(g.bytes.raw)} raw) on the path to a ready checkout and is ready ${ms(g.time.median)} (median; p90 ${ms(g.time.p90)}) after \`import\`, wasm compiled and a checkout validated. ` +
        `The npm packages merchants use ship ${others.map((o) => `${o.label} ${kb(o.bytes.gzip)}`).join(", ")} gzip and are "ready" in ${others.map((o) => ms(o.time.median)).join(", ")}, but they only define functions: their real checkout comes from the provider's servers (Stripe's package is only a loader for js.stripe.com).`,
    );
  }
  if (r.edgeSize) lines.push(`- Edge bundle: ${kb(r.edgeSize.guichetWorkerd.gzip)} gzip -9 on workerd (${kb(r.edgeSize.guichetWorkerd.raw)} raw); the fusionpay reference is ${kb(r.edgeSize.reference.gzip)}.`);
  if (r.instructions?.perRequest) lines.push(`- The route's own work for one \`POST /sessions\`, natively: ${int(r.instructions.perRequest)} instructions (callgrind; repeats to ±0.05 %).`);
  if (r.startWorkerd) {
    const w = r.startWorkerd;
    const n = r.startNode;
    const a = w.alone;
    const alone = a ? `; workerd alone ${ms(a.guichet.median)} vs ${ms(a.reference.median)} (${ratio(a.guichet.median, a.reference.median)}; ${ms(a.guichet.median - a.empty.median)} above empty)` : "";
    lines.push(`- Cold start to a first answer: workerd through miniflare ${ms(w.guichet.median)} vs reference ${ms(w.reference.median)} (${ratio(w.guichet.median, w.reference.median)}; ${ms(w.guichet.median - w.empty.median)} above an empty worker)${alone}; Node ${ms(n.guichet.median)} vs ${ms(n.reference.median)} (${ratio(n.guichet.median, n.reference.median)}).`);
  }
  const pair = (rows, runtime) => {
    const g = rows?.find((x) => x.runtime === runtime && x.worker === "guichet" && !x.skipped);
    const ref = rows?.find((x) => x.runtime === runtime && x.worker === "reference" && !x.skipped);
    return g && ref
      ? `${runtime} ${ms(g.alone?.median)} vs ${ms(ref.alone?.median)} one at a time (${ratio(g.alone?.median, ref.alone?.median)}), ${int(g.rps)} vs ${int(ref.rps)} req/s under load (${ratio(g.rps, ref.rps)})`
      : `${runtime} not measured`;
  };
  if (r.sessionsLoad) lines.push(`- \`POST /sessions\` (MoneyFusion) under load, Guichet vs the fusionpay reference: ${pair(r.sessionsLoad, "workerd")}; ${pair(r.sessionsLoad, "node")}.`);
  if (r.webhookLoad) {
    const w = r.webhookLoad.filter((x) => !x.skipped);
    lines.push(w.length ? `- Signed Moneroo webhook deliveries (in-memory ledger; past the edge's 100 status calls a minute to a provider they are answered 202 without one and left to the sweep, so these figures include no status call; section 2 gives the split): ${w.map((x) => `${x.runtime} ${ms(x.alone?.median)} one at a time, ${int(x.rps)} req/s under load (p50 ${lat(x.p50)}, p99 ${lat(x.p99)}${x.statuses ? `, ${int(x.statuses["200"] ?? 0)} of ${int(x.total)} confirmed at once` : ""})`).join("; ")}.` : `- Webhook load: ${r.webhookLoad[0]?.skipped}.`);
  }
  if (r.ledger) {
    const measured = ledgerKinds(r.ledger).filter(([, l]) => l.runs?.length);
    const skipped = ledgerKinds(r.ledger).filter(([, l]) => l.skipped);
    const growthOf = ([name, l]) => {
      const [a, b] = [l.runs[0], l.runs.at(-1)];
      return `${name} ${l.runs.map((x) => ms(x.alone?.median)).join(" / ")} (${ratio(b.alone?.median, a.alone?.median)})`;
    };
    if (measured.length) {
      const sizes = measured[0][1].runs.map((x) => int(x.size)).join(" / ");
      lines.push(`- Ledger growth, a provider's repeated notification for a settled payment (one read by key, two writes), one at a time with ${sizes} payments in the ledger (median; ratio largest ÷ smallest): ${measured.map(growthOf).join("; ")}.`);
    }
    for (const [name, l] of skipped) lines.push(`- Ledger growth (${name}): ${l.skipped}.`);
  }
  return `## Headline\n\n${lines.join("\n")}`;
}

export function render(r) {
  const m = r.machine;
  const out = [
    `# Benchmarks

Generated by \`${r.command ?? "npm run bench"}\`${r.quick ? " (a short pass: too few runs to quote)" : ""} on ${m.date.slice(0, 10)}, in ${Math.round(r.elapsedSeconds)} s of measuring.
Figures are medians (and p90) of many runs, or load over a bounded time; quote the
ratios, not the absolute times: this is a shared 2-core virtual machine.
Each section names the command that reproduces it; \`npm run bench\` reruns everything and
rewrites this file.`,
    headline(r),
    machineSection(m, r),
  ];
  if (r.browser) out.push(browserSection(r.browser));
  if (r.edgeSize || r.instructions || r.startWorkerd || r.healthLoad) out.push("## 2. Edge backend");
  if (r.edgeSize) out.push(edgeSizeSection(r.edgeSize));
  if (r.instructions) out.push(instructionsSection(r.instructions));
  if (r.startWorkerd) out.push(startSection(r.startWorkerd, r.startNode, r.plan));
  if (r.healthLoad || r.sessionsLoad) out.push(loadSection(r));
  if (r.ledger) out.push(ledgerSection(r.ledger));
  return `${out.join("\n\n")}\n`;
}
