import { describe, expect, it } from "vitest";
import type { RequestMeasurement } from "../../src/telemetry/gateway-metrics.js";
import { createLiveWindow } from "../../src/telemetry/live-window.js";

function measurement(overrides: Partial<RequestMeasurement> = {}): RequestMeasurement {
  return {
    operation: "chat",
    provider: "openai-compatible",
    model: "story",
    deployment: "story/0",
    team: "none",
    status: 200,
    errorCode: "",
    durationSeconds: 0.1,
    ttftSeconds: undefined,
    tpotSeconds: undefined,
    overheadSeconds: undefined,
    inputTokens: 10,
    outputTokens: 5,
    cachedTokens: 0,
    costUsd: 0.001,
    savedTokens: 0,
    savedUsd: 0,
    cache: undefined,
    ...overrides,
  };
}

describe("live window", () => {
  it("summarises the last minute: rate, percentiles within a bucket, errors by type, tokens, cost and cache", () => {
    let now = 1_000_000;
    const live = createLiveWindow(() => now);
    for (let index = 1; index <= 100; index++) live.record(measurement({ durationSeconds: index / 1000, cache: index <= 25 ? "hit" : "miss", savedUsd: index <= 25 ? 0.002 : 0 }));
    live.record(measurement({ status: 504, errorCode: "upstream_timeout", durationSeconds: 5 }));
    live.record(measurement({ status: 429, errorCode: "rate_limited" }));
    live.requestStarted();
    const snapshot = live.snapshot();
    expect(snapshot.requests).toBe(102);
    expect(snapshot.rps).toBeCloseTo(10.2, 5);
    expect(snapshot.in_flight).toBe(1);
    expect(snapshot.errors).toBe(2);
    expect(snapshot.errors_by_type).toEqual({ upstream_timeout: 1, rate_limited: 1 });
    expect(snapshot.latency_ms.p50).toBeGreaterThan(50 * 0.97);
    expect(snapshot.latency_ms.p50).toBeLessThan(52 * 1.03);
    expect(snapshot.latency_ms.p99).toBeGreaterThan(100 * 0.97);
    expect(snapshot.ttft_ms.p50).toBeNull();
    expect(snapshot.tokens).toEqual({ input: 1020, output: 510, cached: 0 });
    expect(snapshot.cost_usd).toBeCloseTo(0.102, 6);
    expect(snapshot.cache_hit_rate).toBeCloseTo(0.25, 4);
    expect(snapshot.saved_usd).toBeCloseTo(0.05, 6);

    // Past the rate window the rate falls to zero while the minute still counts; past the minute, everything does.
    now += 15_000;
    expect(live.snapshot().rps).toBe(0);
    expect(live.snapshot().requests).toBe(102);
    now += 60_000;
    live.record(measurement());
    expect(live.snapshot().requests).toBe(1);
    expect(live.snapshot().errors).toBe(0);
  });
});
