import { LRUCache } from "lru-cache";
import { spendEpsilonUsd, spendPeriods, type SpendAdmission, type SpendStore } from "./spend-store.js";

/** Most subjects tracked at once; the least recently charged are forgotten first. */
const maxSubjects = 100_000;

interface Entry {
  day: string;
  dayUsd: number;
  month: string;
  monthUsd: number;
}

/** Spend in this process's memory; a new day or month starts from zero. */
export function createMemorySpendStore(now: () => number = Date.now): SpendStore {
  const subjects = new LRUCache<string, Entry>({ max: maxSubjects });
  /** The subject's spend in the periods of `at` (zero for a period that has not been charged). */
  const current = (subject: string, at: number): Entry => {
    const { day, month } = spendPeriods(at);
    const entry = subjects.get(subject);
    if (entry === undefined) return { day, dayUsd: 0, month, monthUsd: 0 };
    return { day, dayUsd: entry.day === day ? entry.dayUsd : 0, month, monthUsd: entry.month === month ? entry.monthUsd : 0 };
  };
  return {
    // Check and add in one synchronous step: nothing can interleave, so concurrent requests cannot overshoot.
    reserve: async (list, usd, at) => {
      const entries = list.map((subject) => current(subject.id, at));
      for (const [index, subject] of list.entries()) {
        const entry = entries[index];
        const budget = subject.budget;
        if (entry === undefined || budget === undefined) continue;
        if (budget.daily_usd !== undefined && entry.dayUsd + usd > budget.daily_usd + spendEpsilonUsd) return refused(subject.id, "day", budget.daily_usd);
        if (budget.monthly_usd !== undefined && entry.monthUsd + usd > budget.monthly_usd + spendEpsilonUsd) return refused(subject.id, "month", budget.monthly_usd);
      }
      for (const [index, subject] of list.entries()) {
        const entry = entries[index];
        if (entry !== undefined) subjects.set(subject.id, { ...entry, dayUsd: entry.dayUsd + usd, monthUsd: entry.monthUsd + usd });
      }
      return { admitted: true };
    },
    settle: async (list, reservedUsd, actualUsd, at) => {
      const { day, month } = spendPeriods(at);
      const delta = actualUsd - reservedUsd;
      if (delta === 0) return;
      for (const subject of list) {
        const entry = subjects.get(subject, { updateAgeOnGet: false });
        if (entry === undefined) continue;
        // Only the periods the reservation went into are corrected; a period that has since rolled over is left alone.
        if (entry.day === day) entry.dayUsd = Math.max(0, entry.dayUsd + delta);
        if (entry.month === month) entry.monthUsd = Math.max(0, entry.monthUsd + delta);
      }
    },
    get: async (subject) => {
      const entry = current(subject, now());
      return { dayUsd: entry.dayUsd, monthUsd: entry.monthUsd };
    },
    close: async () => subjects.clear(),
  };
}

function refused(subject: string, period: "day" | "month", limitUsd: number): SpendAdmission {
  return { admitted: false, subject, period, limitUsd };
}
