import type { Redis } from "ioredis";
import { createRedisScript } from "./redis-script.js";
import { reserveSpendScript } from "./redis-spend-scripts.js";
import { spendEpsilonUsd, spendPeriods, type SpendStore } from "./spend-store.js";

const dayTtlS = 2 * 86_400;
const monthTtlS = 32 * 86_400;

/** Spend in Redis, one counter per subject and period, expiring after the period: shared by every replica. */
export function createRedisSpendStore(redis: Redis, now: () => number = Date.now, prefix = "gantry:spend"): SpendStore {
  const reserve = createRedisScript(redis, reserveSpendScript);
  const keys = (subject: string, at: number): [string, string] => {
    const { day, month } = spendPeriods(at);
    return [`${prefix}:${subject}:${day}`, `${prefix}:${subject}:${month}`];
  };
  return {
    reserve: async (subjects, usd, at) => {
      const limits = subjects.flatMap((subject) => [subject.budget?.daily_usd ?? "", subject.budget?.monthly_usd ?? ""]);
      const reply = await reserve(
        subjects.flatMap((subject) => keys(subject.id, at)),
        [usd, dayTtlS, monthTtlS, spendEpsilonUsd, ...limits],
      );
      if (!Array.isArray(reply)) return { admitted: true };
      const subject = subjects[Number(reply[0]) - 1];
      const period = Number(reply[1]) === 0 ? "day" : "month";
      const limitUsd = (period === "day" ? subject?.budget?.daily_usd : subject?.budget?.monthly_usd) ?? 0;
      return { admitted: false, subject: subject?.id ?? "", period, limitUsd };
    },
    settle: async (subjects, reservedUsd, actualUsd, at) => {
      const delta = actualUsd - reservedUsd;
      if (delta === 0 || subjects.length === 0) return;
      // The counters exist (the reservation made them); INCRBYFLOAT keeps their TTL.
      const batch = redis.multi();
      for (const subject of subjects) for (const key of keys(subject, at)) batch.incrbyfloat(key, delta);
      await batch.exec();
    },
    get: async (subject) => {
      const [day, month] = await redis.mget(...keys(subject, now()));
      return { dayUsd: Number(day ?? 0), monthUsd: Number(month ?? 0) };
    },
    close: async () => undefined,
  };
}
