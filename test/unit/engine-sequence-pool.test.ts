import { describe, expect, it } from "vitest";
import type { Token } from "node-llama-cpp";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { commonPrefixLength, createSequencePool } from "../../src/engine/sequence-pool.js";

const tokens = (...values: number[]): Token[] => values as Token[];
const sequence = (...values: number[]): { contextTokens: Token[] } => ({ contextTokens: tokens(...values) });
const live = new AbortController().signal;

describe("sequence pool", () => {
  it("lends the free sequence with the longest common prefix", async () => {
    const a = sequence(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    const b = sequence(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13);
    const pool = createSequencePool({ sequences: [a, b], queueSize: 4, retryAfterMs: 1000 });
    const lease = await pool.acquire(tokens(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 99), live);
    expect(lease.sequence).toBe(b);
    expect(lease.cachedPrefix).toBe(12);
  });

  it("does not evict a conversation for a trivial match, preferring an empty sequence", async () => {
    const used = sequence(1, 50, 51, 52, 53, 54, 55, 56, 57, 58);
    const empty = sequence();
    const pool = createSequencePool({ sequences: [used, empty], queueSize: 4, retryAfterMs: 1000 });
    const lease = await pool.acquire(tokens(1, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7), live);
    expect(lease.sequence).toBe(empty);
  });

  it("queues in FIFO order, refuses past the queue size with 429, and drops aborted waiters", async () => {
    const pool = createSequencePool({ sequences: [sequence()], queueSize: 2, retryAfterMs: 1500 });
    const first = await pool.acquire(tokens(1, 2), live);
    const order: string[] = [];
    const aborted = new AbortController();
    const second = pool.acquire(tokens(1, 3), aborted.signal).then(
      () => order.push("second"),
      () => order.push("second aborted"),
    );
    const third = pool.acquire(tokens(1, 4), live).then((lease) => {
      order.push("third");
      return lease;
    });
    expect(pool.waiting()).toBe(2);
    const refused = await pool.acquire(tokens(1, 5), live).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GatewayError);
    expect(refused).toMatchObject({ code: "engine_overloaded", status: 429, retryAfterMs: 1500 });
    aborted.abort(new Error("client left"));
    await second;
    expect(pool.waiting()).toBe(1);
    first.release();
    (await third).release();
    expect(order).toEqual(["second aborted", "third"]);
    expect(pool.running()).toBe(0);
  });

  it("fails waiters when closed", async () => {
    const pool = createSequencePool({ sequences: [sequence()], queueSize: 2, retryAfterMs: 1000 });
    await pool.acquire(tokens(1), live);
    const waiting = pool.acquire(tokens(1), live);
    pool.close(new GatewayError("shutting_down"));
    await expect(waiting).rejects.toMatchObject({ code: "shutting_down" });
  });

  it("counts common prefixes", () => {
    expect(commonPrefixLength(tokens(1, 2, 3), tokens(1, 2, 4))).toBe(2);
    expect(commonPrefixLength(tokens(), tokens(1))).toBe(0);
  });
});
