import { describe, expect, it } from "vitest";
import { createMemoryLimiter } from "../../src/limits/memory-limiter.js";
import { matchesGlob } from "../../src/auth/glob.js";
import { limiterConformance } from "../helpers/limiter-conformance.js";

describe("memory limiter", () => {
  limiterConformance(async (start) => {
    const clock = { now: start };
    return { limiter: createMemoryLimiter(() => clock.now), clock };
  });

  it("forgets the least recently used subject beyond maxSubjects", async () => {
    const limiter = createMemoryLimiter(() => 0, 2);
    for (const id of ["key:1", "key:2", "key:3"]) expect((await limiter.acquire(id, [{ id, rpm: 1 }], 0)).admitted).toBe(true);
    expect((await limiter.acquire("again-3", [{ id: "key:3", rpm: 1 }], 0)).admitted).toBe(false);
    expect((await limiter.acquire("again-1", [{ id: "key:1", rpm: 1 }], 0)).admitted).toBe(true);
  });
});

describe("model globs", () => {
  it.each([
    ["story", "story", true],
    ["st*", "story", true],
    ["*ory", "story", true],
    ["s*o*y", "story", true],
    ["gpt-*", "story", false],
    ["*", "anything", true],
    ["a*a", "a", false],
  ])("%s matches %s: %s", (pattern, name, expected) => expect(matchesGlob(pattern, name)).toBe(expected));
});
