import { percentileOfSorted } from "../../bench/distribution.js";
import { createSeededRandom } from "../../bench/seeded-random.js";

/** A percentile bootstrap interval of the mean paired difference (candidate − baseline). */
export interface BootstrapInterval {
  /** The observed mean difference. */
  readonly mean: number;
  readonly lower: number;
  readonly upper: number;
  readonly confidence: number;
  readonly resamples: number;
  readonly seed: number;
  /** How many paired differences were resampled. */
  readonly items: number;
}

export interface PairedBootstrapOptions {
  /** Two-sided confidence of the interval, in (0, 1). */
  readonly confidence: number;
  readonly resamples: number;
  readonly seed: number;
}

export const defaultBootstrapResamples = 10_000;

/**
 * Paired bootstrap: resamples the per-item differences with replacement `resamples` times and takes the
 * (1 − confidence)/2 and (1 + confidence)/2 percentiles (linear interpolation, numpy's default) of the resampled
 * means. Resampling whole items keeps each item's baseline and candidate answers together, which is what makes it paired.
 */
export function pairedBootstrap(differences: readonly number[], options: PairedBootstrapOptions): BootstrapInterval {
  const { confidence, resamples, seed } = options;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1) (got ${confidence})`);
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer (got ${resamples})`);
  const count = differences.length;
  if (count === 0) throw new RangeError("the paired bootstrap needs at least one paired item");
  const values = Float64Array.from(differences);
  const random = createSeededRandom(seed);
  const means = new Float64Array(resamples);
  for (let round = 0; round < resamples; round++) {
    let sum = 0;
    for (let draw = 0; draw < count; draw++) sum += values[Math.floor(random.next() * count)] ?? 0;
    means[round] = sum / count;
  }
  means.sort();
  const sorted = Array.from(means);
  const tail = ((1 - confidence) / 2) * 100;
  return {
    mean: values.reduce((sum, value) => sum + value, 0) / count,
    lower: percentileOfSorted(sorted, tail),
    upper: percentileOfSorted(sorted, 100 - tail),
    confidence,
    resamples,
    seed,
    items: count,
  };
}
