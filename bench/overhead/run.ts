// Gateway overhead: the same constant-rate load against the fake upstream directly and through the gateway, in one run.
// Cold phases first: a fresh gateway process per mode gets the full rate from the moment it listens, for --cold-seconds.
// Then warm phases on one gateway after a warm-up, and the max sustained rate.
// Usage: npm run build && npx tsx bench/overhead/run.ts [--gateway dist|source] [--rps 1000] [--seconds 10] [--cold-seconds 5] [--max-rps-steps 1000,2000,3000,4000|none]
//        [--overhead-budget-ms 5]  (capacity: the highest step whose p99 overhead, via − direct at that step, stays within it)
//        [--cpu-prof-dir DIR]  (runs every gateway under `node --cpu-prof`; one .cpuprofile per gateway process)
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { runConstantRate, summarizeRun, type RateRunResult, type RateRunSummary } from "../lib/constant-rate.js";
import { gantryEntry, startProcess, stopProcess, type Started } from "../lib/processes.js";

const { values } = parseArgs({
  options: {
    rps: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
    "cold-seconds": { type: "string", default: "5" },
    "max-rps-steps": { type: "string", default: "1000,1500,2000,2500,3000,4000" },
    "overhead-budget-ms": { type: "string", default: "5" },
    "cpu-prof-dir": { type: "string" },
    // dist: the compiled build, as `npm start` runs it (run `npm run build` first); source: TypeScript through tsx.
    gateway: { type: "string", default: "dist" },
    out: { type: "string", default: "bench/overhead/results.json" },
  },
});
const rps = Number(values.rps);
const durationMs = Number(values.seconds) * 1000;
const coldMs = Number(values["cold-seconds"]) * 1000;
const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const work = mkdtempSync(join(tmpdir(), "gantry-overhead-"));
const profileFlags = values["cpu-prof-dir"] === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${values["cpu-prof-dir"]}`];

type Mode = "plain" | "stream";
const modes = ["plain", "stream"] as const;

const upstream = await startProcess(tsx, [join(root, "test/helpers/fake-upstream-main.ts")], /(http:\S+)\n/);
const configFile = join(work, "gantry.yaml");
writeFileSync(configFile, `server: { port: 0 }\ndatabase: { path: "${join(work, "gantry.db")}" }\nlogging: { level: info, requests: true }\nmodels:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.match}", upstream_model: tiny }\n`);
// The gateway logs one JSON line per request to a file: logging stays on, as in production.
const gatewayLog = join(work, "gateway.log");

/** Starts a fresh gateway process; resolves once it logs its URL, with how long that took. */
async function startGateway(): Promise<Started & { startupMs: number }> {
  const begun = performance.now();
  const started = await startProcess("node", [...profileFlags, ...gantryEntry(values.gateway, root), "serve", "--config", configFile], /"url":"(http:[^"]+)"/, { logFile: gatewayLog });
  return { ...started, startupMs: Math.round(performance.now() - begun) };
}

const bodies = {
  direct: { plain: JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "Hello" }] }), stream: JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "Hello" }], stream: true }) },
  via: { plain: JSON.stringify({ model: "story", messages: [{ role: "user", content: "Hello" }] }), stream: JSON.stringify({ model: "story", messages: [{ role: "user", content: "Hello" }], stream: true }) },
};

function sender(pool: Pool, target: "direct" | "via", mode: Mode): () => Promise<void> {
  const body = bodies[target][mode];
  return async () => {
    const response = await pool.request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" }, body });
    const text = await response.body.text();
    if (response.statusCode !== 200 || (mode === "stream" && !text.endsWith("data: [DONE]\n\n"))) throw new Error(`status ${response.statusCode}`);
  };
}

interface Phase extends RateRunSummary {
  target: "direct" | "via";
  mode: Mode;
  rps: number;
}

async function phase(pool: Pool, target: "direct" | "via", mode: Mode, rate: number, ms: number): Promise<Phase> {
  const result: RateRunResult = await runConstantRate(rate, ms, sender(pool, target, mode));
  return { target, mode, rps: rate, ...summarizeRun(result) };
}

const direct = new Pool(new URL(upstream.match).origin, { connections: 256 });
// Warm the upstream and the client first, so the cold phases measure only the gateway's coldness.
for (const mode of modes) await phase(direct, "direct", mode, 500, 2000);

// Cold: a fresh gateway process per mode, loaded at the full rate from the moment it listens.
const cold: (Phase & { startupMs: number })[] = [];
for (const mode of modes) {
  const fresh = await startGateway();
  const pool = new Pool(fresh.match, { connections: 256 });
  cold.push({ ...(await phase(pool, "via", mode, rps, coldMs)), startupMs: fresh.startupMs });
  await pool.close();
  await stopProcess(fresh.child);
}

const gateway = await startGateway();
const via = new Pool(gateway.match, { connections: 256 });
const pools = { direct, via };
// Warm up the gateway's connection pool, JIT and lazy paths.
for (const mode of modes) await phase(via, "via", mode, 500, 2000);

const phases: Phase[] = [];
for (const mode of modes) {
  // Alternate direct/via in two halves so drift in machine load hits both sides alike.
  for (const target of ["direct", "via", "direct", "via"] as const) phases.push(await phase(pools[target], target, mode, rps, durationMs / 2));
}

function merged(target: "direct" | "via", mode: Mode): { p50: number; p99: number; errors: number } {
  const parts = phases.filter((item) => item.target === target && item.mode === mode);
  return {
    p50: parts.reduce((sum, item) => sum + item.latency.p50, 0) / parts.length,
    p99: parts.reduce((sum, item) => sum + item.latency.p99, 0) / parts.length,
    errors: parts.reduce((sum, item) => sum + item.errors, 0),
  };
}

const modeName = (mode: Mode): string => (mode === "plain" ? "non-stream" : "stream");
const targets = { warm: { plain: 2, stream: 5 }, cold: 20 };
const overhead = modes.map((mode) => {
  const baseline = merged("direct", mode);
  const warm = merged("via", mode);
  const coldPhase = cold.find((item) => item.mode === mode);
  const coldVia = { p50: coldPhase?.latency.p50 ?? Number.NaN, p99: coldPhase?.latency.p99 ?? Number.NaN, errors: coldPhase?.errors ?? 0 };
  return {
    mode: modeName(mode),
    rps,
    direct: baseline,
    via: warm,
    overheadP50Ms: round(warm.p50 - baseline.p50),
    overheadP99Ms: round(warm.p99 - baseline.p99),
    targetP99Ms: targets.warm[mode],
    cold: { via: coldVia, startupMs: coldPhase?.startupMs, overheadP50Ms: round(coldVia.p50 - baseline.p50), overheadP99Ms: round(coldVia.p99 - baseline.p99), targetP99Ms: targets.cold },
  };
});

// Max sustained RPS: the highest step where every request succeeded, the schedule held (≥ 97% achieved) and p99 stayed under 50 ms.
const maxSustained: Record<string, number> = {};
const steps: Phase[] = [];
const stepRates = values["max-rps-steps"] === "none" ? [] : values["max-rps-steps"].split(",").map(Number);
for (const target of ["direct", "via"] as const) {
  maxSustained[target] = 0;
  for (const step of stepRates) {
    const result = await phase(pools[target], target, "plain", step, 3000);
    steps.push(result);
    const sustained = result.errors === 0 && result.achievedRps >= step * 0.97 && result.latency.p99 < 50;
    if (!sustained) break;
    maxSustained[target] = step;
  }
}

// Capacity per gateway process (docs/scale-out.md#capacity): the highest step the gateway sustained whose p99 overhead
// over the direct run at the same rate stays within the budget. A step the direct run did not reach cannot count.
const overheadBudgetMs = Number(values["overhead-budget-ms"]);
let capacityRps = 0;
for (const step of steps) {
  const baseline = steps.find((other) => other.target === "direct" && other.rps === step.rps);
  if (step.target !== "via" || baseline === undefined || step.rps > (maxSustained["via"] ?? 0)) continue;
  if (step.latency.p99 - baseline.latency.p99 <= overheadBudgetMs) capacityRps = Math.max(capacityRps, step.rps);
}

await Promise.all([direct.close(), via.close()]);
await stopProcess(gateway.child);
await stopProcess(upstream.child);

const report = { date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version }, logging: "on (JSON line per request to a file)", rps, secondsPerSide: durationMs / 1000, coldSeconds: coldMs / 1000, overhead, maxSustainedRps: maxSustained, capacity: { overheadBudgetMs, rps: capacityRps }, cold, phases, steps };
writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);

const fixed = (value: number): string => value.toFixed(3);
console.log(`\nGateway overhead at ${rps} RPS constant arrival (latency from scheduled send; overhead = via − direct, direct measured warm):`);
console.table(
  overhead.flatMap((row) => [
    { phase: `cold (first ${coldMs / 1000}s)`, mode: row.mode, "direct p50": fixed(row.direct.p50), "via p50": fixed(row.cold.via.p50), "direct p99": fixed(row.direct.p99), "via p99": fixed(row.cold.via.p99), "overhead p50 ms": row.cold.overheadP50Ms, "overhead p99 ms": row.cold.overheadP99Ms, "target p99 ms": row.cold.targetP99Ms, errors: row.cold.via.errors },
    { phase: `warm (${durationMs / 1000}s per side)`, mode: row.mode, "direct p50": fixed(row.direct.p50), "via p50": fixed(row.via.p50), "direct p99": fixed(row.direct.p99), "via p99": fixed(row.via.p99), "overhead p50 ms": row.overheadP50Ms, "overhead p99 ms": row.overheadP99Ms, "target p99 ms": row.targetP99Ms, errors: row.direct.errors + row.via.errors },
  ]),
);
console.log(`Gateway startup (spawn to listening): ${cold.map((item) => `${item.startupMs} ms`).join(", ")}`);
if (stepRates.length > 0) {
  console.log(`Max sustained RPS (non-stream, p99 < 50 ms, no errors): direct ${maxSustained["direct"]}, via gateway ${maxSustained["via"]}`);
  console.log(`Capacity per gateway process (non-stream, p99 overhead ≤ ${overheadBudgetMs} ms, sustained): ${capacityRps} RPS`);
}
console.log(`Saved ${values.out}`);

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
