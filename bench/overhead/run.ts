// Gateway overhead: the same constant-rate load against the fake upstream directly and through the gateway, in one run.
// Usage: npx tsx bench/overhead/run.ts [--rps 1000] [--seconds 10] [--max-rps-steps 1000,2000,3000,4000]
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { runConstantRate, summarizeRun, type RateRunResult, type RateRunSummary } from "../lib/constant-rate.js";
import { startProcess, stopProcess } from "../lib/processes.js";

const { values } = parseArgs({
  options: {
    rps: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
    "max-rps-steps": { type: "string", default: "1000,1500,2000,2500,3000,4000" },
    out: { type: "string", default: "bench/overhead/results.json" },
  },
});
const rps = Number(values.rps);
const durationMs = Number(values.seconds) * 1000;
const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const work = mkdtempSync(join(tmpdir(), "gantry-overhead-"));

const upstream = await startProcess(tsx, [join(root, "test/helpers/fake-upstream-main.ts")], /(http:\S+)\n/);
const configFile = join(work, "gantry.yaml");
writeFileSync(configFile, `server: { port: 0 }\nlogging: { level: info, requests: true }\nmodels:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.match}", upstream_model: tiny }\n`);
// The gateway logs one JSON line per request to a file: logging stays on, as in production.
const gatewayLog = join(work, "gateway.log");
const gateway = await startProcess("node", ["--import", "tsx", join(root, "src/cli/gantry.ts"), "serve", "--config", configFile], /"url":"(http:[^"]+)"/, { logFile: gatewayLog });

const directOrigin = new URL(upstream.match).origin;
const pools = { direct: new Pool(directOrigin, { connections: 256 }), via: new Pool(gateway.match, { connections: 256 }) };
const paths = { direct: "/v1/chat/completions", via: "/v1/chat/completions" };
const bodies = {
  direct: { plain: JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "Hello" }] }), stream: JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "Hello" }], stream: true }) },
  via: { plain: JSON.stringify({ model: "story", messages: [{ role: "user", content: "Hello" }] }), stream: JSON.stringify({ model: "story", messages: [{ role: "user", content: "Hello" }], stream: true }) },
};

function sender(target: "direct" | "via", mode: "plain" | "stream"): () => Promise<void> {
  const pool = pools[target];
  const body = bodies[target][mode];
  return async () => {
    const response = await pool.request({ path: paths[target], method: "POST", headers: { "content-type": "application/json" }, body });
    const text = await response.body.text();
    if (response.statusCode !== 200 || (mode === "stream" && !text.endsWith("data: [DONE]\n\n"))) throw new Error(`status ${response.statusCode}`);
  };
}

interface Phase extends RateRunSummary {
  target: "direct" | "via";
  mode: "plain" | "stream";
  rps: number;
}

async function phase(target: "direct" | "via", mode: "plain" | "stream", rate: number, ms: number): Promise<Phase> {
  const result: RateRunResult = await runConstantRate(rate, ms, sender(target, mode));
  return { target, mode, rps: rate, ...summarizeRun(result) };
}

// Warm up connection pools, JIT and the gateway's lazy paths.
for (const target of ["direct", "via"] as const) for (const mode of ["plain", "stream"] as const) await phase(target, mode, 500, 2000);

const phases: Phase[] = [];
for (const mode of ["plain", "stream"] as const) {
  // Alternate direct/via in two halves so drift in machine load hits both sides alike.
  for (const target of ["direct", "via", "direct", "via"] as const) phases.push(await phase(target, mode, rps, durationMs / 2));
}

function merged(target: "direct" | "via", mode: "plain" | "stream"): { p50: number; p99: number; errors: number } {
  const parts = phases.filter((item) => item.target === target && item.mode === mode);
  return {
    p50: parts.reduce((sum, item) => sum + item.latency.p50, 0) / parts.length,
    p99: parts.reduce((sum, item) => sum + item.latency.p99, 0) / parts.length,
    errors: parts.reduce((sum, item) => sum + item.errors, 0),
  };
}

const overhead = (["plain", "stream"] as const).map((mode) => {
  const direct = merged("direct", mode);
  const via = merged("via", mode);
  return { mode: mode === "plain" ? "non-stream" : "stream", rps, direct, via, overheadP50Ms: round(via.p50 - direct.p50), overheadP99Ms: round(via.p99 - direct.p99) };
});

// Max sustained RPS: the highest step where every request succeeded, the schedule held (≥ 97% achieved) and p99 stayed under 50 ms.
const maxSustained: Record<string, number> = {};
const steps: Phase[] = [];
for (const target of ["direct", "via"] as const) {
  maxSustained[target] = 0;
  for (const step of values["max-rps-steps"].split(",").map(Number)) {
    const result = await phase(target, "plain", step, 3000);
    steps.push(result);
    const sustained = result.errors === 0 && result.achievedRps >= step * 0.97 && result.latency.p99 < 50;
    if (!sustained) break;
    maxSustained[target] = step;
  }
}

await Promise.all([pools.direct.close(), pools.via.close()]);
await stopProcess(gateway.child);
await stopProcess(upstream.child);

const report = { date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version }, logging: "on (JSON line per request to a file)", rps, secondsPerSide: durationMs / 1000, overhead, maxSustainedRps: maxSustained, phases, steps };
writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);

console.log(`\nGateway overhead at ${rps} RPS constant arrival, ${durationMs / 1000}s per side (latency from scheduled send):`);
console.table(overhead.map((row) => ({ mode: row.mode, "direct p50": row.direct.p50.toFixed(3), "via p50": row.via.p50.toFixed(3), "direct p99": row.direct.p99.toFixed(3), "via p99": row.via.p99.toFixed(3), "overhead p50 ms": row.overheadP50Ms, "overhead p99 ms": row.overheadP99Ms, errors: row.direct.errors + row.via.errors })));
console.log(`Max sustained RPS (non-stream, p99 < 50 ms, no errors): direct ${maxSustained["direct"]}, via gateway ${maxSustained["via"]}`);
console.log(`Saved ${values.out}`);

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
