// Auth + Redis limiter overhead: the same constant-rate load through a gateway without auth and through one with
// virtual keys and the Redis limiter (keys and limits in one real redis-server), both in front of the fake upstream.
// Usage: npx tsx bench/auth-limits/run.ts [--rps 500] [--seconds 10]
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { runConstantRate, summarizeRun, type RateRunSummary } from "../lib/constant-rate.js";
import { startProcess, stopProcess } from "../lib/processes.js";
import { startRedis } from "../../test/helpers/redis-server.js";

const { values } = parseArgs({
  options: {
    rps: { type: "string", default: "500" },
    seconds: { type: "string", default: "10" },
    out: { type: "string", default: "bench/auth-limits/results.json" },
  },
});
const rps = Number(values.rps);
const durationMs = Number(values.seconds) * 1000;
const root = new URL("../..", import.meta.url).pathname;
const tsx = join(root, "node_modules/.bin/tsx");
const work = mkdtempSync(join(tmpdir(), "gantry-auth-bench-"));
const adminKey = "bench-admin-key-0123456789";

const redis = await startRedis();
const upstream = await startProcess(tsx, [join(root, "test/helpers/fake-upstream-main.ts")], /(http:\S+)\n/);
const model = `models:\n  - name: story\n    deployments:\n      - { provider: openai-compatible, base_url: "${upstream.match}", upstream_model: tiny }\n`;
const logging = "logging: { level: info, requests: true }\n";
writeFileSync(join(work, "open.yaml"), `server: { port: 0 }\ndatabase: { path: "${join(work, "open.db")}" }\n${logging}${model}`);
writeFileSync(join(work, "auth.yaml"), `server: { port: 0 }\ndatabase: { path: "${join(work, "auth.db")}" }\n${logging}auth: { mode: keys, admin_key: "${adminKey}", store: redis, redis_url: "${redis.url}" }\nlimits: { backend: redis, redis_url: "${redis.url}" }\n${model}`);
const serve = (config: string): ReturnType<typeof startProcess> =>
  startProcess("node", ["--import", "tsx", join(root, "src/cli/gantry.ts"), "serve", "--config", join(work, config)], /"url":"(http:[^"]+)"/, { logFile: join(work, `${config}.log`) });
const [open, secured] = await Promise.all([serve("open.yaml"), serve("auth.yaml")]);

// A key whose limits never bind, so every request pays the full limiter round trip (RPM, TPM and concurrency).
const created = await fetch(`${secured.match}/admin/keys`, { method: "POST", headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" }, body: JSON.stringify({ name: "bench", rpm: 100_000_000, tpm: 2_000_000_000, max_concurrency: 100_000 }) });
const { key } = (await created.json()) as { key: string };

type Target = "no-auth" | "auth+redis";
const pools: Record<Target, Pool> = { "no-auth": new Pool(open.match, { connections: 256 }), "auth+redis": new Pool(secured.match, { connections: 256 }) };
const body = JSON.stringify({ model: "story", messages: [{ role: "user", content: "Hello" }], max_tokens: 16 });
const headers: Record<Target, Record<string, string>> = { "no-auth": { "content-type": "application/json" }, "auth+redis": { "content-type": "application/json", authorization: `Bearer ${key}` } };

interface Phase extends RateRunSummary {
  target: Target;
}

async function phase(target: Target, ms: number): Promise<Phase> {
  const result = await runConstantRate(rps, ms, async () => {
    const response = await pools[target].request({ path: "/v1/chat/completions", method: "POST", headers: headers[target], body });
    await response.body.text();
    if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
  });
  return { target, ...summarizeRun(result) };
}

for (const target of ["no-auth", "auth+redis"] as const) await phase(target, 2000);
const phases: Phase[] = [];
// Alternate sides in halves so drift in machine load hits both alike.
for (const target of ["no-auth", "auth+redis", "no-auth", "auth+redis"] as const) phases.push(await phase(target, durationMs / 2));

const merged = (target: Target): { p50: number; p99: number; errors: number } => {
  const parts = phases.filter((item) => item.target === target);
  return { p50: round(parts.reduce((sum, item) => sum + item.latency.p50, 0) / parts.length), p99: round(parts.reduce((sum, item) => sum + item.latency.p99, 0) / parts.length), errors: parts.reduce((sum, item) => sum + item.errors, 0) };
};
const summary = { open: merged("no-auth"), secured: merged("auth+redis") };
const overhead = { p50Ms: round(summary.secured.p50 - summary.open.p50), p99Ms: round(summary.secured.p99 - summary.open.p99) };

await Promise.all(Object.values(pools).map((pool) => pool.close()));
await Promise.all([stopProcess(open.child), stopProcess(secured.child), stopProcess(upstream.child)]);
await redis.stop();

const report = { date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version }, rps, secondsPerSide: durationMs / 1000, summary, overhead, phases };
writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nAuth + Redis limiter overhead at ${rps} RPS constant arrival, ${durationMs / 1000}s per side (latency from scheduled send, ms):`);
console.table([
  { side: "no auth", p50: summary.open.p50, p99: summary.open.p99, errors: summary.open.errors },
  { side: "virtual key + Redis limiter", p50: summary.secured.p50, p99: summary.secured.p99, errors: summary.secured.errors },
]);
console.log(`Overhead of auth + Redis limiter per request: p50 ${overhead.p50Ms} ms, p99 ${overhead.p99Ms} ms`);
console.log(`Saved ${values.out}`);

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
