// Shadow traffic's cost to the client. Separate processes, so the shadow work competes with nothing but the gateway it
// runs in: the fake model servers (primary and candidate, one process each as in production; fixed latency,
// deterministic answers), two gateway processes of the same build (shadow off; shadow mirroring 100% to the candidate
// version), and this load generator. The same
// constant-rate load goes to each gateway in alternating phases (off, on, off, on…) so drift in machine load hits both
// alike; request k of an off phase and of the on phase after it carry the same prompt, and their client answers must be
// byte-identical. Then a paired phase sends each request to both gateways at the same instant (see `pairedPhase`), which
// cancels the machine's own stalls out of the comparison. Prints p50/p95/p99 side by side for both, the p99 deltas
// (target ≤ 1 ms, judged on the paired phase) with their spread, and the gateway's CPU per request on each side;
// checks that every mirrored
// request's comparison was stored, and saves JSON next to this script.
// Usage: npm run build && npx tsx bench/shadow/run.ts [--gateway dist|source] [--rps 150] [--seconds 8] [--reps 4] [--paired-seconds 40] [--delay-ms 30]
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { runConstantRate, summarizeRun, type RateRunSummary } from "../lib/constant-rate.js";
import { scrapeLoopDelay, type LoopDelay } from "../lib/event-loop-delay.js";
import { gantryEntry, processCpuMs, startProcess, stopProcess, type Started } from "../lib/processes.js";
import { percentile, summarize } from "../lib/stats.js";

const { values } = parseArgs({
  options: {
    rps: { type: "string", default: "150" },
    // Seconds of load per phase; each gateway gets `reps` phases.
    seconds: { type: "string", default: "8" },
    reps: { type: "string", default: "4" },
    // Seconds of the paired phase: the same load sent to both gateways at once, request by request.
    "paired-seconds": { type: "string", default: "40" },
    "delay-ms": { type: "string", default: "30" },
    gateway: { type: "string", default: "dist" },
    // Extra node flags for both gateway processes, e.g. --node-flag=--cpu-prof --node-flag=--cpu-prof-dir=DIR.
    "node-flag": { type: "string", multiple: true, default: [] },
    out: { type: "string", default: "bench/shadow/results.json" },
  },
});
const rps = Number(values.rps);
const phaseMs = Number(values.seconds) * 1000;
const reps = Number(values.reps);
const pairedMs = Number(values["paired-seconds"]) * 1000;
const delayMs = Number(values["delay-ms"]);
const root = new URL("../..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "gantry-shadow-"));
type Side = "off" | "on";

/** One fake model server process (see upstreams.ts). */
const startUpstream = (role: "primary" | "candidate"): Promise<Started> => startProcess("node", ["--import", "tsx", join(root, "bench/shadow/upstreams.ts")], /url=(\S+)\n/, { env: { FAKE_ROLE: role, FAKE_DELAY_MS: String(delayMs) } });
const upstreams = { primary: await startUpstream("primary"), candidate: await startUpstream("candidate") };
const [primaryUrl, candidateUrl] = [upstreams.primary.match, upstreams.candidate.match];

const shadowEntry = "registry: { shadow: { story: { version: 2, percent: 100, max_concurrency: 64, budget_usd_per_day: 1000, scorer: similarity } } }";

/** One gateway process of the build under test, with its own database; identical but for the shadow entry. */
async function startGateway(side: Side): Promise<Started & { pool: Pool }> {
  const file = join(work, `${side}.yaml`);
  const model = `models:\n  - name: story\n    pricing: { input_per_million: 1, output_per_million: 2 }\n    deployments:\n      - { provider: openai-compatible, base_url: "${primaryUrl}", upstream_model: tiny }\n`;
  // JSON request lines and the request log stay on in both, as in production.
  writeFileSync(file, `server: { port: 0 }\nlogging: { level: info, requests: true }\nadmin: { open_on_loopback: true }\ndatabase: { path: "${join(work, `${side}.db`)}" }\n${side === "on" ? shadowEntry : ""}\n${model}`);
  const started = await startProcess("node", [...values["node-flag"], ...gantryEntry(values.gateway, root), "serve", "--config", file], /"url":"(http:[^"]+)"/, { logFile: join(work, `${side}.log`) });
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
  /** The gateway process's CPU time (all its threads) per client request over the phase, ms. */
  gatewayCpuMsPerRequest: number;
  latenciesMs: number[];
}

const sent: Record<Side, number> = { off: 0, on: 0 };

async function phase(side: Side, rep: number, rate: number, ms: number, answers: Answers): Promise<Phase> {
  let index = 0;
  // A scrape resets the gateway's event-loop delay histogram, so the one after the phase reads that phase alone.
  await scrapeLoopDelay(gateways[side].match);
  const cpuBefore = processCpuMs(gateways[side].child.pid ?? 0);
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
  // Shadow calls end after their client answers: give them a moment, so the phase's CPU includes its own shadow work.
  await new Promise((resolve) => setTimeout(resolve, 2 * delayMs + 50));
  const gatewayCpuMsPerRequest = round((processCpuMs(gateways[side].child.pid ?? 0) - cpuBefore) / Math.max(1, result.latenciesMs.length));
  const loopDelay = await scrapeLoopDelay(gateways[side].match);
  return { side, rep, ...summarizeRun(result), p95: round(percentile(sorted, 0.95)), loopDelay, gatewayCpuMsPerRequest, latenciesMs: result.latenciesMs };
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

/**
 * The paired phase: each scheduled request goes to both gateways at the same instant (which one first alternates),
 * with the same prompt, and each side's latency counts from that instant. A stall of the machine (this load
 * generator's GC, the scheduler) then hits both sides of a pair alike, so the difference between the sides is the
 * shadow work's own cost to the client; in the alternating phases such stalls land in one side's phase or the other's
 * and swamp a millisecond. The CPU that the shadow work takes from the machine still slows both sides here.
 */
async function pairedPhase(rate: number, ms: number): Promise<{ off: number[]; on: number[]; compared: number; mismatched: number }> {
  const latencies: Record<Side, number[]> = { off: [], on: [] };
  let index = 0;
  let pairs = 0;
  let differing = 0;
  const result = await runConstantRate(rate, ms, async () => {
    const k = index++;
    sent.on++;
    sent.off++;
    const body = JSON.stringify({ model: "story", messages: [{ role: "user", content: `paired question ${k}` }] });
    const started = performance.now();
    const send = async (side: Side): Promise<string> => {
      const response = await gateways[side].pool.request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" }, body });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}: ${text}`);
      latencies[side][k] = performance.now() - started;
      return text;
    };
    const [first, second]: Side[] = k % 2 === 0 ? ["off", "on"] : ["on", "off"];
    const answers = await Promise.all([send(first ?? "off"), send(second ?? "on")]);
    pairs++;
    if (answers[0] !== answers[1]) differing++;
  });
  if (result.errors > 0) throw new Error(`${result.errors} paired requests failed`);
  return { off: latencies.off, on: latencies.on, compared: pairs, mismatched: differing };
}

/**
 * A 95% bootstrap interval for p99(on) − p99(off): pairs are resampled whole, so a stall both sides of a pair met
 * stays in both (resampling each side on its own would count the machine's noise twice).
 */
function bootstrapP99Delta(off: readonly number[], on: readonly number[], rounds = 400): { low: number; high: number } {
  const deltas = Array.from({ length: rounds }, () => {
    const picks = Array.from({ length: off.length }, () => Math.floor(Math.random() * off.length));
    const p99Of = (sample: readonly number[]): number => percentile(picks.map((pick) => sample[pick] ?? 0).sort((a, b) => a - b), 0.99);
    return p99Of(on) - p99Of(off);
  }).sort((a, b) => a - b);
  return { low: round(percentile(deltas, 0.025)), high: round(percentile(deltas, 0.975)) };
}

const paired = await pairedPhase(rps, pairedMs);
compared += paired.compared;
mismatched += paired.mismatched;
const pairedSummary = { off: summarize(paired.off), on: summarize(paired.on) };
const pairedP95 = { off: round(percentile([...paired.off].sort((a, b) => a - b), 0.95)), on: round(percentile([...paired.on].sort((a, b) => a - b), 0.95)) };
const pairedDelta = round(pairedSummary.on.p99 - pairedSummary.off.p99);
const pairedInterval = bootstrapP99Delta(paired.off, paired.on);

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
await Promise.all([stopProcess(upstreams.primary.child), stopProcess(upstreams.candidate.child)]);

const sideSummary = (side: Side): { p50: number; p95: number; p99: number; max: number; count: number; errors: number; achievedRps: number; loopDelayP99Ms: number; loopDelayMaxMs: number; gatewayCpuMsPerRequest: number } => {
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
    gatewayCpuMsPerRequest: round(parts.reduce((sum, item) => sum + item.gatewayCpuMsPerRequest, 0) / parts.length),
  };
};
const off = sideSummary("off");
const on = sideSummary("on");
const deltaP99 = round(on.p99 - off.p99);
const repDeltas = Array.from({ length: reps }, (_, rep) => {
  const of = (side: Side): Phase | undefined => phases.find((item) => item.rep === rep && item.side === side);
  return round((of("on")?.latency.p99 ?? Number.NaN) - (of("off")?.latency.p99 ?? Number.NaN));
});
// Each repetition pairs an off and an on phase run back to back: the spread of their p99 deltas says how far the pooled
// delta can be trusted on this machine (a 95% interval from Student's t over the repetitions).
const repMean = repDeltas.reduce((sum, value) => sum + value, 0) / reps;
const repSd = Math.sqrt(repDeltas.reduce((sum, value) => sum + (value - repMean) ** 2, 0) / Math.max(1, reps - 1));
const tQuantile = [12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23][Math.max(0, Math.min(reps - 2, 9))] ?? 2;
const repInterval = { mean: round(repMean), low: round(repMean - (tQuantile * repSd) / Math.sqrt(reps)), high: round(repMean + (tQuantile * repSd) / Math.sqrt(reps)) };
const stored = view.comparisons + view.failed;

const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version },
  gateway: values.gateway,
  setup: "five processes: fake primary upstream, fake candidate upstream, gateway (shadow off) and gateway (shadow 100%) of the same build, this load generator",
  rps,
  secondsPerPhase: phaseMs / 1000,
  reps,
  upstreamDelayMs: delayMs,
  shadowOff: off,
  shadowOn: on,
  p99DeltaMs: deltaP99,
  p99DeltaPerRepMs: repDeltas,
  p99DeltaPerRepMean95: repInterval,
  paired: { seconds: pairedMs / 1000, shadowOff: { ...pairedSummary.off, p95: pairedP95.off }, shadowOn: { ...pairedSummary.on, p95: pairedP95.on }, p99DeltaMs: pairedDelta, p99Delta95: pairedInterval },
  targetP99DeltaMs: 1,
  pass: pairedDelta <= 1,
  identicalAnswers: { compared, mismatched, examples: mismatches },
  shadow: { sentToShadowGateway: sent.on, mirrored: view.counters.mirrored, stored, scored: view.comparisons, failed: view.failed, agreementRate: view.agreement_rate, droppedConcurrency: view.counters.dropped_concurrency, droppedBudget: view.counters.dropped_budget },
  phases: phases.map(({ latenciesMs: _latencies, ...rest }) => rest),
};
writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);

const fixed = (value: number): string => value.toFixed(3);
console.log(`\nPaired: every request to both gateways at once, ${rps} RPS for ${pairedMs / 1000} s (latency from the common send instant, ms)`);
console.table(
  (["p50", "p95", "p99", "max"] as const).map((key) => {
    const offValue = key === "p95" ? pairedP95.off : pairedSummary.off[key];
    const onValue = key === "p95" ? pairedP95.on : pairedSummary.on[key];
    return { "": key, "shadow off": fixed(offValue), "shadow 100%": fixed(onValue), delta: fixed(onValue - offValue) };
  }),
);
console.log(`paired p99 delta ${fixed(pairedDelta)} ms, 95% bootstrap interval ${fixed(pairedInterval.low)} … ${fixed(pairedInterval.high)} (target ≤ 1 ms): ${pairedDelta <= 1 ? "PASS" : "MISS"}`);
console.log(`\nAlternating: shadow at 100% vs off, ${rps} RPS constant arrival, ${reps} × ${phaseMs / 1000} s per side; upstream ${delayMs} ms (latency from scheduled send, ms)`);
console.table(
  (["p50", "p95", "p99", "max"] as const).map((key) => ({ "": key, "shadow off": fixed(off[key]), "shadow 100%": fixed(on[key]), delta: fixed(on[key] - off[key]) })),
);
console.log(`alternating p99 delta ${fixed(deltaP99)} ms; per repetition: ${repDeltas.map(fixed).join(", ")}`);
console.log(`mean of per-repetition p99 deltas ${fixed(repInterval.mean)} ms, 95% interval ${fixed(repInterval.low)} … ${fixed(repInterval.high)}`);
console.log(`gateway CPU per request (all threads, shadow work included): off ${fixed(off.gatewayCpuMsPerRequest)} ms, on ${fixed(on.gatewayCpuMsPerRequest)} ms`);
console.log(`errors: off ${off.errors}, on ${on.errors}; achieved RPS: off ${off.achievedRps}, on ${on.achievedRps}`);
console.log(`gateway event-loop delay (mean of phase p99s / max): off ${fixed(off.loopDelayP99Ms)} / ${fixed(off.loopDelayMaxMs)} ms, on ${fixed(on.loopDelayP99Ms)} / ${fixed(on.loopDelayMaxMs)} ms`);
console.log(`client answers byte-identical: ${compared - mismatched} of ${compared} pairs${mismatched === 0 ? "" : " (MISMATCH)"}`);
console.log(`shadow: ${view.counters.mirrored} mirrored of ${sent.on} requests (warm-up included), ${stored} comparisons stored (${view.failed} failed), agreement ${view.agreement_rate?.toFixed(3) ?? "n/a"}; dropped: ${view.counters.dropped_concurrency} concurrency, ${view.counters.dropped_budget} budget`);
console.log(`Saved ${values.out}`);
if (mismatched > 0 || stored < view.counters.mirrored || view.counters.mirrored === 0) process.exitCode = 1;

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
