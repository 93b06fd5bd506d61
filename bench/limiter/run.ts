// Limiter cost per request: admit + settle on one key at 100 RPM and at 20,000 RPM, for the memory limiter and the
// Redis limiter (one real redis-server on loopback). The rate is simulated with the limiters' injected clock, so a
// window holds what it would at that rate without waiting real minutes; each request is timed on the wall clock.
// Bucketed windows should make the two rates cost the same.
// Usage: npx tsx bench/limiter/run.ts [--requests 5000]
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import { createMemoryLimiter } from "../../src/limits/memory-limiter.js";
import { createRedisLimiter } from "../../src/limits/redis-limiter.js";
import type { Limiter } from "../../src/limits/limiter.js";
import { summarize, type LatencySummary } from "../lib/stats.js";
import { startRedis } from "../../test/helpers/redis-server.js";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "5000" },
    out: { type: "string", default: "bench/limiter/results.json" },
  },
});
const measured = Number(values.requests);
const rates = [100, 20_000];

interface Phase {
  backend: "memory" | "redis";
  rpm: number;
  /** Requests admitted while filling one minute of window before timing. */
  warmup: number;
  denied: number;
  /** Microseconds per admit + settle. */
  micros: LatencySummary;
}

/** Fills a window at `rpm` for one simulated minute, then times `measured` admit + settle pairs at that rate. */
async function phase(backend: Phase["backend"], rpm: number, make: (now: () => number) => Limiter): Promise<Phase> {
  let clock = 1_700_000_000_000;
  const limiter = make(() => clock);
  // Limits twice the rate, so every request is admitted and the window stays full (the denial path is not timed).
  const subjects = [{ id: `key:bench-${backend}-${rpm}`, rpm: 2 * rpm, tpm: 2 * rpm * 200, concurrency: 1000 }];
  const gap = 60_000 / rpm;
  let denied = 0;
  const one = async (): Promise<number> => {
    const lease = randomUUID();
    const started = performance.now();
    const admission = await limiter.acquire(lease, subjects, 150);
    await limiter.settle(lease, subjects, 120, 150);
    const elapsed = performance.now() - started;
    if (!admission.admitted) denied++;
    clock += gap;
    return elapsed;
  };
  for (let index = 0; index < rpm; index++) await one();
  const sample: number[] = [];
  for (let index = 0; index < measured; index++) sample.push((await one()) * 1000);
  await limiter.close();
  return { backend, rpm, warmup: rpm, denied, micros: summarize(sample) };
}

const server = await startRedis();
const redis = new Redis(server.url);
const phases: Phase[] = [];
try {
  const makers = { memory: (now: () => number) => createMemoryLimiter(now), redis: (now: () => number) => createRedisLimiter(redis, "bench:limit", now) };
  for (const backend of ["memory", "redis"] as const) {
    await phase(backend, 1000, makers[backend]); // untimed: lets the JIT settle before either rate is timed
    for (const rpm of rates) phases.push(await phase(backend, rpm, makers[backend]));
  }
} finally {
  redis.disconnect();
  await server.stop();
}

const flat = Object.fromEntries(
  (["memory", "redis"] as const).map((backend) => {
    const [slow, fast] = rates.map((rpm) => phases.find((item) => item.backend === backend && item.rpm === rpm)?.micros);
    return [backend, { p50Ratio: round((fast?.p50 ?? NaN) / (slow?.p50 ?? NaN)), p99Ratio: round((fast?.p99 ?? NaN) / (slow?.p99 ?? NaN)) }];
  }),
);
const report = { date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version }, requestsPerPhase: measured, phases, ratio20000To100: flat };
writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nLimiter admit + settle on one key, ${measured} timed requests per phase after one simulated minute of warm-up (µs):`);
console.table(phases.map((item) => ({ backend: item.backend, rpm: item.rpm, mean: item.micros.mean, p50: item.micros.p50, p90: item.micros.p90, p99: item.micros.p99, max: item.micros.max, denied: item.denied })));
console.log(`20,000 RPM vs 100 RPM: memory p50 ×${flat["memory"]?.p50Ratio}, p99 ×${flat["memory"]?.p99Ratio}; redis p50 ×${flat["redis"]?.p50Ratio}, p99 ×${flat["redis"]?.p99Ratio}`);
console.log(`Saved ${values.out}`);

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
