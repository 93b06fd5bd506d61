import { describe, expect, it } from "vitest";
import { createArrivalSchedule } from "../../src/bench/arrivals.js";
import { createSeededRandom } from "../../src/bench/seeded-random.js";
import { createSemaphore } from "../../src/bench/semaphore.js";

function gaps(rate: number, burstiness: number, count: number, seed = 7): number[] {
  const schedule = createArrivalSchedule({ requestRate: rate, burstiness, random: createSeededRandom(seed) });
  const times = Array.from({ length: count + 1 }, () => schedule.next());
  return times.slice(1).map((time, index) => time - (times[index] ?? 0));
}

function meanAndCv(values: readonly number[]): { mean: number; cv: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
  return { mean, cv: Math.sqrt(variance) / mean };
}

describe("seeded random", () => {
  it("gives the same sequence for the same seed and a different one for another", () => {
    const a = createSeededRandom(42);
    const b = createSeededRandom(42);
    const c = createSeededRandom(43);
    const first = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(first);
    for (const value of first) expect(value >= 0 && value < 1).toBe(true);
  });

  it("draws integers in the inclusive range, all of them", () => {
    const random = createSeededRandom(1);
    const seen = new Set(Array.from({ length: 2000 }, () => random.integer(3, 7)));
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
  });
});

describe("arrival process (gamma gaps, vllm bench serve semantics)", () => {
  const samples = 20_000;

  it.each([
    { rate: 10, burstiness: 1 },
    { rate: 4, burstiness: 0.25 },
    { rate: 50, burstiness: 4 },
  ])("rate $rate req/s, burstiness $burstiness: mean gap 1/rate and CV 1/sqrt(burstiness)", ({ rate, burstiness }) => {
    const { mean, cv } = meanAndCv(gaps(rate, burstiness, samples));
    // Sampling error of the mean is CV/sqrt(n) ≈ 1.4% at CV 2; of the CV a few percent at most.
    expect(mean).toBeGreaterThan((1000 / rate) * 0.95);
    expect(mean).toBeLessThan((1000 / rate) * 1.05);
    expect(cv).toBeGreaterThan((1 / Math.sqrt(burstiness)) * 0.93);
    expect(cv).toBeLessThan((1 / Math.sqrt(burstiness)) * 1.07);
  });

  it("starts at zero, never goes back in time, and is reproducible per seed", () => {
    const schedule = createArrivalSchedule({ requestRate: 5, burstiness: 1, random: createSeededRandom(3) });
    expect(schedule.next()).toBe(0);
    expect(gaps(5, 1, 100, 3).every((gap) => gap > 0)).toBe(true);
    expect(gaps(5, 1, 100, 3)).toEqual(gaps(5, 1, 100, 3));
    expect(gaps(5, 1, 100, 4)).not.toEqual(gaps(5, 1, 100, 3));
  });

  it("sends everything at time zero at an infinite rate", () => {
    const schedule = createArrivalSchedule({ requestRate: Infinity, burstiness: 1, random: createSeededRandom(0) });
    expect(Array.from({ length: 10 }, () => schedule.next())).toEqual(new Array(10).fill(0));
  });

  it("rejects a rate or burstiness that is not positive", () => {
    expect(() => createArrivalSchedule({ requestRate: 0, burstiness: 1, random: createSeededRandom(0) })).toThrow(RangeError);
    expect(() => createArrivalSchedule({ requestRate: 1, burstiness: 0, random: createSeededRandom(0) })).toThrow(RangeError);
  });
});

describe("semaphore", () => {
  it("never lets more than the limit through and serves waiters in order", async () => {
    const semaphore = createSemaphore(2);
    const order: number[] = [];
    let inside = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 6 }, async (_, index) => {
        await semaphore.acquire();
        inside++;
        peak = Math.max(peak, inside);
        order.push(index);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inside--;
        semaphore.release();
      }),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(semaphore.held()).toBe(0);
  });
});
