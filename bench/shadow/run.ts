// Shadow traffic's cost to the client. Three processes, so the shadow work competes with nothing but the gateway it
// runs in: the fake model servers (primary and candidate, fixed latency, deterministic answers), two gateway processes
// of the same build (shadow off; shadow mirroring 100% to the candidate version), and this load generator. The same
// constant-rate load goes to each gateway in alternating phases (off, on, off, on…) so drift in machine load hits both
// alike; request k of an off phase and of the on phase after it carry the same prompt, and their client answers must be
// byte-identical. Prints p50/p95/p99 side by side and the p99 delta (target ≤ 1 ms), checks that every mirrored
// request's comparison was stored, and saves JSON next to this script.
// Usage: npm run build && npx tsx bench/shadow/run.ts [--gateway dist|source] [--rps 150] [--seconds 10] [--reps 3] [--delay-ms 30]
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { runConstantRate, summarizeRun, type RateRunSummary } from "../lib/constant-rate.js";
import { scrapeLoopDelay, type LoopDelay } from "../lib/event-loop-delay.js";
import { gantryEntry, startProcess, stopProcess, type Started } from "../lib/processes.js";
import { percentile, summarize } from "../lib/stats.js";

const { values } = parseArgs({
  options: {
    rps: { type: "string", default: "150" },
    // Seconds of load per phase; each gateway gets `reps` phases.
    seconds: { type: "string", default: "10" },
    reps: { type: "string", default: "3" },
    "delay-ms": { type: "string", default: "30" },
    gateway: { type: "string", default: "dist" },
    out: { type: "string", default: "bench/shadow/results.json" },
  },
});
const rps = Number(values.rps);
const phaseMs = Number(values.seconds) * 1000;
const reps = Number(values.reps);
const delayMs = Number(values["delay-ms"]);
const root = new URL("../..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "gantry-shadow-"));
type Side = "off" | "on";

const upstreams = await startProcess("node", ["--import", "tsx", join(root, "bench/shadow/upstreams.ts")], /(primary=\S+ candidate=\S+)\n/, { env: { FAKE_DELAY_MS: String(delayMs) } });
const [primaryUrl, candidateUrl] = upstreams.match.split(" ").map((part) => part.slice(part.indexOf("=") + 1));

const shadowEntry = "registry: { shadow: { story: { version: 2, percent: 100, max_concurrency: 64, budget_usd_per_day: 1000, scorer: similarity } } }";

/** One gateway process of the build under test, with its own database; identical but for the shadow entry. */
async function startGateway(side: Side): Promise<Started & { pool: Pool }> {
  const file = join(work, `${side}.yaml`);
  const model = `models:\n  - name: story\n    pricing: { input_per_million: 1, output_per_million: 2 }\n    deployments:\n      - { provider: openai-compatible, base_url: "${primaryUrl}", upstream_model: tiny }\n`;
  // JSON request lines and the request log stay on in both, as in production.
  writeFileSync(file, `server: { port: 0 }\nlogging: { level: info, requests: true }\nadmin: { open_on_loopback: true }\ndatabase: { path: "${join(work, `${side}.db`)}" }\n${side === "on" ? shadowEntry : ""}\n${model}`);
  const started = await startProcess("node", [...gantryEntry(values.gateway, root), "serve", "--config", file], /"url":"(http:[^"]+)"/, { logFile: join(work, `${side}.log`) });
  // Both registries get the candidate as version 2, so they differ only in mirroring it.
  const created = await fetch(`${started.match}/admin/models/story/versions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ deployments: [{ provider: "openai-compatible", base_url: candidateUrl, upstream_model: "tiny-2" }] }),
  });
  if (created.status !== 201) throw new Error(`creating version 2 on the ${side} gateway: HTTP ${created.status} ${await created.text()}`);
  return { ...started, pool: new Pool(started.match, { connections: 256 }) };
}

const gateways = { off: await startGateway("off"), on: await startGateway("on") };

/** The client answers of one phase, by request index, for the byte-identity check. */
type Answers = string[];
interface Phase extends RateRunSummary {
  side: Side;
  rep: number;
  p95: number;
  /** The gateway's event-loop delay over the phase: the main-thread stalls the shadow work could add. */
  loopDelay: LoopDelay;
  latenciesMs: number[];
}

const sent: Record<Side, number> = { off: 0, on: 0 };

async function phase(side: Side, rep: number, rate: number, ms: number, answers: Answers): Promise<Phase> {
  let index = 0;
  // A scrape resets the gateway's event-loop delay histogram, so the one after the phase reads that phase alone.
  await scrapeLoopDelay(gateways[side].match);
  const result = await runConstantRate(rate, ms, async () => {
    const k = index++;
    sent[side]++;
    // Unique prompts within a phase (no coalescing or caching of identical requests), the same ones on both sides.
    const body = JSON.stringify({ model: "story", messages: [{ role: "user", content: `question ${rep}-${k}` }] });
    const response = await gateways[side].pool.request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" }, body });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}: ${text}`);
    answers[k] = text;
  });
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  const loopDelay = await scrapeLoopDelay(gateways[side].match);
  return { side, rep, ...summarizeRun(result), p95: round(percentile(sorted, 0.95)), loopDelay, latenciesMs: result.latenciesMs };
}

// Warm-up: connection pools, JIT, the shadow path's lazy parts.
for (const side of ["off", "on"] as const) await phase(side, -1, Math.min(rps, 100), 2000, []);

const phases: Phase[] = [];
let compared = 0;
let mismatched = 0;
const mismatches: { rep: number; index: number; off: string; on: string }[] = [];
for (let rep = 0; rep < reps; rep++) {
  const answers: Record<Side, Answers> = { off: [], on: [] };
  // Alternate which side goes first, so neither always follows the other's tail.
  const order: Side[] = rep % 2 === 0 ? ["off", "on"] : ["on", "off"];
  for (const side of order) phases.push(await phase(side, rep, rps, phaseMs, answers[side]));
  for (let index = 0; index < Math.max(answers.off.length, answers.on.length); index++) {
    const off = answers.off[index];
    const on = answers.on[index];
    if (off === undefined || on === undefined) continue;
    compared++;
    if (off === on) continue;
    mismatched++;
    if (mismatches.length < 5) mismatches.push({ rep, index, off, on });
  }
}

// Shadow calls finish after their client answers: wait until the stored comparisons stop growing, then count them.
interface ShadowView {
  comparisons: number;
  failed: number;
  agreement_rate: number | null;
  counters: { mirrored: number; dropped_concurrency: number; dropped_budget: number };
}
async function shadowView(): Promise<ShadowView> {
  const response = await fetch(`${gateways.on.match}/admin/models/story/shadow?limit=1&version=2`);
  return (await response.json()) as ShadowView;
}
let view = await shadowView();
for (let tries = 0; tries < 50 && view.comparisons + view.failed < view.counters.mirrored; tries++) {
  await new Promise((resolve) => setTimeout(resolve, 200));
  view = await shadowView();
}

await Promise.all([gateways.off.pool.close(), gateways.on.pool.close()]);
await Promise.all([stopProcess(gateways.off.child), stopProcess(gateways.on.child)]);
await stopProcess(upstreams.child);

const sideSummary = (side: Side): { p50: number; p95: number; p99: number; max: number; count: number; errors: number; achievedRps: number; loopDelayP99Ms: number; loopDelayMaxMs: number } => {
  const parts = phases.filter((item) => item.side === side);
  const all = parts.flatMap((item) => item.latenciesMs);
  const summary = summarize(all);
  return {
    p50: summary.p50,
    p95: round(percentile([...all].sort((a, b) => a - b), 0.95)),
    p99: summary.p99,
    max: summary.max,
    count: summary.count,
    errors: parts.reduce((sum, item) => sum + item.errors, 0),
    achievedRps: round(parts.reduce((sum, item) => sum + item.achievedRps, 0) / parts.length),
    loopDelayP99Ms: round(parts.reduce((sum, item) => sum + item.loopDelay.p99Ms, 0) / parts.length),
    loopDelayMaxMs: Math.max(...parts.map((item) => item.loopDelay.maxMs)),
  };
};
const off = sideSummary("off");
const on = sideSummary("on");
const deltaP99 = round(on.p99 - off.p99);
const repDeltas = Array.from({ length: reps }, (_, rep) => {
  const of = (side: Side): Phase | undefined => phases.find((item) => item.rep === rep && item.side === side);
  return round((of("on")?.latency.p99 ?? Number.NaN) - (of("off")?.latency.p99 ?? Number.NaN));
});
const stored = view.comparisons + view.failed;

const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version },
  gateway: values.gateway,
  setup: "three processes: fake primary + candidate upstreams; gateway (shadow off) and gateway (shadow 100%) of the same build; this load generator",
  rps,
  secondsPerPhase: phaseMs / 1000,
  reps,
  upstreamDelayMs: delayMs,
  shadowOff: off,
  shadowOn: on,
  p99DeltaMs: deltaP99,
  p99DeltaPerRepMs: repDeltas,
  targetP99DeltaMs: 1,
  identicalAnswers: { compared, mismatched, examples: mismatches },
  shadow: { sentToShadowGateway: sent.on, mirrored: view.counters.mirrored, stored, scored: view.comparisons, failed: view.failed, agreementRate: view.agreement_rate, droppedConcurrency: view.counters.dropped_concurrency, droppedBudget: view.counters.dropped_budget },
  phases: phases.map(({ latenciesMs: _latencies, ...rest }) => rest),
};
writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);

const fixed = (value: number): string => value.toFixed(3);
console.log(`\nShadow at 100% vs off: ${rps} RPS constant arrival, ${reps} × ${phaseMs / 1000} s per side, alternating; upstream ${delayMs} ms (latency from scheduled send, ms)`);
console.table(
  (["p50", "p95", "p99", "max"] as const).map((key) => ({ "": key, "shadow off": fixed(off[key]), "shadow 100%": fixed(on[key]), delta: fixed(on[key] - off[key]) })),
);
console.log(`p99 delta ${fixed(deltaP99)} ms (target ≤ 1 ms); per repetition: ${repDeltas.map(fixed).join(", ")}`);
console.log(`errors: off ${off.errors}, on ${on.errors}; achieved RPS: off ${off.achievedRps}, on ${on.achievedRps}`);
console.log(`gateway event-loop delay (mean of phase p99s / max): off ${fixed(off.loopDelayP99Ms)} / ${fixed(off.loopDelayMaxMs)} ms, on ${fixed(on.loopDelayP99Ms)} / ${fixed(on.loopDelayMaxMs)} ms`);
console.log(`client answers byte-identical: ${compared - mismatched} of ${compared} pairs${mismatched === 0 ? "" : " (MISMATCH)"}`);
console.log(`shadow: ${view.counters.mirrored} mirrored of ${sent.on} requests (warm-up included), ${stored} comparisons stored (${view.failed} failed), agreement ${view.agreement_rate?.toFixed(3) ?? "n/a"}; dropped: ${view.counters.dropped_concurrency} concurrency, ${view.counters.dropped_budget} budget`);
console.log(`Saved ${values.out}`);
if (mismatched > 0 || stored < view.counters.mirrored || view.counters.mirrored === 0) process.exitCode = 1;

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
