import { describe, expect, it } from "vitest";
import { addEncoded, bucketIndex, countAtOrBelow, emptyHistogram, encodeHistogram, histogramQuantile, latencyBucketsMs } from "../../src/store/latency-histogram.js";
import type { RollupRow } from "../../src/store/rollup-row.js";
import { createRollupAggregator } from "../../src/slo/rollup-aggregator.js";
import { slosConfigSchema } from "../../src/slo/slo-config-schema.js";
import { burnRate } from "../../src/slo/slo-status.js";
import type { RequestOutcome } from "../../src/telemetry/request-outcome.js";
import { createFakeClock } from "../helpers/fake-clock.js";

const outcome = (overrides: Partial<RequestOutcome> = {}): RequestOutcome => ({
  endedAt: 0,
  path: "/v1/chat/completions",
  model: "story",
  version: "",
  deployment: "story/0",
  keyId: "",
  team: "",
  status: 200,
  errorCode: "",
  promptTokens: 10,
  completionTokens: 5,
  cachedTokens: 0,
  costUsd: 0.001,
  latencyMs: 120,
  ttftMs: 40,
  tpotMs: 8,
  finishReason: "",
  ...overrides,
});

describe("latency histogram", () => {
  it("has fixed bounds from 1 ms to 120 s, each at most a third above the one before", () => {
    expect(latencyBucketsMs[0]).toBe(1);
    expect(latencyBucketsMs.at(-1)).toBe(120_000);
    for (let index = 1; index < latencyBucketsMs.length; index++) expect((latencyBucketsMs[index] ?? 0) / (latencyBucketsMs[index - 1] ?? 1)).toBeLessThanOrEqual(4 / 3 + 1e-9);
    expect(latencyBucketsMs).toContain(500);
    expect(latencyBucketsMs).toContain(750);
  });

  it("buckets with upper bounds inclusive, merges by summing, and reads quantiles at bucket bounds", () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(1)).toBe(0);
    expect(latencyBucketsMs[bucketIndex(500)]).toBe(500);
    expect(latencyBucketsMs[bucketIndex(501)]).toBe(600);
    expect(bucketIndex(1e9)).toBe(latencyBucketsMs.length);
    const histogram = emptyHistogram();
    for (let ms = 1; ms <= 100; ms++) histogram[bucketIndex(ms)] = (histogram[bucketIndex(ms)] ?? 0) + 1;
    const merged = emptyHistogram();
    addEncoded(merged, encodeHistogram(histogram));
    addEncoded(merged, encodeHistogram(histogram));
    expect(merged.reduce((sum, count) => sum + count, 0)).toBe(200);
    expect(histogramQuantile(merged, 0.5)).toBe(50);
    expect(histogramQuantile(merged, 0.95)).toBe(100);
    expect(countAtOrBelow(merged, 50)).toBe(100);
    expect(histogramQuantile(emptyHistogram(), 0.5)).toBeNull();
  });
});

describe("rollup aggregator", () => {
  it("aggregates per minute and series, rewrites the open minute, and forgets a closed minute once written", async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1, 12, 0, 10));
    const written: RollupRow[][] = [];
    const byModel: RollupRow[][] = [];
    const aggregator = createRollupAggregator({ store: { upsertRollups: async (level, rows) => void (level === "series" ? written : byModel).push([...rows]) }, replica: "r1", now: clock.now, flushIntervalMs: 0, schedule: clock.schedule, onError: () => undefined });
    aggregator.record(outcome({ endedAt: clock.now() }));
    aggregator.record(outcome({ endedAt: clock.now(), latencyMs: 900 }));
    aggregator.record(outcome({ endedAt: clock.now(), status: 502, errorCode: "upstream_error" }));
    aggregator.record(outcome({ endedAt: clock.now(), status: 404, errorCode: "model_not_found" }));
    await aggregator.flush();
    expect(written[0]?.length).toBe(3);
    const ok = written[0]?.find((row) => row.outcome === "ok");
    expect(ok).toMatchObject({ minute: Date.UTC(2026, 0, 1, 12, 0), replica: "r1", requests: 2, prompt_tokens: 20, error_type: "" });
    expect(ok?.latency_hist).toBe(`${bucketIndex(120)}:1,${bucketIndex(900)}:1`);
    expect(written[0]?.find((row) => row.outcome === "server_error")?.error_type).toBe("upstream_error");
    expect(written[0]?.find((row) => row.outcome === "client_error")?.error_type).toBe("model_not_found");
    // The model level sums over deployment, key, team and error type.
    expect(byModel[0]?.map((row) => [row.outcome, row.requests, row.deployment, row.error_type])).toEqual([
      ["ok", 2, "", ""],
      ["server_error", 1, "", ""],
      ["client_error", 1, "", ""],
    ]);
    // Nothing changed: nothing written. A new request rewrites its series with the whole minute so far.
    await aggregator.flush();
    expect(written.length).toBe(1);
    aggregator.record(outcome({ endedAt: clock.now() }));
    await aggregator.flush();
    expect(written[1]).toMatchObject([{ outcome: "ok", requests: 3 }]);
    clock.advance(60_000);
    aggregator.record(outcome({ endedAt: clock.now() }));
    await aggregator.flush();
    expect(written[2]).toMatchObject([{ minute: Date.UTC(2026, 0, 1, 12, 1), requests: 1 }]);
    // The 12:00 minute was dropped from memory after being written: a later flush never rewrites it partially.
    aggregator.record(outcome({ endedAt: clock.now() }));
    await aggregator.close();
    expect(written[3]).toMatchObject([{ minute: Date.UTC(2026, 0, 1, 12, 1), requests: 2 }]);
  });

  it("keeps rows whose write failed and writes them at the next flush", async () => {
    const clock = createFakeClock(0);
    let fail = true;
    const written: RollupRow[] = [];
    const errors: unknown[] = [];
    const aggregator = createRollupAggregator({
      store: {
        upsertRollups: async (level, rows) => {
          if (fail) throw new Error("database down");
          if (level === "series") written.push(...rows);
        },
      },
      replica: "r1",
      now: clock.now,
      flushIntervalMs: 0,
      schedule: clock.schedule,
      onError: (error) => errors.push(error),
    });
    aggregator.record(outcome());
    clock.advance(120_000);
    await aggregator.flush();
    expect(errors.length).toBe(1);
    fail = false;
    await aggregator.flush();
    expect(written).toMatchObject([{ minute: 0, requests: 1 }]);
  });

  it("flushes on its own schedule and bounds the series it holds", async () => {
    const clock = createFakeClock(0);
    const written: RollupRow[] = [];
    const modelRows: RollupRow[] = [];
    let dropped = 0;
    const aggregator = createRollupAggregator({
      store: { upsertRollups: async (level, rows) => void (level === "series" ? written.push(...rows) : modelRows.push(...rows)) },
      replica: "r1",
      now: clock.now,
      flushIntervalMs: 10_000,
      schedule: clock.schedule,
      maxSeries: 3,
      onError: () => undefined,
      onDrop: (count) => (dropped += count),
    });
    // Three series at most: key a, the model level, key b; key c's own series is dropped, the model level still counts it.
    for (const keyId of ["a", "b", "c"]) aggregator.record(outcome({ keyId }));
    expect(dropped).toBe(1);
    clock.advance(10_000);
    await aggregator.flush();
    expect(written.map((row) => row.key_id).sort()).toEqual(["a", "b"]);
    expect(modelRows).toMatchObject([{ requests: 3 }]);
    await aggregator.close();
    expect(clock.pending()).toBe(0);
  });
});

describe("slos config", () => {
  it("requires latency thresholds to be bucket bounds and lists the allowed values", () => {
    const result = slosConfigSchema.safeParse([{ name: "t", model: "story", objective: 95, sli: { kind: "ttft", threshold_ms: 450 } }]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain("one of: 1, 1.2, 1.5");
    expect(result.error?.issues[0]?.message).toContain("500");
  });

  it("takes one selector, defaults the period to 30d, and refuses duplicate names", () => {
    expect(slosConfigSchema.parse([{ name: "a", team: "red", objective: 99.9, sli: { kind: "availability" } }])[0]?.period).toBe("30d");
    expect(slosConfigSchema.safeParse([{ name: "a", model: "story", key: "k", objective: 99, sli: { kind: "availability" } }]).success).toBe(false);
    expect(slosConfigSchema.safeParse([{ name: "a", objective: 99, sli: { kind: "availability" } }]).success).toBe(false);
    expect(slosConfigSchema.safeParse([{ name: "a", model: "story", version: "v2", objective: 99, sli: { kind: "availability" } }]).success).toBe(true);
    const twice = { name: "a", model: "story", objective: 99, sli: { kind: "availability" } };
    expect(slosConfigSchema.safeParse([twice, twice]).error?.issues[0]?.message).toContain("duplicate");
    expect(slosConfigSchema.safeParse([{ ...twice, period: "7d" }]).success).toBe(false);
  });

  it("computes burn rate as the error ratio over the budgeted ratio", () => {
    expect(burnRate({ good: 90, total: 100 }, 99)).toBeCloseTo(10, 9);
    expect(burnRate({ good: 0, total: 0 }, 99)).toBeNull();
  });
});
