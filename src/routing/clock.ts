import { performance } from "node:perf_hooks";

/** Monotonic milliseconds; injected so breakers, budgets and EWMAs run under a fake clock in tests. */
export interface Clock {
  now(): number;
}

/** The real monotonic clock. */
export const systemClock: Clock = { now: () => performance.now() };

/** A source of uniform numbers in [0, 1); injected so strategies are deterministic in tests. */
export type Random = () => number;
