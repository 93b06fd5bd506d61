import { describe, expect, it } from "vitest";
import { resolveThreads } from "../../src/engine/resolve-threads.js";

describe("engine threads", () => {
  it("defaults to the physical cores, never more than the cores available", () => {
    expect(resolveThreads(undefined, 8, 16)).toEqual({ threads: 8, lowered: false });
    expect(resolveThreads(undefined, 8, 2)).toEqual({ threads: 2, lowered: false });
  });

  it("keeps a configured count that fits and lowers one that does not", () => {
    expect(resolveThreads(1, 2, 2)).toEqual({ threads: 1, lowered: false });
    expect(resolveThreads(4, 2, 2)).toEqual({ threads: 2, lowered: true });
  });
});
