import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { RequestRow } from "../../src/store/request-row.js";
import type { RequestStore } from "../../src/store/request-store.js";
import { startPostgres, type PostgresServer } from "../helpers/postgres-server.js";

const base = 1_700_000_000_000;

function row(index: number, overrides: Partial<RequestRow> = {}): RequestRow {
  return {
    id: `req-${String(index).padStart(4, "0")}`,
    time: base + index * 1000,
    path: "/v1/chat/completions",
    key_id: index % 2 === 0 ? "key-a" : "key-b",
    team: index % 3 === 0 ? "red" : "blue",
    model: index % 4 === 0 ? "big" : "small",
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

const backends: { name: string; open(): Promise<{ store: RequestStore; done(): Promise<void> }> }[] = [
  {
    name: "embedded SQLite",
    async open() {
      const dir = mkdtempSync(join(tmpdir(), "gantry-store-"));
      const store = await openStore({ path: join(dir, "gantry.db") });
      return { store, done: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: "PostgreSQL",
    async open() {
      const server: PostgresServer = await startPostgres();
      const store = await openStore({ path: "unused", url: server.url });
      return { store, done: () => server.stop() };
    },
  },
];

describe.each(backends)("request store on $name", (backend) => {
  let store: RequestStore;
  let done: () => Promise<void>;

  beforeAll(async () => {
    ({ store, done } = await backend.open());
    await store.insertRequests(Array.from({ length: 100 }, (_unused, index) => row(index)));
  }, 40_000);

  afterAll(async () => {
    await store.close();
    await done();
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
    expect(await store.insertFeedback({ id: "fb-1", request_id: "req-0004", time: base + 4500, score: 0.5, thumbs: "up", label: null, comment: "good" })).toBe(true);
    expect(await store.insertFeedback({ id: "fb-2", request_id: "req-0004", time: base + 4600, score: 1, thumbs: null, label: "accurate", comment: null })).toBe(true);
    expect(await store.insertFeedback({ id: "fb-3", request_id: "missing", time: base, score: 1, thumbs: null, label: null, comment: null })).toBe(false);
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
});
