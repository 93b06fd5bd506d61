import { expect, it } from "vitest";
import type { Limiter } from "../../src/limits/limiter.js";

/** A limiter under test and a clock the test moves by hand. */
export interface LimiterUnderTest {
  limiter: Limiter;
  clock: { now: number };
}

/**
 * The behaviour both limiters share: RPM and TPM over a sliding minute of one-second buckets (a request counts
 * from its admission until the end of its second plus one minute), reservations settled in the bucket they went to,
 * key and team charged together, concurrency. `make` builds a fresh limiter whose clock starts at the given time.
 */
export function limiterConformance(make: (start: number) => Promise<LimiterUnderTest>): void {
  it("admits exactly rpm requests in a sliding minute, then tells how long to wait", async () => {
    const { limiter, clock } = await make(1_000_000);
    const subjects = [{ id: "key:a", rpm: 3 }];
    for (let index = 0; index < 3; index++) {
      expect((await limiter.acquire(`l${index}`, subjects, 0)).admitted).toBe(true);
      clock.now += 10_000;
    }
    const denied = await limiter.acquire("l3", subjects, 0);
    // The first request, in the second starting at 1,000,000, counts until 1,061,000.
    expect(denied).toMatchObject({ admitted: false, kind: "requests", retryAfterMs: 31_000, state: { requests: { limit: 3, remaining: 0, resetMs: 31_000 } } });
    clock.now = 1_060_999;
    expect((await limiter.acquire("l4", subjects, 0)).admitted).toBe(false);
    clock.now = 1_061_000;
    const admitted = await limiter.acquire("l5", subjects, 0);
    expect(admitted).toMatchObject({ admitted: true, state: { requests: { limit: 3, remaining: 0, resetMs: 10_000 } } });
  });

  it("never admits more than rpm in any sliding minute under a steady stream", async () => {
    const { limiter, clock } = await make(5_000_350);
    const subjects = [{ id: "key:steady", rpm: 50 }];
    const admittedAt: number[] = [];
    for (let index = 0; index < 900; index++) {
      if ((await limiter.acquire(`s${index}`, subjects, 0)).admitted) admittedAt.push(clock.now);
      clock.now += 200;
    }
    for (const [index, at] of admittedAt.entries()) {
      const inWindow = admittedAt.slice(index).filter((other) => other < at + 60_000);
      expect(inWindow.length).toBeLessThanOrEqual(50);
    }
    // 180 s of traffic: each minute's 50 come back after at most one more second.
    expect(admittedAt.length).toBeGreaterThanOrEqual(147);
  });

  it("reserves tokens up front, so a burst cannot exceed TPM, and reconciles with real usage", async () => {
    const { limiter } = await make(0);
    const subjects = [{ id: "key:t", tpm: 1000 }];
    expect((await limiter.acquire("a", subjects, 600)).admitted).toBe(true);
    expect(await limiter.acquire("b", subjects, 600)).toMatchObject({ admitted: false, kind: "tokens", retryAfterMs: 61_000 });
    await limiter.settle("a", subjects, 100, 600);
    expect((await limiter.acquire("c", subjects, 600)).admitted).toBe(true);
    expect(await limiter.acquire("d", subjects, 2000)).toMatchObject({ admitted: false, kind: "tokens", retryAfterMs: 60_000 });
  });

  it("settles a reservation in the second it was made, not the current one", async () => {
    const { limiter, clock } = await make(2_000_000);
    const subjects = [{ id: "key:settle", tpm: 1000 }];
    expect((await limiter.acquire("first", subjects, 600)).admitted).toBe(true);
    clock.now += 30_000;
    expect((await limiter.acquire("second", subjects, 300)).admitted).toBe(true);
    await limiter.settle("first", subjects, 100, 600);
    clock.now += 20_000;
    expect((await limiter.acquire("third", subjects, 0)).state.tokens).toMatchObject({ remaining: 600 });
    // The first second has left the window: only the second reservation is left.
    clock.now = 2_061_000;
    expect((await limiter.acquire("fourth", subjects, 0)).state.tokens).toMatchObject({ remaining: 700 });
    // Settling after the reservation's second has left the window changes nothing.
    await limiter.settle("second", subjects, 0, 300);
    clock.now = 2_091_000;
    expect((await limiter.acquire("fifth", subjects, 0)).state.tokens).toMatchObject({ remaining: 1000 });
  });

  it("charges key and team together or not at all", async () => {
    const { limiter } = await make(0);
    const team = { id: "team:x", rpm: 2 };
    expect((await limiter.acquire("1", [{ id: "key:1", rpm: 10 }, team], 0)).admitted).toBe(true);
    expect((await limiter.acquire("2", [{ id: "key:2", rpm: 10 }, team], 0)).admitted).toBe(true);
    const denied = await limiter.acquire("3", [{ id: "key:1", rpm: 10 }, team], 0);
    expect(denied).toMatchObject({ admitted: false, subject: "team:x" });
    expect(denied.state.requests).toMatchObject({ limit: 10, remaining: 9 });
  });

  it("limits concurrency until leases settle", async () => {
    const { limiter } = await make(0);
    const subjects = [{ id: "key:c", concurrency: 1 }];
    expect((await limiter.acquire("a", subjects, 0)).admitted).toBe(true);
    expect(await limiter.acquire("b", subjects, 0)).toMatchObject({ admitted: false, kind: "concurrency" });
    await limiter.settle("a", subjects, undefined, 0);
    expect((await limiter.acquire("c", subjects, 0)).admitted).toBe(true);
  });
}
