import { performance } from "node:perf_hooks";
import pino from "pino";
import { Agent, fetch } from "undici";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { startGateway, type RunningGateway } from "../../src/main.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startRedis, type TestRedis } from "../helpers/redis-server.js";

// Redis is killed under a steady load and restarted; each concern on Redis must behave as docs/operations.md says.
// Real time on purpose: what is measured is how long requests wait on a real dead Redis and how soon it is found again.

const adminKey = "outage-admin-key-0123456789";
const dispatcher = new Agent({ connections: 64 });
let redis: TestRedis;
let upstream: FakeUpstream;
let gateway: RunningGateway;
const logs: Array<{ msg: string; use?: string; time: number }> = [];

interface Sample {
  readonly phase: Phase;
  readonly key: "limited" | "budgeted" | "unknown";
  readonly status: number;
  readonly code: string;
  readonly latencyMs: number;
  readonly cache: string | null;
  readonly retryAfter: string | null;
}
/** A request belongs to a phase only when it was sent and answered within it; others are `straddling`. */
type Phase = "before" | "killing" | "outage" | "recovering" | "after" | "straddling";

beforeAll(async () => {
  [redis, upstream] = await Promise.all([startRedis({ persist: true }), startFakeUpstream({ record: false })]);
  const yaml = `server: { shutdown_grace_ms: 1000 }
logging: { level: info, requests: false }
request_log: { enabled: false }
auth: { mode: keys, admin_key: "${adminKey}", store: redis, redis_url: "${redis.url}" }
limits: { backend: redis, redis_url: "${redis.url}" }
cache: { backend: redis, redis_url: "${redis.url}" }
models:
  - name: story
    cache: { mode: exact }
    # Priced, so budgets have something to charge: a free model never touches the spend store.
    pricing: { input_per_million: 1, output_per_million: 2 }
    deployments:
      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }
`;
  const config = parseConfig(yaml, process.env, "test");
  const logger = pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line) as { msg: string; use?: string; time: number }) });
  gateway = await startGateway({ ...config, server: { ...config.server, port: 0, host: "127.0.0.1" } }, { logger });
}, 30_000);

afterAll(async () => {
  await gateway?.close();
  await Promise.all([upstream?.close(), redis?.stop(), dispatcher.close()]);
});

async function createKey(body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${gateway.url}/admin/keys`, { method: "POST", dispatcher, headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(response.status).toBe(201);
  return ((await response.json()) as { key: string }).key;
}

async function call(phaseNow: () => Phase, key: Sample["key"], secret: string): Promise<Sample> {
  const sentIn = phaseNow();
  const started = performance.now();
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    dispatcher,
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "story", messages: [{ role: "user", content: "the same question" }], temperature: 0 }),
  });
  const text = await response.text();
  const latencyMs = performance.now() - started;
  const phase = phaseNow() === sentIn ? sentIn : "straddling";
  const code = response.status >= 400 ? (JSON.parse(text) as { error: { code: string } }).error.code : "";
  return { phase, key, status: response.status, code, latencyMs, cache: response.headers.get("x-gantry-cache"), retryAfter: response.headers.get("retry-after") };
}

async function redisGauges(prefix = "gantry_redis_up{"): Promise<string[]> {
  const text = await (await fetch(`${gateway.url}/metrics`, { dispatcher })).text();
  return text.split("\n").filter((line) => line.startsWith(prefix));
}
const redisUpGauge = (): Promise<string[]> => redisGauges();

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor(condition: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("the load did not reach the count in time");
    await sleep(20);
  }
}
const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? NaN;

describe("a Redis outage under load", () => {
  it("keeps serving known keys and rate-limited traffic, refuses budgets with 503, never answers 500, and recovers within 2 s", async () => {
    const limited = await createKey({ name: "limited", rpm: 100_000 });
    const budgeted = await createKey({ name: "budgeted", budget: { daily_usd: 100 } });
    const unused = await createKey({ name: "never-used" });

    // Warm the request path first: a cold process can stall its event loop past the 100 ms Redis command timeout.
    for (let round = 0; round < 5; round++) await Promise.all([call(() => "before", "limited", limited), call(() => "before", "budgeted", budgeted)]);
    // 50 requests per second, alternating between the two keys, until stopped (and never more than 1,000).
    const samples: Sample[] = [];
    const pending: Array<Promise<void>> = [];
    let phase: Phase = "before";
    let running = true;
    const load = (async () => {
      for (let sent = 0; running && sent < 1000; sent++) {
        const [key, secret] = sent % 2 === 0 ? (["limited", limited] as const) : (["budgeted", budgeted] as const);
        pending.push(call(() => phase, key, secret).then((sample) => void samples.push(sample)));
        await sleep(20);
      }
    })();

    // Phases end by counts of answered requests, not by time, so a slow machine still fills each one.
    const answered = (wanted: Phase, key?: Sample["key"]): number => samples.filter((sample) => sample.phase === wanted && (key === undefined || sample.key === key)).length;
    await waitFor(() => answered("before") >= 10);
    phase = "killing";
    await redis.kill();
    phase = "outage";
    const unknownKey = await call(() => "outage", "unknown", unused);
    const keyCreation = await fetch(`${gateway.url}/admin/keys`, { method: "POST", dispatcher, headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" }, body: JSON.stringify({ name: "made-during-the-outage" }) });
    const keyCreationAnswer = { status: keyCreation.status, code: ((await keyCreation.json()) as { error?: { code: string } }).error?.code };
    const gaugeDuringOutage = await redisUpGauge();
    await waitFor(() => answered("outage", "limited") >= 20 && answered("outage", "budgeted") >= 20);

    phase = "recovering";
    await redis.restart();
    const restartedAt = performance.now();
    const restartedEpoch = Date.now();
    let recoveryMs = Infinity;
    const probeLog: string[] = [];
    // The test's own connection times a write (appended to the AOF, as every write of this server is) beside each
    // probe, so a failed recovery says whether Redis itself was slow or the gateway did not use it.
    const direct = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    direct.on("error", () => undefined);
    const timedWrite = async (): Promise<string> => {
      const started = performance.now();
      try {
        await direct.set("outage-test:probe", String(started));
        return (performance.now() - started).toFixed(0);
      } catch (error) {
        return error instanceof Error ? error.message.slice(0, 40) : "error";
      }
    };
    while (performance.now() - restartedAt < 5000) {
      const sentAt = performance.now() - restartedAt;
      const [probe, writeMs] = await Promise.all([call(() => "recovering", "budgeted", budgeted), timedWrite()]);
      probeLog.push(`${Math.round(sentAt)}:${probe.status}:${probe.code}:w${writeMs}`);
      if (probe.status === 200) {
        // When the probe's own answer came, not the test's write beside it.
        recoveryMs = sentAt + probe.latencyMs;
        break;
      }
      await sleep(20);
    }
    direct.disconnect();
    const failuresAtRecovery = await redisGauges("gantry_redis_failures_total{");
    phase = "after";
    await waitFor(() => answered("after") >= 10);
    running = false;
    await load;
    await Promise.all(pending);
    let gaugeAfter = await redisUpGauge();
    for (let tries = 0; tries < 30 && gaugeAfter.some((line) => line.endsWith(" 0")); tries++) {
      await sleep(100);
      gaugeAfter = await redisUpGauge();
    }

    const outage = samples.filter((sample) => sample.phase === "outage");
    const outageLatencies = outage.map((sample) => sample.latencyMs);
    console.log(
      `redis outage: ${samples.length} requests (${outage.length} during the outage); outage latency p50 ${percentile(outageLatencies, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(outageLatencies, 99).toFixed(1)} ms, max ${Math.max(...outageLatencies).toFixed(1)} ms; first budget-checked success ${recoveryMs.toFixed(0)} ms after Redis answered again`,
    );

    const ok = (sample: Sample): boolean => sample.status === 200;
    // Never a 500, in any phase.
    expect(samples.filter((sample) => sample.status >= 500 && sample.code !== "dependency_unavailable")).toEqual([]);
    // Before: everything served, the repeated question from the cache (or joined to the first one, still in flight).
    const before = samples.filter((sample) => sample.phase === "before");
    expect(before.filter((sample) => !ok(sample))).toEqual([]);
    expect(before.filter((sample) => sample.key === "limited").slice(1).filter((sample) => sample.cache !== "hit" && sample.cache !== "coalesced")).toEqual([]);
    // During: limits fail open (served), the cache reads as a miss (never a hit; identical requests in flight may
    // still share one call), known keys still authenticate, budgets fail closed.
    expect(outage.filter((sample) => sample.key === "limited" && !(ok(sample) && (sample.cache === "miss" || sample.cache === "coalesced")))).toEqual([]);
    expect(outage.filter((sample) => sample.key === "budgeted" && !(sample.status === 503 && sample.code === "dependency_unavailable" && sample.retryAfter === "1"))).toEqual([]);
    // An unknown key is never let in while its record cannot be read.
    expect(unknownKey).toMatchObject({ status: 503, code: "dependency_unavailable" });
    // So is a write the admin API needs.
    expect(keyCreationAnswer).toEqual({ status: 503, code: "dependency_unavailable" });
    // No request waited on the dead Redis: the bound is 200 ms; 1 s leaves room for a loaded test machine.
    expect(Math.max(...outageLatencies)).toBeLessThan(1000);
    expect(gaugeDuringOutage).toHaveLength(2);
    expect(gaugeDuringOutage.filter((line) => !line.endsWith(" 0"))).toEqual([]);
    // Should recovery fail, the record of what the probes got and when each connection changed says where it stuck.
    if (recoveryMs === Infinity) {
      const changes = logs.filter((line) => line.msg.startsWith("redis ")).map((line) => `${line.time - restartedEpoch} ms ${line.msg.slice(0, 10)} ${line.use ?? ""}`);
      console.log(
        `no recovery: probes (sent ms after restart:status:code:direct write ms) ${probeLog.join(" ")}; connection changes ${changes.join(", ")}; ` +
          `failures at the end of recovery ${failuresAtRecovery.join(" ")}; gauge after ${gaugeAfter.join(" ")}; redis-server output:\n${redis.output()}`,
      );
    }
    // Back within 2 s of Redis answering again.
    expect(recoveryMs).toBeLessThan(2000);
    expect(samples.filter((sample) => sample.phase === "after" && !ok(sample))).toEqual([]);
    expect(gaugeAfter.filter((line) => !line.endsWith(" 1"))).toEqual([]);
    // One log line per connection and change, not one per request.
    const changes = logs.filter((line) => line.msg.startsWith("redis down") || line.msg.startsWith("redis back")).map((line) => `${line.msg.slice(0, 10)} ${line.use ?? ""}`);
    expect(changes.sort()).toEqual(["redis back cache", "redis back state", "redis down cache", "redis down state"]);
  }, 30_000);
});
