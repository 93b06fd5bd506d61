import type { Budget } from "./limits-config-schema.js";

/** Money spent by one subject in the current UTC day and month, in US dollars (reservations in flight included). */
export interface Spend {
  readonly dayUsd: number;
  readonly monthUsd: number;
}

/** One subject spend is counted against (a key or a team), with its budget if it has one. */
export interface BudgetSubject {
  readonly id: string;
  readonly budget: Budget | undefined;
}

/** The outcome of reserving against every subject at once. */
export type SpendAdmission = { readonly admitted: true } | { readonly admitted: false; readonly subject: string; readonly period: "day" | "month"; readonly limitUsd: number };

/**
 * Where spend is added up per subject (key or team). Like the TPM limiter, a request reserves its worst case at
 * admission and settles to its real cost when it ends, so concurrent requests cannot overshoot a budget together.
 */
export interface SpendStore {
  /**
   * Adds `usd` to every subject's spend for the day and month of `at` if, for every subject, the spend plus `usd`
   * stays within its budgets; otherwise adds nothing and says which budget refused. Atomic across subjects.
   */
  reserve(subjects: readonly BudgetSubject[], usd: number, at: number): Promise<SpendAdmission>;
  /** Replaces a reservation made at `at` with the actual cost, in the same day and month as the reservation. */
  settle(subjects: readonly string[], reservedUsd: number, actualUsd: number, at: number): Promise<void>;
  get(subject: string): Promise<Spend>;
  close(): Promise<void>;
}

/** Tolerance for float sums: a budget that fits exactly ten reservations admits the tenth. */
export const spendEpsilonUsd = 1e-9;

/** `2025-01-31` and `2025-01` for a time, in UTC. */
export function spendPeriods(at: number): { day: string; month: string } {
  const iso = new Date(at).toISOString();
  return { day: iso.slice(0, 10), month: iso.slice(0, 7) };
}
