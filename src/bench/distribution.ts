/** Summary of one latency distribution, in the unit of its samples. */
export interface Distribution {
  count: number;
  mean: number;
  median: number;
  /** Population standard deviation (numpy's default, as vLLM reports it). */
  std: number;
  min: number;
  max: number;
  /** Keyed by the percentile as written, e.g. "99" or "99.9". */
  percentiles: Record<string, number>;
}

/** Summarises samples: mean, median, std, min, max and the requested percentiles (zeros when empty, as vLLM does). */
export function summarizeDistribution(samples: readonly number[], percentiles: readonly number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  const count = sorted.length;
  const mean = count === 0 ? 0 : sorted.reduce((sum, value) => sum + value, 0) / count;
  const variance = count === 0 ? 0 : sorted.reduce((sum, value) => sum + (value - mean) ** 2, 0) / count;
  return {
    count,
    mean,
    median: percentileOfSorted(sorted, 50),
    std: Math.sqrt(variance),
    min: sorted[0] ?? 0,
    max: sorted.at(-1) ?? 0,
    percentiles: Object.fromEntries(percentiles.map((p) => [String(p), percentileOfSorted(sorted, p)])),
  };
}

/** The p-th percentile of ascending samples with linear interpolation between ranks (numpy's default method). */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = (Math.min(Math.max(p, 0), 100) / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const low = sorted[lower] ?? 0;
  const high = sorted[Math.min(lower + 1, sorted.length - 1)] ?? low;
  return low + (high - low) * (rank - lower);
}
