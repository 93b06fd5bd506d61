import { driftFeatures, type DriftSample } from "./drift-sample.js";
import { categoricalDrift, numericDrift, pValueThreshold, type FeatureDrift } from "./feature-drift.js";

/** Evidently's dataset drift: at least this share of the tested features drifted. */
const datasetDriftShare = 0.5;

/** The drift of one model version between two windows. */
export interface DriftReport {
  readonly model: string;
  readonly version: string;
  readonly reference: { readonly from: number; readonly to: number; readonly samples: number };
  readonly current: { readonly from: number; readonly to: number; readonly samples: number };
  readonly features: readonly FeatureDrift[];
  /** Features that had enough data on both sides. */
  readonly tested_features: number;
  readonly drifted_features: readonly string[];
  /** Evidently's dataset drift: ≥ 50% of the tested features drifted (false when none could be tested). */
  readonly dataset_drift: boolean;
  /**
   * The alarm: some feature drifted once the p-value tests are held to a family-wise 5% (Bonferroni over the
   * features tested by p-value; distance tests keep their threshold). Per-feature `drifted` stays Evidently's.
   */
  readonly drift_detected: boolean;
  /** True when no feature had enough data on both sides. */
  readonly not_enough_data: boolean;
}

/** A time window, epoch milliseconds, `from` inclusive and `to` exclusive. */
export interface DriftWindow {
  readonly from: number;
  readonly to: number;
}

/** Compares the current window's samples with the reference window's, feature by feature. */
export function buildDriftReport(input: { model: string; version: string; reference: DriftWindow; current: DriftWindow; referenceSamples: readonly DriftSample[]; currentSamples: readonly DriftSample[]; minSamples: number }): DriftReport {
  const features = driftFeatures.map((feature) => {
    const read = (samples: readonly DriftSample[]): (number | string)[] => samples.map((sample) => feature.value(sample)).filter((value): value is number | string => value !== undefined);
    const reference = read(input.referenceSamples);
    const current = read(input.currentSamples);
    return feature.kind === "numeric"
      ? numericDrift(feature.name, reference as number[], current as number[], input.minSamples)
      : categoricalDrift(feature.name, reference as string[], current as string[], input.minSamples);
  });
  const tested = features.filter((feature) => feature.status !== "not_enough_data");
  const drifted = tested.filter((feature) => feature.drifted);
  return {
    model: input.model,
    version: input.version,
    reference: { ...input.reference, samples: input.referenceSamples.length },
    current: { ...input.current, samples: input.currentSamples.length },
    features,
    tested_features: tested.length,
    drifted_features: drifted.map((feature) => feature.feature),
    dataset_drift: tested.length > 0 && drifted.length >= datasetDriftShare * tested.length,
    drift_detected: familyWiseDrift(tested),
    not_enough_data: tested.length === 0,
  };
}

/**
 * Some feature drifted at a family-wise α = 0.05: a distance test over its threshold, or the smallest p-value below
 * α/k over the k p-value tests (Bonferroni; Holm's procedure rejects anything exactly when it rejects that one).
 */
function familyWiseDrift(tested: readonly FeatureDrift[]): boolean {
  if (tested.some((feature) => feature.distance !== null && feature.drifted)) return true;
  const pValues = tested.flatMap((feature) => (feature.p_value === null ? [] : [feature.p_value]));
  return pValues.length > 0 && Math.min(...pValues) < pValueThreshold / pValues.length;
}
