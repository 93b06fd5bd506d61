import { describe, expect, it } from "vitest";
import { createAimdBudget } from "./aimd-budget.js";

describe("the batch concurrency budget (AIMD)", () => {
  it("grows by about one per round while quiet, halves under interactive load or slow lines, and stays within bounds", () => {
    let interactive = 0;
    const budget = createAimdBudget({ min: 1, max: 8, interactiveInFlight: () => interactive, yieldInFlight: 4, latencyFactor: 2 });
    expect(budget.limit()).toBe(1);
    for (let line = 0; line < 40; line++) budget.observe(20);
    expect(budget.limit()).toBe(8);
    interactive = 5;
    budget.observe(20);
    expect(budget.limit()).toBe(4);
    budget.observe(20);
    budget.observe(20);
    budget.observe(20);
    expect(budget.limit()).toBe(1);
    interactive = 0;
    for (let line = 0; line < 3; line++) budget.observe(20);
    expect(budget.limit()).toBeGreaterThan(1);
    const before = budget.limit();
    budget.observe(100);
    expect(budget.limit()).toBe(Math.max(1, Math.floor(before / 2)));
  });

  it("admits at most the limit at once; a release lets the next waiter in", async () => {
    const budget = createAimdBudget({ min: 2, max: 2, interactiveInFlight: () => 0, yieldInFlight: 4, latencyFactor: 2 });
    const first = await budget.acquire();
    await budget.acquire();
    let third = false;
    const waiting = budget.acquire().then(() => (third = true));
    await Promise.resolve();
    expect(third).toBe(false);
    first();
    await waiting;
    expect(third).toBe(true);
  });
});
