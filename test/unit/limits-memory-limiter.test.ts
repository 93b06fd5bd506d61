import { describe, expect, it } from "vitest";
import { createMemoryLimiter } from "../../src/limits/memory-limiter.js";
import { matchesGlob } from "../../src/auth/glob.js";

describe("memory limiter", () => {
  it("admits exactly rpm requests in a sliding minute, then tells how long to wait", async () => {
    let now = 1_000_000;
    const limiter = createMemoryLimiter(() => now);
    const subjects = [{ id: "key:a", rpm: 3 }];
    for (let index = 0; index < 3; index++) {
      expect((await limiter.acquire(`l${index}`, subjects, 0)).admitted).toBe(true);
      now += 10_000;
    }
    const denied = await limiter.acquire("l3", subjects, 0);
    expect(denied).toMatchObject({ admitted: false, kind: "requests", retryAfterMs: 30_000 });
    now += 30_000;
    expect((await limiter.acquire("l4", subjects, 0)).admitted).toBe(true);
  });

  it("reserves tokens up front, so a burst cannot exceed TPM, and reconciles with real usage", async () => {
    const limiter = createMemoryLimiter(() => 0);
    const subjects = [{ id: "key:t", tpm: 1000 }];
    expect((await limiter.acquire("a", subjects, 600)).admitted).toBe(true);
    expect(await limiter.acquire("b", subjects, 600)).toMatchObject({ admitted: false, kind: "tokens" });
    await limiter.settle("a", subjects, 100, 600);
    expect((await limiter.acquire("c", subjects, 600)).admitted).toBe(true);
  });

  it("charges key and team together or not at all", async () => {
    const limiter = createMemoryLimiter(() => 0);
    const team = { id: "team:x", rpm: 2 };
    expect((await limiter.acquire("1", [{ id: "key:1", rpm: 10 }, team], 0)).admitted).toBe(true);
    expect((await limiter.acquire("2", [{ id: "key:2", rpm: 10 }, team], 0)).admitted).toBe(true);
    const denied = await limiter.acquire("3", [{ id: "key:1", rpm: 10 }, team], 0);
    expect(denied).toMatchObject({ admitted: false, subject: "team:x" });
    expect(denied.state.requests).toMatchObject({ limit: 10, remaining: 9 });
  });

  it("limits concurrency until leases settle", async () => {
    const limiter = createMemoryLimiter(() => 0);
    const subjects = [{ id: "key:c", concurrency: 1 }];
    expect((await limiter.acquire("a", subjects, 0)).admitted).toBe(true);
    expect(await limiter.acquire("b", subjects, 0)).toMatchObject({ admitted: false, kind: "concurrency" });
    await limiter.settle("a", subjects, undefined, 0);
    expect((await limiter.acquire("c", subjects, 0)).admitted).toBe(true);
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
