import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../src/routing/backoff.js";
import { createPeakEwma } from "../../src/routing/peak-ewma.js";
import { createRetryBudget } from "../../src/routing/retry-budget.js";

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
