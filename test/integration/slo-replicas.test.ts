import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRollupAggregator } from "../../src/slo/rollup-aggregator.js";
import { createRollupSliSource, sloDefinitions } from "../../src/slo/sli-source.js";
import { slosConfigSchema } from "../../src/slo/slo-config-schema.js";
import type { SloStatus } from "../../src/slo/slo-status.js";
import { openStore } from "../../src/store/open-store.js";
import type { GatewayStore } from "../../src/store/gateway-store.js";
import type { RequestOutcome } from "../../src/telemetry/request-outcome.js";
import { createFakeClock } from "../helpers/fake-clock.js";
import { startFakeUpstream, type FakeUpstream } from "../helpers/fake-upstream.js";
import { exited, listening, runGantry } from "../helpers/gantry-process.js";
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
      // The alerts' top error types: summed over both replicas, most frequent first.
      expect(await stores[1]?.rollupErrorTypes({ model: "story" }, minute, minute + 60_000, 5)).toEqual([{ type: "upstream_error", count: 2 }, { type: "invalid_request", count: 1 }]);
      expect(await stores[1]?.rollupErrorTypes({ team: "red" }, minute, minute + 60_000, 5)).toEqual([{ type: "upstream_error", count: 1 }]);
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

describe("two gateway processes sharing PostgreSQL", () => {
  it("give one SLO state, the sum of their traffic", async () => {
    const upstream: FakeUpstream = await startFakeUpstream();
    const pg = await import("pg");
    const admin = new pg.default.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query("CREATE DATABASE gantry_two_gateways");
    await admin.end();
    const url = postgres.url.replace(/\/postgres$/, "/gantry_two_gateways");
    const config = join(mkdtempSync(join(tmpdir(), "gantry-slo-replicas-")), "gantry.yaml");
    writeFileSync(
      config,
      `server: { port: 0, host: 127.0.0.1 }
database: { url: "${url}" }
admin: { open_on_loopback: true }
slos:
  - { name: story-availability, model: story, objective: 99, sli: { kind: availability } }
models:
  - name: story
    retry: { max_attempts: 1 }
    deployments:
      - { provider: openai-compatible, base_url: "${upstream.baseUrl}", upstream_model: tiny }
`,
    );
    // Two `gantry serve` processes: each writes its own rollup rows (its own replica id) into the one database.
    const children = [runGantry(["serve", "--config", config]), runGantry(["serve", "--config", config])];
    const exits = children.map((child) => exited(child));
    try {
      const [first, second] = (await Promise.all(children.map((child) => listening(child)))) as [string, string];
      const chat = async (base: string): Promise<number> => {
        const response = await fetch(`${base}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "story", messages: [{ role: "user", content: "hi" }] }) });
        await response.arrayBuffer();
        return response.status;
      };
      for (let index = 0; index < 5; index++) expect(await chat(first)).toBe(200);
      upstream.enqueue({ kind: "status", status: 500 });
      expect(await chat(second)).toBeGreaterThanOrEqual(500);
      for (let index = 0; index < 3; index++) expect(await chat(second)).toBe(200);
      const statusOf = async (base: string): Promise<SloStatus | undefined> => ((await (await fetch(`${base}/admin/slo`)).json()) as { data: SloStatus[] }).data[0];
      // Each read flushes its own process's rollups first: after both have been asked, both see everything.
      await statusOf(second);
      const seen = await statusOf(first);
      expect(seen?.events).toEqual({ good: 8, total: 9 });
      expect((await statusOf(second))?.events).toEqual({ good: 8, total: 9 });
      // The rows really come from two replicas, one per process.
      const database = new pg.default.Client({ connectionString: url });
      await database.connect();
      const replicas = await database.query("SELECT replica, SUM(requests) AS n FROM request_rollups_by_model GROUP BY replica ORDER BY n DESC");
      await database.end();
      expect(replicas.rows.map((row: { n: string }) => Number(row.n))).toEqual([5, 4]);
    } finally {
      for (const child of children) child.kill("SIGTERM");
      await Promise.all(exits);
      await upstream.close();
    }
  }, 180_000);
});
