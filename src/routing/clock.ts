import { performance } from "node:perf_hooks";

/** Monotonic milliseconds; injected so breakers, budgets and EWMAs run under a fake clock in tests. */
export interface Clock {
  now(): number;
}

/** The real monotonic clock. */
export const systemClock: Clock = { now: () => performance.now() };

/** Runs `callback` once, `ms` from now; returns a function that cancels it. Injected so timers run on a fake clock in tests. */
export type Schedule = (callback: () => void, ms: number) => () => void;

/** Real timers. */
export const systemSchedule: Schedule = (callback, ms) => {
  const timer = setTimeout(callback, ms);
  return () => clearTimeout(timer);
};

/** A source of uniform numbers in [0, 1); injected so strategies are deterministic in tests. */
export type Random = () => number;
