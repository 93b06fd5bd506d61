import { ksTwoSample } from "./ks-test.js";
import { chiSquareHomogeneity, histogram, jensenShannonDistance, populationStabilityIndex, standardDeviation, sturgesEdges, wassersteinDistance } from "./distances.js";

/**
 * Evidently's defaults: p-value tests up to this many rows, distance tests above. Evidently counts the reference's
 * rows; we count the smaller side's, because a distance's sampling noise is set by the smaller sample (docs/drift.md).
 */
export const smallSampleRows = 1000;
export const pValueThreshold = 0.05;
export const distanceThreshold = 0.1;
/** Evidently floors the Wasserstein normaliser so a constant reference cannot divide by zero. */
const minStd = 0.001;

export type DriftTest = "ks" | "wasserstein_normed" | "chi_square" | "jensen_shannon";

/** One feature's verdict between the reference and current windows. */
export interface FeatureDrift {
  readonly feature: string;
  readonly kind: "numeric" | "categorical";
  readonly status: "drift" | "no_drift" | "not_enough_data";
  /** Undefined when there was not enough data to test. */
  readonly test: DriftTest | null;
  /** KS D, the chi-square statistic, or the distance (what `threshold` is compared with for distance tests). */
  readonly statistic: number | null;
  /** For KS and chi-square; drift when below `threshold`. */
  readonly p_value: number | null;
  /** For Wasserstein (normed) and Jensen–Shannon; drift when at or above `threshold`. */
  readonly distance: number | null;
  readonly threshold: number | null;
  readonly drifted: boolean;
  readonly psi: number | null;
  readonly reference_size: number;
  readonly current_size: number;
  /** Bin labels and each window's counts per bin (the report's plots; the PSI's bins); numeric bins also give their edges. */
  readonly histogram: { readonly bins: readonly string[]; readonly edges?: readonly number[]; readonly reference: readonly number[]; readonly current: readonly number[] };
}

/** Tests one numeric feature: KS (p < 0.05) on small samples, normalised Wasserstein (≥ 0.1) when both sides are large. */
export function numericDrift(feature: string, reference: readonly number[], current: readonly number[], minSamples: number): FeatureDrift {
  const edges = sturgesEdges(reference, current);
  const counts = { reference: histogram(reference, edges), current: histogram(current, edges) };
  const base = { feature, kind: "numeric" as const, reference_size: reference.length, current_size: current.length, histogram: { bins: edges.slice(0, -1).map((edge) => formatEdge(edge)), edges, ...counts } };
  if (reference.length < minSamples || current.length < minSamples) return notEnough(base);
  const psi = populationStabilityIndex(counts.reference, counts.current);
  if (Math.min(reference.length, current.length) <= smallSampleRows) {
    const ks = ksTwoSample(reference, current);
    return { ...base, status: ks.pValue < pValueThreshold ? "drift" : "no_drift", test: "ks", statistic: ks.statistic, p_value: ks.pValue, distance: null, threshold: pValueThreshold, drifted: ks.pValue < pValueThreshold, psi };
  }
  const distance = wassersteinDistance(reference, current) / Math.max(standardDeviation(reference), minStd);
  return { ...base, status: distance >= distanceThreshold ? "drift" : "no_drift", test: "wasserstein_normed", statistic: distance, p_value: null, distance, threshold: distanceThreshold, drifted: distance >= distanceThreshold, psi };
}

/** Tests one categorical feature: chi-square (p < 0.05) on small samples, Jensen–Shannon (≥ 0.1) when both sides are large. */
export function categoricalDrift(feature: string, reference: readonly string[], current: readonly string[], minSamples: number): FeatureDrift {
  const categories = [...new Set([...reference, ...current])].sort();
  const count = (values: readonly string[]): number[] => {
    const index = new Map(categories.map((category, position) => [category, position]));
    const counts = new Array<number>(categories.length).fill(0);
    for (const value of values) {
      const at = index.get(value) as number;
      counts[at] = (counts[at] as number) + 1;
    }
    return counts;
  };
  const counts = { reference: count(reference), current: count(current) };
  const base = { feature, kind: "categorical" as const, reference_size: reference.length, current_size: current.length, histogram: { bins: categories, ...counts } };
  if (reference.length < minSamples || current.length < minSamples) return notEnough(base);
  const psi = populationStabilityIndex(counts.reference, counts.current);
  if (Math.min(reference.length, current.length) <= smallSampleRows) {
    const chi = chiSquareHomogeneity(counts.reference, counts.current);
    const drifted = chi.pValue < pValueThreshold;
    return { ...base, status: drifted ? "drift" : "no_drift", test: "chi_square", statistic: chi.statistic, p_value: chi.pValue, distance: null, threshold: pValueThreshold, drifted, psi };
  }
  const distance = jensenShannonDistance(counts.reference, counts.current);
  const drifted = distance >= distanceThreshold;
  return { ...base, status: drifted ? "drift" : "no_drift", test: "jensen_shannon", statistic: distance, p_value: null, distance, threshold: distanceThreshold, drifted, psi };
}

type FeatureBase = Pick<FeatureDrift, "feature" | "kind" | "reference_size" | "current_size" | "histogram">;

/** Too few samples on either side: never "drift" (Evidently #509: tests on tiny windows fire on noise). */
function notEnough(base: FeatureBase): FeatureDrift {
  return { ...base, status: "not_enough_data", test: null, statistic: null, p_value: null, distance: null, threshold: null, drifted: false, psi: null };
}

function formatEdge(edge: number): string {
  return Number.isInteger(edge) ? String(edge) : edge.toPrecision(3);
}
