import type { SeededRandom } from "./seeded-random.js";

export interface ArrivalOptions {
  /** Requests per second; Infinity sends every request at time zero. */
  requestRate: number;
  /** Gamma shape: 1 is a Poisson process, below 1 burstier, above 1 more regular. */
  burstiness: number;
  random: SeededRandom;
}

/** An endless schedule of arrival times, in milliseconds from the start of the run. */
export interface ArrivalSchedule {
  next(): number;
}

/**
 * Creates the arrival process of `vllm bench serve`: the first request at 0, then gaps drawn from
 * Gamma(shape = burstiness, scale = 1 / (rate · burstiness)), so the mean gap is 1/rate and the
 * coefficient of variation is 1/sqrt(burstiness).
 */
export function createArrivalSchedule(options: ArrivalOptions): ArrivalSchedule {
  const { requestRate, burstiness, random } = options;
  if (!(requestRate > 0)) throw new RangeError(`request rate must be > 0 (got ${requestRate})`);
  if (!(burstiness > 0)) throw new RangeError(`burstiness must be > 0 (got ${burstiness})`);
  let time = 0;
  let first = true;
  return {
    next: () => {
      if (first || requestRate === Infinity) {
        first = false;
        return time;
      }
      // Absolute times (a running sum) rather than sleeps between sends, so timer lateness never accumulates.
      time += random.gamma(burstiness, 1 / (requestRate * burstiness)) * 1000;
      return time;
    },
  };
}
