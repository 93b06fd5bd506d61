import { spendPeriods, type SpendStore } from "./spend-store.js";

/** Most subjects tracked at once; the least recently charged are forgotten first. */
const maxSubjects = 100_000;

/** Spend in this process's memory; a new day or month starts from zero. */
export function createMemorySpendStore(now: () => number = Date.now): SpendStore {
  const subjects = new Map<string, { day: string; dayUsd: number; month: string; monthUsd: number }>();
  const current = (subject: string): { day: string; dayUsd: number; month: string; monthUsd: number } => {
    const { day, month } = spendPeriods(now());
    const entry = subjects.get(subject);
    if (entry === undefined) return { day, dayUsd: 0, month, monthUsd: 0 };
    return { day, dayUsd: entry.day === day ? entry.dayUsd : 0, month, monthUsd: entry.month === month ? entry.monthUsd : 0 };
  };
  return {
    add: async (subject, usd) => {
      const entry = current(subject);
      subjects.delete(subject);
      if (subjects.size >= maxSubjects) {
        const oldest = subjects.keys().next();
        if (oldest.done !== true) subjects.delete(oldest.value);
      }
      subjects.set(subject, { ...entry, dayUsd: entry.dayUsd + usd, monthUsd: entry.monthUsd + usd });
    },
    get: async (subject) => {
      const entry = current(subject);
      return { dayUsd: entry.dayUsd, monthUsd: entry.monthUsd };
    },
    close: async () => subjects.clear(),
  };
}
