import type { Redis } from "ioredis";
import { spendPeriods, type SpendStore } from "./spend-store.js";

const dayTtlS = 2 * 86_400;
const monthTtlS = 32 * 86_400;

/** Spend in Redis, one counter per subject and period, expiring after the period: shared by every replica. */
export function createRedisSpendStore(redis: Redis, now: () => number = Date.now, prefix = "gantry:spend"): SpendStore {
  const keys = (subject: string): [string, string] => {
    const { day, month } = spendPeriods(now());
    return [`${prefix}:${subject}:${day}`, `${prefix}:${subject}:${month}`];
  };
  return {
    add: async (subject, usd) => {
      if (usd <= 0) return;
      const [day, month] = keys(subject);
      await redis.multi().incrbyfloat(day, usd).expire(day, dayTtlS).incrbyfloat(month, usd).expire(month, monthTtlS).exec();
    },
    get: async (subject) => {
      const [day, month] = await redis.mget(...keys(subject));
      return { dayUsd: Number(day ?? 0), monthUsd: Number(month ?? 0) };
    },
    close: async () => undefined,
  };
}
