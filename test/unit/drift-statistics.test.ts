import { describe, expect, it } from "vitest";
import { kolmogorovSurvival, ksStatistic, ksTwoSample } from "../../src/drift/ks-test.js";
import { chiSquareHomogeneity, histogram, jensenShannonDistance, populationStabilityIndex, standardDeviation, sturgesEdges, wassersteinDistance } from "../../src/drift/distances.js";

// Reference values, and how each was obtained independently of the code under test:
// - "by hand": worked on paper from the definition, the working is in the comment beside the value;
// - "scipy 1.17.1": printed by scipy.stats.ks_2samp / chi2_contingency(correction=False) / jensenshannon on the
//   same inputs (python3 -c "from scipy.stats import ks_2samp; print(ks_2samp(a, b))"), copied to 10+ digits;
// - "table": the published 5% and 10% critical values of the Kolmogorov distribution (1.3581, 1.2238).
describe("two-sample Kolmogorov-Smirnov", () => {
  it("gives the exact p-value of separated samples (by hand)", () => {
    // D = 1 only for the two lattice paths that take every x first or every y first: p = 2 / C(6, 3) = 2/20.
    const disjoint = ksTwoSample([1, 2, 3], [4, 5, 6]);
    expect(disjoint.statistic).toBe(1);
    expect(disjoint.pValue).toBeCloseTo(0.1, 12);
    expect(disjoint.method).toBe("exact");
    // Unequal sizes take the other path counter: p = 2 / C(5, 2) = 2/10.
    expect(ksTwoSample([1, 2], [3, 4, 5]).pValue).toBeCloseTo(0.2, 12);
  });

  it("matches scipy's exact p-values for equal and unequal sizes (scipy 1.17.1)", () => {
    const small = ksTwoSample([1, 2, 3, 4, 5], [2.5, 6, 7, 8]);
    expect(small.statistic).toBeCloseTo(0.75, 12);
    expect(small.pValue).toBeCloseTo(0.14285714285714285, 10);
    const unequal = ksTwoSample(
      Array.from({ length: 60 }, (_, index) => index),
      Array.from({ length: 40 }, (_, index) => index * 1.5 + 10),
    );
    expect(unequal.statistic).toBeCloseTo(0.175, 12);
    expect(unequal.pValue).toBeCloseTo(0.42268063959128677, 10);
    const equal = ksTwoSample(
      Array.from({ length: 50 }, (_, index) => index),
      Array.from({ length: 50 }, (_, index) => index + 7),
    );
    expect(equal.statistic).toBeCloseTo(0.14, 12);
    expect(equal.pValue).toBeCloseTo(0.7166468440414822, 10);
  });

  it("stays exact for thousands of values per side, where counting paths inside the band underflows (scipy 1.17.1)", () => {
    // Integers 0–999 from a sine hash; the arrays were written to JSON and given to scipy's ks_2samp.
    const values = (count: number, seed: number): number[] => Array.from({ length: count }, (_, index) => Math.round(Math.abs(Math.sin(index * 12.9898 + seed) * 43758.5453) % 1000));
    const wide = ksTwoSample(values(10_000, 1), values(999, 2));
    expect(wide.method).toBe("exact");
    expect(wide.statistic).toBeCloseTo(0.016195595595595597, 12);
    expect(wide.pValue).toBeCloseTo(0.9676630183709188, 10);
    expect(ksTwoSample(values(3000, 1), values(700, 2)).pValue).toBeCloseTo(0.5051596133905695, 10);
  });

  it("counts ties as the right-continuous ECDF does (by hand)", () => {
    // F1 jumps to 3/4 at 1, F2 to 1/4 at 1: D = 1/2 at x = 1.
    expect(ksStatistic([1, 1, 1, 2], [1, 2, 2, 2])).toBeCloseTo(0.5, 12);
    expect(ksTwoSample([5, 5, 5], [5, 5, 5]).pValue).toBe(1);
  });

  it("uses the Kolmogorov limit above 10,000 values (table)", () => {
    expect(kolmogorovSurvival(1.3581)).toBeCloseTo(0.05, 4);
    expect(kolmogorovSurvival(1.2238)).toBeCloseTo(0.1, 4);
    expect(kolmogorovSurvival(0.1)).toBe(1);
    const large = ksTwoSample(
      Array.from({ length: 12_000 }, (_, index) => index),
      Array.from({ length: 12_000 }, (_, index) => index + 240),
    );
    expect(large.method).toBe("asymptotic");
    // D = 0.02 exactly; λ = √(6000) · 0.02 = 1.5492; Q(λ) from the series.
    expect(large.statistic).toBeCloseTo(0.02, 12);
    expect(large.pValue).toBeCloseTo(kolmogorovSurvival(Math.sqrt(6000) * 0.02), 12);
    expect(large.pValue).toBeGreaterThan(0.01);
    expect(large.pValue).toBeLessThan(0.02);
  });
});

describe("distances and the chi-square test", () => {
  it("chi-square of homogeneity on a 2 x 2 table (by hand and scipy 1.17.1)", () => {
    // Expected counts 25/15 per row: (5²/25 + 5²/15) · 2 = 5.3333; dof 1: p = erfc(√(5.3333/2)) = 0.020921.
    const result = chiSquareHomogeneity([30, 10], [20, 20]);
    expect(result.statistic).toBeCloseTo(5.333333333333334, 10);
    expect(result.dof).toBe(1);
    expect(result.pValue).toBeCloseTo(0.020921335337794004, 8);
    // A category seen on one side only is an ordinary cell, not an infinity.
    expect(chiSquareHomogeneity([50, 0], [40, 10]).pValue).toBeLessThan(0.01);
    expect(chiSquareHomogeneity([50], [40])).toEqual({ statistic: 0, pValue: 1, dof: 0 });
  });

  it("Jensen-Shannon distance, natural log (by hand and scipy 1.17.1)", () => {
    // M = (0.75, 0.25): KL(P‖M) = 0.143841, KL(Q‖M) = 0.287682; √((0.143841 + 0.287682)/2) = 0.464501.
    expect(jensenShannonDistance([1, 1], [2, 0])).toBeCloseTo(0.464501404022459, 10);
    expect(jensenShannonDistance([1, 0], [0, 1])).toBeCloseTo(Math.sqrt(Math.LN2), 12);
    expect(jensenShannonDistance([3, 7], [30, 70])).toBeCloseTo(0, 12);
  });

  it("PSI with Evidently's floor for empty bins (by hand)", () => {
    // (0.5 − 0.25)·ln 2 + (0.5 − 0.75)·ln(2/3) = 0.173287 + 0.101366 = 0.274653.
    expect(populationStabilityIndex([50, 50], [25, 75])).toBeCloseTo(0.27465307, 7);
    // An empty current bin's share becomes 0.0001 (the others are not renormalised, as in Evidently):
    // (0.5 − 0.0001)·ln(0.5/0.0001) + (0.5 − 1)·ln(0.5/1) = 4.257745 + 0.346574 = 4.604319.
    expect(populationStabilityIndex([1, 1], [0, 4])).toBeCloseTo(0.4999 * Math.log(5000) - 0.5 * Math.log(0.5), 10);
  });

  it("Wasserstein distance and the population standard deviation (by hand)", () => {
    // A shift by 5 moves every unit of mass 5.
    expect(wassersteinDistance([0, 1, 3], [5, 6, 8])).toBeCloseTo(5, 12);
    // |F1 − F2| is 1/2 on [0, 1) and [1, 2): 0.5 + 0.5.
    expect(wassersteinDistance([0, 1], [1, 2])).toBeCloseTo(1, 12);
    // Mean 4/3, squared deviations 16/9 + 1/9 + 25/9 = 42/9, / 3 = 14/9.
    expect(standardDeviation([0, 1, 3])).toBeCloseTo(Math.sqrt(14 / 9), 12);
  });

  it("Sturges bins over both samples, the last bin closed (numpy's rule)", () => {
    // 8 values: ⌈log2 8⌉ + 1 = 4 bins over [0, 8].
    const edges = sturgesEdges([0, 1, 2, 3], [4, 5, 6, 8]);
    expect(edges).toEqual([0, 2, 4, 6, 8]);
    expect(histogram([0, 1, 2, 3, 4, 5, 6, 8], edges)).toEqual([2, 2, 2, 2]);
  });
});
