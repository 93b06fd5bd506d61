import { describe, expect, it } from "vitest";
import { createTurnBudget } from "../../src/http/turn-budget.js";

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
