import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../src/routing/backoff.js";
import { createPeakEwma } from "../../src/routing/peak-ewma.js";
import { createFirstByteDeadline } from "../../src/routing/first-byte-deadline.js";
import { createOutlierEjection } from "../../src/routing/outlier-ejection.js";
import { createRetryBudget, retryFloor } from "../../src/routing/retry-budget.js";

function fakeClock(): { now(): number; advance(ms: number): void } {
  let time = 0;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

describe("retry budget", () => {
  it("allows ratio × requests plus the floor over the window, then refuses until the window slides", () => {
    const clock = fakeClock();
    const budget = createRetryBudget({ ratio: 0.2, minRetries: 3, windowMs: 10_000 }, clock);
    let granted = 0;
    for (let index = 0; index < 100; index++) {
      budget.request();
      if (budget.tryRetry()) granted++;
    }
    expect(granted).toBe(23);
    expect(budget.tryRetry()).toBe(false);
    clock.advance(11_000);
    expect(budget.tryRetry()).toBe(true);
  });
});

describe("backoff with full jitter", () => {
  it("grows exponentially, is capped, and is uniform below the ceiling", () => {
    expect(backoffDelay(1, 50, 2_000, () => 0.999)).toBe(49);
    expect(backoffDelay(3, 50, 2_000, () => 0.999)).toBe(199);
    expect(backoffDelay(10, 50, 2_000, () => 0.999)).toBe(1_998);
    expect(backoffDelay(3, 50, 2_000, () => 0)).toBe(0);
  });
});

describe("peak EWMA", () => {
  it("jumps to a slow sample at once and decays back with time", () => {
    const clock = fakeClock();
    const ewma = createPeakEwma(1_000, clock);
    ewma.observe(10);
    ewma.observe(500);
    expect(ewma.value()).toBe(500);
    clock.advance(3_000);
    ewma.observe(10);
    expect(ewma.value()).toBeLessThan(40);
  });
});

describe("retry budget floor per second (Finagle)", () => {
  it("10 per second over a 10 s window gives 100 retries before any request is counted", () => {
    expect(retryFloor(10, 10_000, undefined)).toBe(100);
    expect(retryFloor(10, 10_000, 3)).toBe(3);
    const budget = createRetryBudget({ ratio: 0.2, minRetries: retryFloor(10, 10_000, undefined), windowMs: 10_000 }, fakeClock());
    let granted = 0;
    while (budget.tryRetry()) granted++;
    expect(granted).toBe(100);
  });
});

describe("outlier ejection", () => {
  const config = { enabled: true, consecutive_failures: 2, base_ms: 5_000, max_ms: 12_000 };

  it("ejects after N failures in a row, at once on a transport failure, for a period that doubles up to the cap", () => {
    const clock = fakeClock();
    const ejection = createOutlierEjection(config, clock, () => true);
    ejection.failure(false);
    expect(ejection.ejected()).toBe(false);
    ejection.failure(false);
    expect(ejection.ejected()).toBe(true);
    clock.advance(5_000);
    expect(ejection.ejected()).toBe(false);
    ejection.failure(true);
    expect(ejection.ejected()).toBe(true);
    clock.advance(9_999);
    expect(ejection.ejected()).toBe(true);
    clock.advance(1);
    ejection.failure(true);
    clock.advance(12_000);
    expect(ejection.ejected()).toBe(false);
    // A success resets the growth.
    ejection.success();
    ejection.failure(true);
    clock.advance(5_000);
    expect(ejection.ejected()).toBe(false);
  });

  it("never ejects the last deployment that could take the traffic", () => {
    const ejection = createOutlierEjection(config, fakeClock(), () => false);
    ejection.failure(true);
    expect(ejection.ejected()).toBe(false);
  });
});

describe("first-byte deadline", () => {
  it("is the floor for a fast model and a multiple of the slowest recent first byte of the same kind otherwise", () => {
    const deadline = createFirstByteDeadline(10_000, 3);
    deadline.observe(true, 200);
    expect(deadline.deadlineMs(true)).toBe(10_000);
    deadline.observe(false, 6_000);
    expect(deadline.deadlineMs(false)).toBe(18_000);
    expect(deadline.deadlineMs(true)).toBe(10_000);
  });
});
