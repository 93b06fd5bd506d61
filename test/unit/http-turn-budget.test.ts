import { describe, expect, it } from "vitest";
import { createRateBudget, createTurnBudget } from "../../src/http/turn-budget.js";

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("turn budget", () => {
  it("is shared by all callers within a turn and renews in the next", async () => {
    const budget = createTurnBudget(100);
    expect(budget.spend(60)).toBe(true);
    expect(budget.spend(40)).toBe(true);
    expect(budget.spend(1)).toBe(false);
    await turn();
    expect(budget.spend(100)).toBe(true);
  });

  it("runs waiting work only after the current turn's immediates", async () => {
    const budget = createTurnBudget(1);
    const order: string[] = [];
    budget.nextTurn(() => order.push("resumed"));
    setImmediate(() => order.push("this turn"));
    await turn();
    await turn();
    await turn();
    expect(order).toEqual(["this turn", "resumed"]);
  });
});

describe("rate budget", () => {
  it("lets a burst through, then refills at its rate, and resumes a paused reader once a chunk's worth is back", () => {
    let now = 0;
    const timers: { callback: () => void; ms: number }[] = [];
    const budget = createRateBudget({ bytesPerSecond: 1024 * 1024, burstBytes: 256 * 1024, now: () => now, setTimer: (callback, ms) => void timers.push({ callback, ms }) });
    expect(budget.spend(200 * 1024)).toBe(true);
    // Past the burst: empty, 8 KiB in debt.
    expect(budget.spend(64 * 1024)).toBe(false);
    let resumed = false;
    budget.nextTurn(() => (resumed = true));
    // The debt plus one 64 KiB chunk at 1 MiB/s: 72 KiB → 70.3 ms, rounded up.
    expect(timers.map((timer) => timer.ms)).toEqual([71]);
    timers[0]?.callback();
    expect(resumed).toBe(true);
    // 71 ms later the bucket has refilled by ~71 KiB: a chunk goes through, the next one does not.
    now = 71;
    expect(budget.spend(64 * 1024)).toBe(true);
    expect(budget.spend(64 * 1024)).toBe(false);
    // A quiet second refills it to the burst, never beyond.
    now = 2000;
    expect(budget.spend(256 * 1024 - 1)).toBe(true);
    expect(budget.spend(2)).toBe(false);
  });
});
