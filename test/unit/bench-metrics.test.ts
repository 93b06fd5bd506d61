import { describe, expect, it } from "vitest";
import { computeBenchMetrics } from "../../src/bench/bench-metrics.js";
import { peakConcurrency } from "../../src/bench/concurrency.js";
import { percentileOfSorted, summarizeDistribution } from "../../src/bench/distribution.js";
import type { RequestRecord } from "../../src/bench/run-bench.js";
import { computeRequestTimings } from "../../src/bench/request-timings.js";
import { meetsSlo, parseSlo } from "../../src/bench/slo.js";
import { findKnee } from "../../src/bench/sweep.js";
import { computeTimeSeries } from "../../src/bench/timeseries.js";

describe("per-request timings", () => {
  it("TTFT, ITL, TPOT and E2E from exact chunk times", () => {
    const timings = computeRequestTimings(1000, [1100, 1120, 1150, 1160], 4);
    expect(timings).toEqual({ ttftMs: 100, itlMs: [20, 30, 10], tpotMs: 20, e2elMs: 160 });
  });

  it("TPOT divides by tokens, not chunks, when chunks carry several tokens", () => {
    // 7 tokens in 4 chunks: (160 − 100) / (7 − 1) = 10 ms.
    expect(computeRequestTimings(1000, [1100, 1120, 1150, 1160], 7)?.tpotMs).toBe(10);
  });

  it("has no TPOT for a one-token answer and no timings without text", () => {
    expect(computeRequestTimings(0, [40], 1)).toEqual({ ttftMs: 40, itlMs: [], tpotMs: undefined, e2elMs: 40 });
    expect(computeRequestTimings(0, [], 0)).toBeUndefined();
  });
});

describe("distribution summary", () => {
  it("matches numpy: linear percentiles, population std", () => {
    const summary = summarizeDistribution([4, 1, 3, 2], [90, 99]);
    expect(summary.mean).toBe(2.5);
    expect(summary.median).toBe(2.5);
    expect(summary.std).toBeCloseTo(1.118033988749895, 12);
    expect(summary.percentiles["90"]).toBeCloseTo(3.7, 12);
    expect(summary.percentiles["99"]).toBeCloseTo(3.97, 12);
    expect(percentileOfSorted([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 95)).toBeCloseTo(95.5, 12);
  });

  it("is all zeros when there are no samples", () => {
    expect(summarizeDistribution([], [99])).toEqual({ count: 0, mean: 0, median: 0, std: 0, min: 0, max: 0, percentiles: { "99": 0 } });
  });
});

describe("peak concurrency", () => {
  it("counts overlaps; touching intervals do not overlap", () => {
    expect(peakConcurrency([[0, 10], [10, 20], [20, 30]])).toBe(1);
    expect(peakConcurrency([[0, 10], [5, 15], [6, 7], [14, 20]])).toBe(3);
    expect(peakConcurrency([])).toBe(0);
  });
});

describe("SLOs", () => {
  it("parses space- and comma-separated specs", () => {
    expect(parseSlo(["ttft:500", "tpot:50"])).toEqual({ ttftMs: 500, tpotMs: 50 });
    expect(parseSlo(["e2el:2000,ttft:250.5"])).toEqual({ e2elMs: 2000, ttftMs: 250.5 });
    expect(() => parseSlo(["itl:5"])).toThrow(/ttft:MS/);
  });

  it("needs every objective met; a one-token answer passes TPOT", () => {
    const slo = { ttftMs: 100, tpotMs: 20, e2elMs: 500 };
    expect(meetsSlo({ ttftMs: 100, itlMs: [], tpotMs: 20, e2elMs: 500 }, slo)).toBe(true);
    expect(meetsSlo({ ttftMs: 101, itlMs: [], tpotMs: 20, e2elMs: 500 }, slo)).toBe(false);
    expect(meetsSlo({ ttftMs: 50, itlMs: [], tpotMs: 21, e2elMs: 500 }, slo)).toBe(false);
    expect(meetsSlo({ ttftMs: 50, itlMs: [], tpotMs: 10, e2elMs: 501 }, slo)).toBe(false);
    expect(meetsSlo({ ttftMs: 50, itlMs: [], tpotMs: undefined, e2elMs: 50 }, slo)).toBe(true);
  });
});

function record(partial: Partial<RequestRecord> & Pick<RequestRecord, "index" | "sentAt" | "endAt" | "ok">): RequestRecord {
  return { tokenChunkTimes: [], scheduledAt: partial.sentAt, queuedMs: 0, promptInputTokens: 10, ...partial };
}

describe("run metrics", () => {
  // A 2-second run started at t=1000: three successes and two failures.
  const records: RequestRecord[] = [
    // TTFT 100, E2E 400, 4 tokens → TPOT 100; ITL 100,100,100.
    record({ index: 0, sentAt: 1000, endAt: 1410, ok: true, tokenChunkTimes: [1100, 1200, 1300, 1400], promptTokens: 20, completionTokens: 4 }),
    // TTFT 300 (misses a 200 ms TTFT SLO), E2E 500, 3 tokens → TPOT 100.
    record({ index: 1, sentAt: 1200, endAt: 1700, ok: true, tokenChunkTimes: [1500, 1600, 1700], promptTokens: 30, completionTokens: 3 }),
    // No usage: output counted by the tokenizer stand-in (2 words); TTFT 50, E2E 150 → TPOT 100.
    record({ index: 2, sentAt: 2000, endAt: 2150, ok: true, tokenChunkTimes: [2050, 2150], text: "hello world", promptInputTokens: 12 }),
    record({ index: 3, sentAt: 2100, endAt: 2200, ok: false, errorType: "http_500", status: 500 }),
    record({ index: 4, sentAt: 2500, endAt: 3000, ok: false, errorType: "timeout", tokenChunkTimes: [2600] }),
  ];
  const run = { startedAt: 1000, endedAt: 3000, records };
  const countTokens = (text: string): number => text.split(" ").length;

  it("counts failures in the totals and by type", () => {
    const { metrics } = computeBenchMetrics(run, { percentiles: [50, 99], slo: {}, countTokens });
    expect(metrics.durationS).toBe(2);
    expect(metrics.totalRequests).toBe(5);
    expect(metrics.completed).toBe(3);
    expect(metrics.failed).toBe(2);
    expect(metrics.errorsByType).toEqual({ http_500: 1, timeout: 1 });
    expect(metrics.successRate).toBe(0.6);
    expect(metrics.requestThroughput).toBe(1.5);
    expect(metrics.sentRequestRate).toBe(2.5);
  });

  it("takes tokens from usage, else from the tokenizer, and computes throughput over wall time", () => {
    const { metrics, requests } = computeBenchMetrics(run, { percentiles: [50], slo: {}, countTokens });
    expect(metrics.totalInputTokens).toBe(20 + 30 + 12);
    expect(metrics.totalOutputTokens).toBe(4 + 3 + 2);
    expect(metrics.outputTokensCountedBy).toEqual({ usage: 2, tokenizer: 1 });
    expect(metrics.outputThroughput).toBe(4.5);
    expect(metrics.totalTokenThroughput).toBe((62 + 9) / 2);
    expect(requests[2]?.outputTokensFrom).toBe("tokenizer");
  });

  it("summarises TTFT, TPOT, ITL and E2E over successful requests only", () => {
    const { metrics } = computeBenchMetrics(run, { percentiles: [50], slo: {}, countTokens });
    expect(metrics.ttftMs.count).toBe(3);
    expect(metrics.ttftMs.mean).toBe(150);
    expect(metrics.ttftMs.median).toBe(100);
    expect(metrics.e2elMs.mean).toBe(350);
    expect(metrics.tpotMs.mean).toBe(100);
    expect(metrics.itlMs.count).toBe(3 + 2 + 1);
    expect(metrics.itlMs.mean).toBe(100);
  });

  it("goodput counts requests meeting every SLO per second; failures are misses", () => {
    const { metrics } = computeBenchMetrics(run, { percentiles: [50], slo: { ttftMs: 200, tpotMs: 100 }, countTokens });
    expect(metrics.goodRequests).toBe(2);
    expect(metrics.goodput).toBe(1);
    expect(metrics.goodFraction).toBe(0.4);
    const none = computeBenchMetrics(run, { percentiles: [50], slo: {}, countTokens }).metrics;
    expect(none.goodput).toBeUndefined();
  });

  it("peak and mean concurrency from the request intervals", () => {
    const { metrics } = computeBenchMetrics(run, { percentiles: [50], slo: {}, countTokens });
    // [0,410] [200,700] [1000,1150] [1100,1200] [1500,2000] (relative): at most 2 at once.
    expect(metrics.peakConcurrency).toBe(2);
    expect(metrics.meanConcurrency).toBeCloseTo((410 + 500 + 150 + 100 + 500) / 2000, 12);
  });
});

describe("throughput over time", () => {
  it("spreads each request's tokens over its chunks and counts completions per bucket", () => {
    const points = computeTimeSeries(
      [
        { sentMs: 0, endMs: 900, ok: true, tokenChunkMs: [100, 900], outputTokens: 4 },
        { sentMs: 500, endMs: 1500, ok: true, tokenChunkMs: [1200], outputTokens: 1 },
        { sentMs: 1600, endMs: 1700, ok: false, tokenChunkMs: [], outputTokens: 0 },
      ],
      2000,
      1000,
    );
    expect(points).toEqual([
      { timeS: 0, outputTokensPerS: 4, completedPerS: 1, failedPerS: 0, inFlight: 2 },
      { timeS: 1, outputTokensPerS: 1, completedPerS: 1, failedPerS: 1, inFlight: 0 },
    ]);
  });
});

describe("sweep knee", () => {
  it("is the lowest load within 5% of the best goodput", () => {
    expect(
      findKnee([
        { value: 1, goodput: 1 },
        { value: 2, goodput: 2 },
        { value: 4, goodput: 3.9 },
        { value: 8, goodput: 4 },
        { value: 16, goodput: 1 },
      ]),
    ).toBe(4);
  });

  it("is not reached while goodput still rises at the highest load", () => {
    expect(findKnee([{ value: 1, goodput: 1 }, { value: 2, goodput: 2 }])).toBeUndefined();
    expect(findKnee([{ value: 1, goodput: 0 }, { value: 2, goodput: 0 }])).toBeUndefined();
  });
});
