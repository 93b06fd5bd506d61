/**
 * The fixed latency buckets shared by the rollups, SLO thresholds and the Prometheus histograms, in milliseconds:
 * 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5 per decade from 1 ms to 75 s, then 100 s and 120 s. Neighbours differ by at
 * most a third, so a percentile read at a bucket's upper bound is at most 33% high (and never low); the values are
 * the round numbers people write as SLO thresholds. A bucket holds the values ≤ its bound and > the previous bound
 * (Prometheus `le` semantics); the last count holds everything above 120 s.
 */
export const latencyBucketsMs: readonly number[] = [
  ...[1, 10, 100, 1000, 10_000].flatMap((decade) => [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5].map((step) => Math.round(step * decade  * 10) / 10)),
  100_000,
  120_000,
];

/** Counts per bucket: `latencyBucketsMs.length + 1` entries, the last one the overflow above 120 s. */
export type LatencyHistogram = number[];

/** An empty histogram. */
export function emptyHistogram(): LatencyHistogram {
  return new Array<number>(latencyBucketsMs.length + 1).fill(0);
}

/** The bucket a value falls in (binary search over the bounds). */
export function bucketIndex(ms: number): number {
  let low = 0;
  let high = latencyBucketsMs.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (ms <= (latencyBucketsMs[middle] ?? Infinity)) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** Adds `source` into `target`, bucket by bucket (histograms merge across replicas and windows by summing). */
export function addHistogram(target: LatencyHistogram, source: readonly number[]): void {
  for (let index = 0; index < source.length; index++) target[index] = (target[index] ?? 0) + (source[index] ?? 0);
}

/** A compact text form for storage: `index:count` pairs of the non-empty buckets, comma-separated ("" when empty). */
export function encodeHistogram(histogram: readonly number[]): string {
  const parts: string[] = [];
  for (let index = 0; index < histogram.length; index++) if ((histogram[index] ?? 0) > 0) parts.push(`${index}:${histogram[index]}`);
  return parts.join(",");
}

/** Adds an encoded histogram into `target`; parsed by character codes, without allocating (stats decode thousands). */
export function addEncoded(target: LatencyHistogram, encoded: string): void {
  let index = 0;
  let value = 0;
  for (let at = 0; at <= encoded.length; at++) {
    const code = at === encoded.length ? 44 : encoded.charCodeAt(at);
    if (code === 58) {
      // ":" ends the bucket index.
      index = value;
      value = 0;
    } else if (code === 44) {
      // "," (or the end) ends the count.
      if (at > 0 && index < target.length) target[index] = (target[index] ?? 0) + value;
      value = 0;
    } else value = value * 10 + (code - 48);
  }
}

/** Events at or below `thresholdMs`, which must be a bucket bound for the count to be exact. */
export function countAtOrBelow(histogram: readonly number[], thresholdMs: number): number {
  const last = bucketIndex(thresholdMs);
  let count = 0;
  for (let index = 0; index <= last && index < latencyBucketsMs.length; index++) count += histogram[index] ?? 0;
  return count;
}

/** The nearest-rank quantile read as its bucket's upper bound (never below the true value); null when empty. */
export function histogramQuantile(histogram: readonly number[], fraction: number): number | null {
  const total = histogram.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(fraction * total));
  let seen = 0;
  for (let index = 0; index < histogram.length; index++) {
    seen += histogram[index] ?? 0;
    // The overflow bucket has no upper bound: report the last bound, the most that can be said.
    if (seen >= rank) return latencyBucketsMs[Math.min(index, latencyBucketsMs.length - 1)] ?? null;
  }
  return latencyBucketsMs.at(-1) ?? null;
}
