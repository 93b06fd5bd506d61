import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRollupAggregator } from "../../src/slo/rollup-aggregator.js";
import { createRollupSliSource, sloDefinitions } from "../../src/slo/sli-source.js";
import { slosConfigSchema } from "../../src/slo/slo-config-schema.js";
import type { SloStatus } from "../../src/slo/slo-status.js";
import { openStore } from "../../src/store/open-store.js";
import type { GatewayStore } from "../../src/store/gateway-store.js";
import type { RunningGateway } from "../../src/main.js";
import type { RequestOutcome } from "../../src/telemetry/request-outcome.js";
import { createFakeClock } from "../helpers/fake-clock.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { startClockedGateway } from "../helpers/gateway.js";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.js";

const start = Date.UTC(2026, 0, 1, 12, 0, 30);
const definitions = sloDefinitions(
  slosConfigSchema.parse([
    { name: "availability", model: "story", objective: 99, sli: { kind: "availability" } },
    { name: "latency", model: "story", objective: 90, sli: { kind: "latency", threshold_ms: 500 } },
    { name: "team-red", team: "red", objective: 99, sli: { kind: "availability" } },
  ]),
);

const outcome = (overrides: Partial<RequestOutcome>): RequestOutcome => ({
  endedAt: start,
  path: "/v1/chat/completions",
  model: "story",
  version: "",
  deployment: "story/0",
  keyId: "",
  team: "",
  status: 200,
  errorCode: "",
  promptTokens: 1,
  completionTokens: 1,
  cachedTokens: 0,
  costUsd: 0,
  latencyMs: 100,
  ttftMs: undefined,
  tpotMs: undefined,
  finishReason: "",
  ...overrides,
});

let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await startPostgres();
}, 40_000);
afterAll(async () => {
  await postgres?.stop();
});

describe.each(["SQLite", "PostgreSQL"] as const)("rollups from two replicas on %s", (backend) => {
  it("sum across replica ids, and a re-flushed minute replaces its row instead of adding to it", async () => {
    const address = backend === "SQLite" ? { path: join(mkdtempSync(join(tmpdir(), "gantry-rollups-")), "gantry.db") } : { path: "unused", url: postgres.url };
    const stores: GatewayStore[] = [await openStore(address), await openStore(address)];
    try {
      const clock = createFakeClock(start);
      const [one, two] = stores.map((store, index) => createRollupAggregator({ store: store, replica: `replica-${index}`, now: clock.now, flushIntervalMs: 0, schedule: clock.schedule, onError: (error) => { throw error; } }));
      for (let index = 0; index < 6; index++) one?.record(outcome({ latencyMs: index < 5 ? 100 : 900, team: "red" }));
      await one?.flush();
      one?.record(outcome({ status: 503, errorCode: "upstream_error", team: "red" }));
      await one?.flush();
      for (let index = 0; index < 3; index++) two?.record(outcome({}));
      two?.record(outcome({ status: 500, errorCode: "upstream_error" }));
      two?.record(outcome({ status: 400, errorCode: "invalid_request" }));
      await two?.flush();
      const source = createRollupSliSource(stores[0] as GatewayStore, definitions);
      const minute = Date.UTC(2026, 0, 1, 12, 0);
      expect(await source.counts("availability", minute, minute + 60_000)).toEqual({ good: 10, total: 12 });
      expect(await source.counts("latency", minute, minute + 60_000)).toEqual({ good: 8, total: 9 });
      expect(await source.counts("team-red", minute, minute + 60_000)).toEqual({ good: 6, total: 7 });
      expect(await source.counts("availability", minute + 60_000, minute + 120_000)).toEqual({ good: 0, total: 0 });
      const stats = await stores[1]?.rollupStats({ from: minute, to: minute + 60_000 });
      expect(stats?.total).toMatchObject({ requests: 12, errors: 3, tokens: { prompt: 12, completion: 12, cached: 0 } });
      expect(stats?.total.latency_ms).toEqual({ p50: 100, p95: 1000, p99: 1000 });
      // Five series rows and five model-level rows.
      expect(await stores[0]?.pruneRollups(minute + 60_000)).toBe(10);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  }, 30_000);
});

describe("two gateways sharing PostgreSQL", () => {
  const open: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(open.splice(0).map((thing) => thing.close()));
  });

  it("give one SLO state, the sum of their traffic", async () => {
    const upstream: FakeUpstream = await startFakeUpstream();
    open.push(upstream);
    const pg = await import("pg");
    const admin = new pg.default.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query("CREATE DATABASE gantry_two_gateways");
    await admin.end();
    const url = postgres.url.replace(/\/postgres$/, "/gantry_two_gateways");
    const clock = createFakeClock(start);
    const yaml = `database: { url: "${url}" }
admin: { open_on_loopback: true }
slos:
  - { name: story-availability, model: story, objective: 99, sli: { kind: availability } }
models:
  - name: story
    retry: { max_attempts: 1 }
    deployments:
      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }
`;
    const gateways: RunningGateway[] = [await startClockedGateway(yaml, clock), await startClockedGateway(yaml, clock)];
    open.unshift(...gateways);
    const chat = async (gateway: RunningGateway): Promise<number> => {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "story", messages: [{ role: "user", content: "hi" }] }) });
      await response.arrayBuffer();
      return response.status;
    };
    const [first, second] = gateways as [RunningGateway, RunningGateway];
    for (let index = 0; index < 5; index++) expect(await chat(first)).toBe(200);
    upstream.enqueue({ kind: "status", status: 500 });
    expect(await chat(second)).toBeGreaterThanOrEqual(500);
    for (let index = 0; index < 3; index++) expect(await chat(second)).toBe(200);
    const statusOf = async (gateway: RunningGateway): Promise<SloStatus | undefined> => ((await (await fetch(`${gateway.url}/admin/slo`)).json()) as { data: SloStatus[] }).data[0];
    // Each read flushes its own replica first: after both have been asked, both see everything.
    await statusOf(second);
    const seen = await statusOf(first);
    expect(seen?.events).toEqual({ good: 8, total: 9 });
    expect((await statusOf(second))?.events).toEqual({ good: 8, total: 9 });
  }, 60_000);
});
