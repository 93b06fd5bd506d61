import type { Clock } from "./clock.js";
import { createSlidingCounts } from "./sliding-counts.js";

/** Caps retries at `ratio` × requests over a sliding window plus a small floor, so an outage cannot multiply load. */
export interface RetryBudget {
  /** Counts one request (its first attempt). */
  request(): void;
  /** Takes one retry from the budget; false when it is spent. */
  tryRetry(): boolean;
}

export interface RetryBudgetOptions {
  ratio: number;
  minRetries: number;
  windowMs: number;
}

/** Creates a retry budget over a sliding window (bounded memory: a fixed ring of counters). */
export function createRetryBudget(options: RetryBudgetOptions, clock: Clock): RetryBudget {
  const counts = createSlidingCounts(["requests", "retries"], options.windowMs, clock);
  return {
    request: () => counts.add("requests"),
    tryRetry() {
      const { requests, retries } = counts.totals();
      if (retries + 1 > options.minRetries + options.ratio * requests) return false;
      counts.add("retries");
      return true;
    },
  };
}
