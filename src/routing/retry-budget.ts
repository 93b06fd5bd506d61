import type { Clock } from "./clock.js";
import { createSlidingCounts } from "./sliding-counts.js";

/**
 * Caps retries at `ratio` × requests over a sliding window plus a floor, so an outage cannot multiply load (Finagle's
 * RetryBudget: 20% of requests plus 10 retries per second, over 10 s).
 */
export interface RetryBudget {
  /** Counts one request (its first attempt). */
  request(): void;
  /** Takes one retry from the budget; false when it is spent. */
  tryRetry(): boolean;
}

export interface RetryBudgetOptions {
  ratio: number;
  /** Retries always allowed per window. */
  minRetries: number;
  windowMs: number;
}

/** The per-window floor: an explicit count, else retries per second × the window's seconds. */
export function retryFloor(perSecond: number, windowMs: number, fixed: number | undefined): number {
  return fixed ?? Math.floor((perSecond * windowMs) / 1_000);
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
