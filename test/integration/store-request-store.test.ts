import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { latestSchemaVersion, migrate, migrations } from "../../src/store/migrations.js";
import { openStore } from "../../src/store/open-store.js";
import { createPostgresExecutor } from "../../src/store/postgres-executor.js";
import type { RequestRow } from "../../src/store/request-row.js";
import type { GatewayStore } from "../../src/store/gateway-store.js";
import type { SqlExecutor } from "../../src/store/sql-executor.js";
import { createSqliteExecutor } from "../../src/store/sqlite-executor.js";
import type { DatabaseConfig } from "../../src/store/store-config-schema.js";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.js";

const base = 1_700_000_000_000;

function row(index: number, overrides: Partial<RequestRow> = {}): RequestRow {
  return {
    id: `req-${String(index).padStart(4, "0")}`,
    client_request_id: null,
    time: base + index * 1000,
    path: "/v1/chat/completions",
    key_id: index % 2 === 0 ? "key-a" : "key-b",
    team: index % 3 === 0 ? "red" : "blue",
    model: index % 4 === 0 ? "big" : "small",
    model_version: null,
    deployment: "small/0",
    answered_by: null,
    stream: index % 5 === 0,
    attempts: 1,
    status: index % 10 === 9 ? 502 : 200,
    error_code: index % 10 === 9 ? "upstream_error" : null,
    prompt_tokens: 10,
    completion_tokens: 5,
    cached_tokens: 0,
    cost_usd: 0.001,
    ttft_ms: index % 5 === 0 ? index : null,
    latency_ms: index + 1,
    upstream_ms: index,
    cache: null,
    finish_reason: "stop",
    request_body: null,
    response_body: null,
    ...overrides,
  };
}

type DatabaseAddress = Pick<DatabaseConfig, "path" | "url">;

/** A backend under test: hands out empty databases and opens raw executors on them. */
interface Backend {
  readonly name: string;
  start(): Promise<{ fresh(): Promise<DatabaseAddress>; executor(address: DatabaseAddress): SqlExecutor; done(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: "embedded SQLite",
    async start() {
      const dir = mkdtempSync(join(tmpdir(), "gantry-store-"));
      let count = 0;
      return {
        fresh: async () => ({ path: join(dir, `gantry-${count++}.db`) }),
        executor: (address) => createSqliteExecutor(address.path),
        done: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "PostgreSQL",
    async start() {
      const server: PostgresServer = await startPostgres();
      let count = 0;
      return {
        async fresh() {
          const name = `gantry_${count++}`;
          const admin = new pg.Client({ connectionString: server.url });
          await admin.connect();
          await admin.query(`CREATE DATABASE ${name}`);
          await admin.end();
          return { path: "unused", url: server.url.replace(/\/postgres$/, `/${name}`) };
        },
        executor: (address) => createPostgresExecutor(address.url ?? ""),
        done: () => server.stop(),
      };
    },
  },
];

describe.each(backends)("request store on $name", (backend) => {
  let store: GatewayStore;
  let databases: Awaited<ReturnType<Backend["start"]>>;

  beforeAll(async () => {
    databases = await backend.start();
    store = await openStore(await databases.fresh());
    await store.insertRequests(Array.from({ length: 100 }, (_unused, index) => row(index)));
  }, 40_000);

  afterAll(async () => {
    await store.close();
    await databases.done();
  });

  it("keeps stored responses per tenant until they expire", async () => {
    const stored = { id: "resp_1", tenant: "team:red", time: base, expiresAt: base + 1000, response: '{"id":"resp_1"}', conversation: "[]" };
    await store.putResponse(stored);
    expect(await store.getResponse("resp_1", "team:red", base)).toEqual(stored);
    expect(await store.getResponse("resp_1", "team:blue", base)).toBeUndefined();
    expect(await store.getResponse("resp_1", "team:red", base + 1000)).toBeUndefined();
    expect(await store.deleteResponse("resp_1", "team:blue")).toBe(false);
    await store.putResponse({ ...stored, id: "resp_2", expiresAt: base + 5000 });
    expect(await store.pruneResponses(base + 2000)).toBe(1);
    expect(await store.deleteResponse("resp_2", "team:red")).toBe(true);
    expect(await store.getResponse("resp_2", "team:red", base)).toBeUndefined();
  });

  it("migrates idempotently and ignores a duplicate id", async () => {
    await store.migrate();
    await store.insertRequests([row(1, { status: 418 })]);
    expect((await store.getRequest("req-0001"))?.status).toBe(200);
  });

  it("returns one request with its columns typed", async () => {
    const detail = await store.getRequest("req-0005");
    expect(detail).toMatchObject({ id: "req-0005", time: base + 5000, stream: true, ttft_ms: 5, latency_ms: 6, status: 200, cost_usd: 0.001, feedback: [] });
    expect(await store.getRequest("nope")).toBeUndefined();
  });

  it("lists newest first with filters and keyset pagination", async () => {
    const first = await store.listRequests({ limit: 30 });
    expect(first.map((item) => item.id)[0]).toBe("req-0099");
    const last = first.at(-1);
    if (last === undefined) throw new Error("empty page");
    const second = await store.listRequests({ limit: 30, before: { time: last.time, id: last.id } });
    expect(second[0]?.id).toBe("req-0069");
    expect(new Set([...first, ...second].map((item) => item.id)).size).toBe(60);
    expect((await store.listRequests({ limit: 1000, model: "big" })).every((item) => item.model === "big")).toBe(true);
    expect((await store.listRequests({ limit: 1000, status: { class: 5 } })).length).toBe(10);
    expect((await store.listRequests({ limit: 1000, status: { exact: 200 } })).length).toBe(90);
    expect((await store.listRequests({ limit: 1000, key: "key-a", team: "red" })).every((item) => item.key_id === "key-a" && item.team === "red")).toBe(true);
    expect((await store.listRequests({ limit: 1000, minLatencyMs: 91 })).length).toBe(10);
    expect((await store.listRequests({ limit: 1000, from: base + 10_000, to: base + 20_000 })).length).toBe(10);
  });

  it("links feedback to its request and refuses unknown ids", async () => {
    const blue = { team: "blue", keyId: "key-a" };
    expect(await store.insertFeedback({ id: "fb-1", request_id: "req-0004", time: base + 4500, score: 0.5, thumbs: "up", label: null, comment: "good" }, blue)).toBe(true);
    expect(await store.insertFeedback({ id: "fb-2", request_id: "req-0004", time: base + 4600, score: 1, thumbs: null, label: "accurate", comment: null }, blue)).toBe(true);
    expect(await store.insertFeedback({ id: "fb-3", request_id: "missing", time: base, score: 1, thumbs: null, label: null, comment: null }, blue)).toBe(false);
    const detail = await store.getRequest("req-0004");
    expect(detail?.feedback.map((item) => item.id)).toEqual(["fb-1", "fb-2"]);
    expect(detail?.feedback[0]).toMatchObject({ model: "big", thumbs: "up", score: 0.5 });
  });

  it("aggregates stats with percentiles per model", async () => {
    const stats = await store.stats({ from: base, to: base + 100_000 });
    expect(stats.total.requests).toBe(100);
    expect(stats.total.errors).toBe(10);
    expect(stats.total.error_rate).toBe(0.1);
    expect(stats.total.rps).toBe(1);
    expect(stats.total.tokens).toEqual({ prompt: 1000, completion: 500, cached: 0 });
    expect(stats.total.cost_usd).toBeCloseTo(0.1, 6);
    // Latencies 1..100: nearest-rank p50 = 50, p95 = 95, p99 = 99.
    expect(stats.total.latency_ms).toEqual({ p50: 50, p95: 95, p99: 99 });
    const big = stats.models.find((item) => item.model === "big");
    expect(big?.requests).toBe(25);
    expect(big?.feedback).toMatchObject({ count: 2, mean_score: 0.75, thumbs_up: 1, thumbs_down: 0, labelled: 1 });
    expect(stats.models.find((item) => item.model === "small")?.feedback.count).toBe(0);
    expect(stats.total.ttft_ms.p50).not.toBeNull();
  });

  it("prunes rows and feedback older than the cutoff", async () => {
    expect(await store.prune(base + 10_000)).toBe(10);
    expect(await store.getRequest("req-0004")).toBeUndefined();
    expect((await store.stats({ from: base, to: base + 100_000 })).total.feedback.count).toBe(0);
  });

  it("keeps every row when clients repeat an x-request-id, and finds them by it", async () => {
    const rows = Array.from({ length: 200 }, (_unused, index) => row(index, { id: `server-${index}`, client_request_id: "mesh-repeated", time: base + 200_000 + index }));
    await store.insertRequests(rows);
    const found = await store.listRequests({ limit: 1000, clientRequestId: "mesh-repeated" });
    expect(found.length).toBe(200);
    expect(new Set(found.map((item) => item.id)).size).toBe(200);
    expect(found.every((item) => item.client_request_id === "mesh-repeated")).toBe(true);
    expect((await store.getRequest("server-7"))?.client_request_id).toBe("mesh-repeated");
  });

  it("attaches feedback only within the caller's tenant (team, else key, else anonymous)", async () => {
    await store.insertRequests([
      row(0, { id: "team-row", team: "green", key_id: "key-g", time: base + 300_000 }),
      row(0, { id: "key-row", team: null, key_id: "key-solo", time: base + 300_001 }),
      row(0, { id: "open-row", team: null, key_id: null, time: base + 300_002 }),
    ]);
    const feedback = (requestId: string) => ({ id: `fb-${Math.random()}`, request_id: requestId, time: base + 300_010, score: 1, thumbs: null, label: null, comment: null });
    const cases: [string, { team: string | null; keyId: string | null }, boolean][] = [
      ["team-row", { team: "green", keyId: "another-green-key" }, true],
      ["team-row", { team: "blue", keyId: "key-g" }, false],
      ["team-row", { team: null, keyId: "key-g" }, false],
      ["team-row", { team: null, keyId: null }, false],
      ["key-row", { team: null, keyId: "key-solo" }, true],
      ["key-row", { team: null, keyId: "key-other" }, false],
      ["key-row", { team: "green", keyId: "key-solo" }, false],
      ["open-row", { team: null, keyId: null }, true],
      ["open-row", { team: null, keyId: "key-solo" }, false],
    ];
    for (const [requestId, owner, linked] of cases) expect({ requestId, owner, linked: await store.insertFeedback(feedback(requestId), owner) }).toEqual({ requestId, owner, linked });
  });

  it("migrates a version-1 database, keeping its rows", async () => {
    const address = await databases.fresh();
    const executor = databases.executor(address);
    try {
      await migrate(executor, migrations.slice(0, 1));
      await executor.run("INSERT INTO requests (id, time, path, stream, attempts, status, prompt_tokens, completion_tokens, cached_tokens, cost_usd, latency_ms) VALUES ('old', 1, '/v1/x', 0, 1, 200, 0, 0, 0, 0, 1)");
    } finally {
      await executor.close();
    }
    const migrated = await openStore(address);
    try {
      expect(await migrated.getRequest("old")).toMatchObject({ id: "old", client_request_id: null, status: 200 });
      await migrated.insertRequests([row(1, { id: "new", client_request_id: "c-1" })]);
      expect((await migrated.listRequests({ limit: 10, clientRequestId: "c-1" })).map((item) => item.id)).toEqual(["new"]);
    } finally {
      await migrated.close();
    }
  });

  it("rolls a failed migration back whole, version bumps included", async () => {
    const address = await databases.fresh();
    const executor = databases.executor(address);
    try {
      const broken = [...migrations, { version: latestSchemaVersion + 1, statements: ["CREATE TABLE half_done (x INTEGER)", "THIS IS NOT SQL"] }];
      await expect(migrate(executor, broken)).rejects.toThrow();
      // Nothing of the run survives: not the good migrations before it, not the version table itself.
      for (const table of ["requests", "half_done", "gantry_schema_version"]) await expect(executor.all(`SELECT COUNT(*) AS n FROM ${table}`)).rejects.toThrow();
      await migrate(executor);
      expect(Number((await executor.all("SELECT MAX(version) AS version FROM gantry_schema_version"))[0]?.["version"])).toBe(latestSchemaVersion);
    } finally {
      await executor.close();
    }
  });

  it("applies each migration exactly once when two gateways start on an empty database at once", async () => {
    const address = await databases.fresh();
    const [first, second] = await Promise.all([openStore(address), openStore(address)]);
    await Promise.all([first.close(), second.close()]);
    const executor = databases.executor(address);
    try {
      const versions = await executor.all("SELECT version, COUNT(*) AS n FROM gantry_schema_version GROUP BY version ORDER BY version");
      expect(versions.map((item) => [Number(item["version"]), Number(item["n"])])).toEqual(migrations.map((migration) => [migration.version, 1]));
    } finally {
      await executor.close();
    }
  });
});
