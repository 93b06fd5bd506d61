import type { Redis } from "ioredis";
import { concurrencyLeaseMs, limitBucketMs, limitWindowMs, type Admission, type LimitKind, type LimitState, type Limiter } from "./limiter.js";
import { acquireScript, settleScript } from "./redis-limiter-scripts.js";
import { createRedisScript } from "./redis-script.js";

/**
 * The limiter shared by every replica that uses the same Redis: one Lua script call decides each request atomically
 * and one settles it. Time is the Redis server's, unless `now` is given (tests move it by hand).
 */
export function createRedisLimiter(redis: Redis, prefix = "gantry:limit", now?: () => number): Limiter {
  const acquire = createRedisScript(redis, acquireScript);
  const settle = createRedisScript(redis, settleScript);
  const clock = (): number => (now === undefined ? -1 : now());
  const reservationKey = (lease: string): string => `${prefix}:lease:${lease}`;
  return {
    acquire: async (lease, subjects, tokens) => {
      const keys = [reservationKey(lease), ...subjects.flatMap((subject) => [`${prefix}:${subject.id}:rq`, `${prefix}:${subject.id}:tk`, `${prefix}:${subject.id}:conc`])];
      const args = [clock(), limitWindowMs, limitBucketMs, lease, Math.max(0, Math.round(tokens)), concurrencyLeaseMs, ...subjects.flatMap((subject) => [subject.rpm ?? 0, subject.tpm ?? 0, subject.concurrency ?? 0])];
      const reply = (await acquire(keys, args)) as Array<number | string>;
      const number = (index: number): number => Number(reply[index] ?? 0);
      const state: LimitState = {
        ...(number(4) > 0 ? { requests: { limit: number(4), remaining: number(5), resetMs: number(6) } } : {}),
        ...(number(7) > 0 ? { tokens: { limit: number(7), remaining: number(8), resetMs: number(9) } } : {}),
      };
      if (number(0) === 1) return { admitted: true, state } satisfies Admission;
      const subject = subjects[number(2)]?.id ?? "";
      return { admitted: false, state, kind: String(reply[1]) as LimitKind, subject, retryAfterMs: Math.max(1, number(3)) };
    },
    settle: async (lease, subjects, actualTokens) => {
      const keys = [reservationKey(lease), ...subjects.flatMap((subject) => [`${prefix}:${subject.id}:tk`, `${prefix}:${subject.id}:conc`])];
      await settle(keys, [clock(), limitWindowMs, limitBucketMs, lease, actualTokens === undefined ? -1 : Math.max(0, Math.round(actualTokens))]);
    },
    close: async () => undefined,
  };
}
