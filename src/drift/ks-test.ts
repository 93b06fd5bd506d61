/** The result of a two-sample Kolmogorov–Smirnov test. */
export interface KsResult {
  /** D: the largest distance between the two empirical CDFs. */
  readonly statistic: number;
  /** Two-sided p-value. */
  readonly pValue: number;
  readonly method: "exact" | "asymptotic";
}

/** scipy's `ks_2samp(method="auto")` computes the exact p-value while both samples hold at most this many values. */
const ksExactMaxN = 10_000;

/**
 * Two-sided two-sample KS test, computed as scipy's `ks_2samp` does (docs/adr/0008-hand-written-two-sample-ks.md):
 * the exact null distribution of D by lattice paths (Hodges 1958; Viehmann 2021) while both samples are small, the
 * Kolmogorov limiting distribution of √(n·m/(n+m))·D otherwise, or when the exact sum leaves [0, 1].
 */
export function ksTwoSample(first: readonly number[], second: readonly number[]): KsResult {
  const n = first.length;
  const m = second.length;
  if (n === 0 || m === 0) throw new RangeError("the KS test needs two non-empty samples");
  const statistic = ksStatistic(first, second);
  if (Math.max(n, m) <= ksExactMaxN) {
    const exact = ksExactPValue(n, m, statistic);
    if (exact !== undefined) return { statistic: exact.d, pValue: exact.pValue, method: "exact" };
  }
  return { statistic, pValue: kolmogorovSurvival(Math.sqrt((n * m) / (n + m)) * statistic), method: "asymptotic" };
}

/** D = sup |F₁(x) − F₂(x)| with right-continuous ECDFs (ties handled by stepping past every equal value). */
export function ksStatistic(first: readonly number[], second: readonly number[]): number {
  const a = Float64Array.from(first).sort();
  const b = Float64Array.from(second).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i] as number, b[j] as number);
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

/**
 * The exact P(D ≥ d) under the null. D takes values h / lcm(n, m); `d` is first rounded to that lattice, as scipy
 * does, so floating-point noise in the statistic cannot move the p-value. Undefined when the sum lost its precision.
 */
function ksExactPValue(n: number, m: number, d: number): { d: number; pValue: number } | undefined {
  const g = gcd(n, m);
  const lcm = (n / g) * m;
  const h = Math.round(d * lcm);
  const rounded = h / lcm;
  if (h === 0) return { d: rounded, pValue: 1 };
  const pValue = n === m ? probabilityOutsideSquare(n, h) : probabilityOutside(n, m, g, h);
  if (!Number.isFinite(pValue) || pValue < 0 || pValue > 1) return undefined;
  return { d: rounded, pValue };
}

/**
 * n = m: P(D ≥ h/n) = 2·Σₖ (−1)^(k−1)·C(2n, n−kh) / C(2n, n), evaluated Horner-style on the ratios so the
 * alternating sum never subtracts large binomials.
 */
function probabilityOutsideSquare(n: number, h: number): number {
  let total = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let ratio = 1;
    for (let j = 0; j < h; j++) ratio = ((n - k * h - j) * ratio) / (n + k * h + j + 1);
    total = ratio * (1 - total);
  }
  return 2 * total;
}

/**
 * The share of monotone lattice paths from (0, 0) to (m, n) that leave the band |x/m − y/n| < h/lcm, computed as
 * the share directly (Viehmann 2021, arXiv:2102.08037, as scipy's `_compute_outer_prob_inside_method`): one column
 * of the table at a time over a sliding window, each cell the weighted mean of its two predecessors, 1 outside the
 * band. Counting the paths inside and subtracting from 1 instead underflows for a few thousand values per side.
 */
function probabilityOutside(first: number, second: number, g: number, h: number): number {
  const m = Math.max(first, second);
  const n = Math.min(first, second);
  const mg = m / g;
  const ng = n / g;
  let minJ = 0;
  let maxJ = Math.min(Math.ceil(h / mg), n + 1);
  let length = maxJ - minJ;
  // Cells outside the window hold 1: every path through them has already left the band.
  const column = new Float64Array(Math.min(2 * maxJ + 2, n + 1) + 1).fill(1);
  column.fill(0, minJ, maxJ);
  for (let i = 1; i <= m; i++) {
    const lastMinJ = minJ;
    const lastLength = length;
    minJ = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxJ = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxJ <= minJ) return 1;
    length = maxJ - minJ;
    // Reading index k + shift ≥ k before writing k keeps this in place.
    let value = minJ === 0 ? 0 : 1;
    const shift = minJ - lastMinJ;
    for (let k = 0; k < length; k++) {
      const j = k + minJ;
      value = ((column[k + shift] ?? 1) * i + value * j) / (i + j);
      column[k] = value;
    }
    if (lastLength > length) column.fill(1, length, lastLength);
  }
  return column[length - 1] ?? 1;
}

/** Kolmogorov's limiting survival function Q(λ) = 2·Σₖ (−1)^(k−1)·e^(−2k²λ²) (scipy's `kstwobign.sf`). */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda <= 0) return 1;
  // Below ~0.2 the series converges too slowly and Q is 1 to double precision.
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-17) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}
