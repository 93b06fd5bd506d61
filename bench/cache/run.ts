// Answer cache: latency of an exact hit and of a miss against a 50 ms fake upstream, next to the gateway's bare overhead
// (a model without a cache in front of a 0 ms fake upstream vs that upstream called directly), and upstream calls
// saved under a 30%-repeat workload. A hit's cost over the bare overhead is hit − (no-cache via gateway, 0 ms upstream).
// Usage: npx tsx bench/cache/run.ts [--rps 200] [--seconds 6] [--workload-requests 2000]
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { runConstantRate, summarizeRun, type RateRunSummary } from "../lib/constant-rate.js";
import { startProcess, stopProcess } from "../lib/processes.js";

const { values } = parseArgs({
  options: {
    rps: { type: "string", default: "200" },
    seconds: { type: "string", default: "6" },
    "workload-requests": { type: "string", default: "2000" },
    "repeat-share": { type: "string", default: "0.3" },
    out: { type: "string", default: "bench/cache/results.json" },
  },
});
const rps = Number(values.rps);
const durationMs = Number(values.seconds) * 1000;
const workloadRequests = Number(values["workload-requests"]);
const repeatShare = Number(values["repeat-share"]);
const upstreamDelayMs = 50;
const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const work = mkdtempSync(join(tmpdir(), "gantry-cache-bench-"));

const upstream = await startProcess(tsx, [join(root, "test/helpers/fake-upstream-main.ts")], /(http:\S+)\n/, { env: { FAKE_DELAY_MS: String(upstreamDelayMs) } });
const instant = await startProcess(tsx, [join(root, "test/helpers/fake-upstream-main.ts")], /(http:\S+)\n/, { env: { FAKE_DELAY_MS: "0" } });
const configFile = join(work, "gantry.yaml");
const deployment = (url: string): string => `      - { provider: openai-compatible, base_url: "${url}", upstream_model: tiny }`;
writeFileSync(
  configFile,
  `server: { port: 0 }\ndatabase: { path: "${join(work, "gantry.db")}" }\nlogging: { level: info, requests: true }\ncache: { backend: memory, ttl_seconds: 600 }\nmodels:\n` +
    `  - name: cached\n    cache: { mode: exact }\n    deployments:\n${deployment(upstream.match)}\n` +
    `  - name: plain\n    deployments:\n${deployment(upstream.match)}\n  - name: plain-instant\n    deployments:\n${deployment(instant.match)}\n`,
);
const gateway = await startProcess("node", ["--import", "tsx", join(root, "src/cli/gantry.ts"), "serve", "--config", configFile], /"url":"(http:[^"]+)"/, { logFile: join(work, "gateway.log") }).catch(async (error: unknown) => {
  // Leave no upstream processes behind when the gateway does not come up.
  await Promise.all([stopProcess(upstream.child), stopProcess(instant.child)]);
  throw error;
});

const pools = { direct: new Pool(new URL(instant.match).origin, { connections: 256 }), via: new Pool(gateway.match, { connections: 256 }) };
/** direct and plain-instant: the 0 ms upstream without and with the gateway; plain, hit and miss: the 50 ms one. */
type Target = "direct" | "plain-instant" | "plain" | "hit" | "miss";
const targets = ["direct", "plain-instant", "plain", "hit", "miss"] as const;
let unique = 0;

function bodyFor(target: Target): string {
  const model = target === "direct" ? "tiny" : target === "plain" || target === "plain-instant" ? target : "cached";
  const content = target === "miss" ? `unique question ${unique++}` : "the same question";
  return JSON.stringify({ model, messages: [{ role: "user", content }], temperature: 0 });
}

async function post(target: Target, body: string): Promise<string | undefined> {
  const response = await (target === "direct" ? pools.direct : pools.via).request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" }, body });
  await response.body.text();
  if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
  const cache = response.headers["x-gantry-cache"];
  return typeof cache === "string" ? cache : undefined;
}

interface Phase extends RateRunSummary {
  target: Target;
}

async function phase(target: Target, ms: number): Promise<Phase> {
  const result = await runConstantRate(rps, ms, async () => {
    const cache = await post(target, bodyFor(target));
    if (target === "hit" && cache !== "hit") throw new Error(`expected a hit, got ${cache}`);
  });
  return { target, ...summarizeRun(result) };
}

// Warm-up: pools, JIT, and the one entry the hit phase reads.
await post("hit", bodyFor("hit"));
for (const target of targets) await phase(target, 1000);

// Two halves per target, interleaved, so drift in machine load hits every side alike.
const phases: Phase[] = [];
for (let half = 0; half < 2; half++) for (const target of targets) phases.push(await phase(target, durationMs / 2));
const merged = (target: Target): { p50: number; p90: number; p99: number; errors: number } => {
  const parts = phases.filter((item) => item.target === target);
  return { p50: round(mean(parts.map((item) => item.latency.p50))), p90: round(mean(parts.map((item) => item.latency.p90))), p99: round(mean(parts.map((item) => item.latency.p99))), errors: parts.reduce((sum, item) => sum + item.errors, 0) };
};
const direct = merged("direct");
const plainInstant = merged("plain-instant");
const plain = merged("plain");
const hit = merged("hit");
const miss = merged("miss");
const overhead = { p50: round(plainInstant.p50 - direct.p50), p99: round(plainInstant.p99 - direct.p99) };

// Workload: each request repeats an earlier question with probability `repeatShare`, else asks a new one.
const asked: string[] = [];
const outcomes: Record<string, number> = {};
let seed = 42;
const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
let sent = 0;
const workload = await runConstantRate(rps, (workloadRequests / rps) * 1000, async () => {
  sent++;
  const repeat = asked.length > 0 && random() < repeatShare;
  const content = repeat ? (asked[Math.floor(random() * asked.length)] ?? "") : `workload question ${sent}`;
  if (!repeat) asked.push(content);
  const cache = await post("hit", JSON.stringify({ model: "cached", messages: [{ role: "user", content }], temperature: 0 }));
  outcomes[cache ?? "none"] = (outcomes[cache ?? "none"] ?? 0) + 1;
});
const completed = workload.latenciesMs.length;
const upstreamCalls = outcomes["miss"] ?? 0;

await Promise.all([pools.direct.close(), pools.via.close()]);
await stopProcess(gateway.child);
await stopProcess(upstream.child);
await stopProcess(instant.child);

const summary = {
  hitP50Ms: hit.p50,
  hitP99Ms: hit.p99,
  missP50Ms: miss.p50,
  missP99Ms: miss.p99,
  bareOverheadP50Ms: overhead.p50,
  bareOverheadP99Ms: overhead.p99,
  hitAddedOverBareOverheadP50Ms: round(hit.p50 - plainInstant.p50),
  hitAddedOverBareOverheadP90Ms: round(hit.p90 - plainInstant.p90),
  hitAddedOverBareOverheadP99Ms: round(hit.p99 - plainInstant.p99),
  targetHitAddedP99Ms: 1,
  missAddedOverNoCacheP50Ms: round(miss.p50 - plain.p50),
  missAddedOverNoCacheP99Ms: round(miss.p99 - plain.p99),
};
const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version },
  upstreamDelayMs,
  rps,
  secondsPerTarget: durationMs / 1000,
  latency: { direct, plainInstant, plain, hit, miss },
  summary,
  workload: { requests: workloadRequests, completed, errors: workload.errors, repeatShare, outcomes, upstreamCalls, upstreamCallsSaved: completed - upstreamCalls, savedShare: round((completed - upstreamCalls) / Math.max(1, completed)) },
  phases,
};
writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);

console.log(`\nAnswer cache, ${rps} RPS constant arrival, ${durationMs / 1000}s per target, fake upstream ${upstreamDelayMs} ms (latency from scheduled send, ms):`);
console.table({ "direct, 0 ms upstream": direct, "gateway, no cache, 0 ms upstream": plainInstant, "gateway, no cache, 50 ms upstream": plain, "exact hit": hit, "miss (cacheable, unique), 50 ms upstream": miss });
console.log(`Bare gateway overhead (no cache, 0 ms upstream, gateway − direct): p50 ${overhead.p50} ms, p99 ${overhead.p99} ms`);
console.log(`Exact hit added over the bare overhead (hit − no-cache gateway on a 0 ms upstream): p50 ${summary.hitAddedOverBareOverheadP50Ms} ms, p90 ${summary.hitAddedOverBareOverheadP90Ms} ms, p99 ${summary.hitAddedOverBareOverheadP99Ms} ms (target p99 ≤ 1 ms)`);
console.log(`Miss added over no cache (50 ms upstream): p50 ${summary.missAddedOverNoCacheP50Ms} ms, p99 ${summary.missAddedOverNoCacheP99Ms} ms`);
console.log(`Workload (${workloadRequests} requests, ${repeatShare * 100}% repeats): ${JSON.stringify(outcomes)}; upstream calls ${upstreamCalls}, saved ${completed - upstreamCalls} (${(report.workload.savedShare * 100).toFixed(1)}%), errors ${workload.errors}`);
console.log(`Saved ${values.out}`);

function mean(sample: number[]): number {
  return sample.reduce((sum, value) => sum + value, 0) / Math.max(1, sample.length);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
