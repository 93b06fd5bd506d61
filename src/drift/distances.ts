import chisquareCdf from "@stdlib/stats-base-dists-chisquare-cdf";

/** Evidently replaces empty bins by this share before PSI, so a bin empty on one side gives a large finite term. */
const emptyShare = 0.0001;

/** Earth mover's distance between two empirical distributions: ∫|F₁ − F₂| dx over the merged sorted values. */
export function wassersteinDistance(first: readonly number[], second: readonly number[]): number {
  const a = Float64Array.from(first).sort();
  const b = Float64Array.from(second).sort();
  const values = Float64Array.from([...a, ...b]).sort();
  let i = 0;
  let j = 0;
  let total = 0;
  for (let k = 0; k < values.length - 1; k++) {
    const x = values[k] as number;
    while (i < a.length && (a[i] as number) <= x) i++;
    while (j < b.length && (b[j] as number) <= x) j++;
    total += Math.abs(i / a.length - j / b.length) * ((values[k + 1] as number) - x);
  }
  return total;
}

/** Population standard deviation (numpy's `std`, ddof 0), the scale Evidently normalises Wasserstein by. */
export function standardDeviation(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length);
}

/** Jensen–Shannon distance (the square root of the divergence, natural log: scipy's `jensenshannon`, as Evidently). */
export function jensenShannonDistance(p: readonly number[], q: readonly number[]): number {
  const sumP = p.reduce((sum, value) => sum + value, 0);
  const sumQ = q.reduce((sum, value) => sum + value, 0);
  let divergence = 0;
  p.forEach((raw, index) => {
    const pi = raw / sumP;
    const qi = (q[index] ?? 0) / sumQ;
    const mi = (pi + qi) / 2;
    if (pi > 0) divergence += pi * Math.log(pi / mi);
    if (qi > 0) divergence += qi * Math.log(qi / mi);
  });
  return Math.sqrt(Math.max(0, divergence / 2));
}

/** Population stability index Σ (ref − cur)·ln(ref / cur) over bin shares, empty bins counted as 0.0001 (Evidently). */
export function populationStabilityIndex(reference: readonly number[], current: readonly number[]): number {
  const sumR = reference.reduce((sum, value) => sum + value, 0);
  const sumC = current.reduce((sum, value) => sum + value, 0);
  let psi = 0;
  reference.forEach((count, index) => {
    const r = count === 0 ? emptyShare : count / sumR;
    const c = (current[index] ?? 0) === 0 ? emptyShare : (current[index] ?? 0) / sumC;
    psi += (r - c) * Math.log(r / c);
  });
  return psi;
}

/** Pearson's chi-square test of homogeneity on a 2 × k table of counts (no continuity correction). */
export function chiSquareHomogeneity(reference: readonly number[], current: readonly number[]): { statistic: number; pValue: number; dof: number } {
  const sumR = reference.reduce((sum, value) => sum + value, 0);
  const sumC = current.reduce((sum, value) => sum + value, 0);
  const total = sumR + sumC;
  let statistic = 0;
  let categories = 0;
  reference.forEach((r, index) => {
    const c = current[index] ?? 0;
    const column = r + c;
    if (column === 0) return;
    categories++;
    const expectedR = (column * sumR) / total;
    const expectedC = (column * sumC) / total;
    statistic += (r - expectedR) ** 2 / expectedR + (c - expectedC) ** 2 / expectedC;
  });
  const dof = categories - 1;
  // One category on both sides: nothing can differ.
  if (dof <= 0) return { statistic: 0, pValue: 1, dof: 0 };
  return { statistic, pValue: 1 - chisquareCdf(statistic, dof), dof };
}

/** Equal-width bin edges over both samples, Sturges' count (numpy's `histogram_bin_edges(..., "sturges")`, as Evidently's PSI). */
export function sturgesEdges(first: readonly number[], second: readonly number[]): number[] {
  let min = Infinity;
  let max = -Infinity;
  for (const value of first) [min, max] = [Math.min(min, value), Math.max(max, value)];
  for (const value of second) [min, max] = [Math.min(min, value), Math.max(max, value)];
  if (!Number.isFinite(min)) return [0, 1];
  // numpy widens a zero range by 0.5 on each side.
  if (min === max) [min, max] = [min - 0.5, max + 0.5];
  const bins = Math.ceil(Math.log2(first.length + second.length)) + 1;
  return Array.from({ length: bins + 1 }, (_, index) => min + ((max - min) * index) / bins);
}

/** Counts per bin; the last bin is closed on the right, as numpy's histogram. */
export function histogram(values: readonly number[], edges: readonly number[]): number[] {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const min = edges[0] as number;
  const width = ((edges[bins] as number) - min) / bins;
  for (const value of values) {
    const index = Math.min(bins - 1, Math.max(0, Math.floor((value - min) / width)));
    counts[index] = (counts[index] as number) + 1;
  }
  return counts;
}
