import { describe, expect, it } from "vitest";
import { createRequestLogWriter } from "../../src/store/request-log-writer.js";
import type { RequestRow } from "../../src/store/request-row.js";
import { percentiles } from "../../src/store/request-stats.js";
import { storedLatency } from "../../src/store/request-row.js";

const row = (id: string): RequestRow => ({
  id, client_request_id: null, time: 0, path: "/v1/chat/completions", key_id: null, team: null, model: "m", model_version: null, deployment: null, answered_by: null, stream: false, attempts: 1, status: 200, error_code: null,
  prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0, cost_usd: 0, ttft_ms: null, latency_ms: 1, upstream_ms: null, cache: null, finish_reason: null, request_body: null, response_body: null,
});

describe("request log writer", () => {
  it("writes in batches, in order, and flushes everything", async () => {
    const written: string[][] = [];
    const writer = createRequestLogWriter({ store: { insertRequests: async (rows) => void written.push(rows.map((item) => item.id)) }, queueSize: 100, batchSize: 3 });
    for (let index = 0; index < 7; index++) writer.append(row(`r${index}`));
    await writer.flush();
    expect(written).toEqual([["r0", "r1", "r2"], ["r3", "r4", "r5"], ["r6"]]);
    expect(writer.dropped()).toBe(0);
  });

  it("drops and counts rows beyond the bound while the store is slow, never blocking append", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const drops: string[] = [];
    let stored = 0;
    const writer = createRequestLogWriter({
      store: { insertRequests: async (rows) => { await gate; stored += rows.length; } },
      queueSize: 10,
      batchSize: 5,
      onDrop: (count, reason) => drops.push(`${count}:${reason}`),
    });
    for (let index = 0; index < 25; index++) writer.append(row(`r${index}`));
    expect(writer.dropped()).toBe(15);
    expect(drops[0]).toBe("1:queue_full");
    release();
    await writer.close();
    expect(stored).toBe(10);
    writer.append(row("late"));
    expect(writer.dropped()).toBe(16);
  });

  it("counts a failed write as dropped rows", async () => {
    const writer = createRequestLogWriter({ store: { insertRequests: async () => Promise.reject(new Error("disk full")) }, queueSize: 10 });
    writer.append(row("a"));
    writer.append(row("b"));
    await writer.flush();
    expect(writer.dropped()).toBe(2);
  });
});

describe("stored latencies and percentiles", () => {
  it("keeps three significant digits", () => {
    expect(storedLatency(1234.567)).toBe(1230);
    expect(storedLatency(0.123456)).toBe(0.123);
    expect(storedLatency(0)).toBe(0);
  });

  it("reads nearest-rank percentiles off grouped counts", () => {
    expect(percentiles([[1, 50], [2, 45], [10, 4], [100, 1]])).toEqual({ p50: 1, p95: 2, p99: 10 });
    expect(percentiles([])).toEqual({ p50: null, p95: null, p99: null });
  });
});
