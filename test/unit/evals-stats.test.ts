import { describe, expect, it } from "vitest";
import { fairCoinLowerTail } from "../../src/evals/stats/binomial-tail.js";
import { exactMcNemar } from "../../src/evals/stats/mcnemar.js";
import { pairedBootstrap } from "../../src/evals/stats/paired-bootstrap.js";

// Reference values were computed independently of this code, in Python with exact rationals:
//   from fractions import Fraction; from math import comb
//   tail = lambda k, n: Fraction(sum(comb(n, j) for j in range(k + 1)), 2 ** n)
//   two-sided p = float(min(1, 2 * tail(min(b, c), b + c)))   (statsmodels' mcnemar(exact=True):
//                 pvalue = min(1, 2 * binom.cdf(min(n1, n2), n1 + n2, 0.5)))
//   one-sided "candidate worse" p = float(tail(c, b + c)) = P[X >= b]
describe("fairCoinLowerTail", () => {
  it("matches exact rational tails, including past the double range of 2^n", () => {
    expect(fairCoinLowerTail(2, 12)).toBeCloseTo(79 / 4096, 15);
    expect(fairCoinLowerTail(30, 100)).toBeCloseTo(3.925069822796835e-5, 17);
    // 2^3000 overflows a double: the sum has to be done in log space. float(tail(1000, 3000)):
    const deep = fairCoinLowerTail(1000, 3000);
    expect(Math.abs(deep - 5.0450743139706706e-76) / 5.0450743139706706e-76).toBeLessThan(1e-9);
  });

  it("is 0 below the support and 1 at or above n", () => {
    expect(fairCoinLowerTail(-1, 10)).toBe(0);
    expect(fairCoinLowerTail(10, 10)).toBe(1);
    expect(fairCoinLowerTail(0, 0)).toBe(1);
    expect(() => fairCoinLowerTail(1.5, 10)).toThrow(RangeError);
  });
});

describe("exactMcNemar", () => {
  it("b=10, c=2: worked by hand, 2·(C(12,0)+C(12,1)+C(12,2))/2^12 = 2·79/4096", () => {
    const result = exactMcNemar(10, 2);
    expect(result.pTwoSided).toBeCloseTo(0.03857421875, 15);
    expect(result.pCandidateWorse).toBeCloseTo(0.019287109375, 15);
  });

  it("b=3, c=7: two-sided 2·176/1024 = 0.34375; the candidate is better, so 'worse' is 968/1024", () => {
    const result = exactMcNemar(3, 7);
    expect(result.pTwoSided).toBeCloseTo(0.34375, 15);
    expect(result.pCandidateWorse).toBeCloseTo(0.9453125, 15);
  });

  it("large discordant counts stay finite and match the exact rational values", () => {
    const large = exactMcNemar(600, 500);
    expect(large.pTwoSided / 0.0028195449914364275).toBeCloseTo(1, 9);
    expect(large.pCandidateWorse / 0.0014097724957182138).toBeCloseTo(1, 9);
    const larger = exactMcNemar(1500, 1400);
    expect(larger.pTwoSided).toBeCloseTo(0.06598734966518381, 12);
    expect(larger.pCandidateWorse).toBeCloseTo(0.032993674832591906, 12);
  });

  it("caps the two-sided p at 1 and handles no discordant pairs", () => {
    expect(exactMcNemar(5, 5).pTwoSided).toBe(1);
    expect(exactMcNemar(0, 0)).toMatchObject({ pTwoSided: 1, pCandidateWorse: 1 });
    expect(exactMcNemar(0, 25).pTwoSided).toBeCloseTo(5.960464477539063e-8, 20);
    expect(() => exactMcNemar(-1, 2)).toThrow(RangeError);
  });
});

describe("pairedBootstrap", () => {
  const options = { confidence: 0.95, resamples: 10_000, seed: 7 };

  it("constant differences give a degenerate interval at that constant", () => {
    const interval = pairedBootstrap(new Array<number>(50).fill(0.1), options);
    expect(interval.mean).toBeCloseTo(0.1, 12);
    expect(interval.lower).toBeCloseTo(0.1, 12);
    expect(interval.upper).toBeCloseTo(0.1, 12);
  });

  it("two items {0, 1}: resampled means are 0, 0.5, 1 with probability 1/4, 1/2, 1/4, so the 95% interval is [0, 1]", () => {
    const interval = pairedBootstrap([0, 1], options);
    expect(interval).toMatchObject({ mean: 0.5, lower: 0, upper: 1, items: 2 });
  });

  it("agrees with the normal approximation on 400 spread-out differences", () => {
    // d_i = ((37·i) mod 101)/100 − 0.5, i = 0..399. In Python: mean −0.0009, population sd 0.2919652205314873,
    // normal 95% interval mean ± 1.959963984540054·sd/√400 = [−0.029512065849000475, 0.02771206584900047],
    // half-width 0.028612065849000473. The percentile interval's Monte Carlo error at 10,000 resamples is about
    // 1.5% of the half-width, so 5% is a safe tolerance.
    const differences = Array.from({ length: 400 }, (_, index) => ((37 * index) % 101) / 100 - 0.5);
    const interval = pairedBootstrap(differences, options);
    const halfWidth = 0.028612065849000473;
    expect(interval.mean).toBeCloseTo(-0.0009, 12);
    expect(Math.abs(interval.lower - -0.029512065849000475)).toBeLessThan(0.05 * halfWidth);
    expect(Math.abs(interval.upper - 0.02771206584900047)).toBeLessThan(0.05 * halfWidth);
  });

  it("is reproducible from its seed", () => {
    const differences = Array.from({ length: 60 }, (_, index) => Math.sin(index));
    const first = pairedBootstrap(differences, options);
    expect(pairedBootstrap(differences, options)).toEqual(first);
    expect(pairedBootstrap(differences, { ...options, seed: 8 }).lower).not.toBe(first.lower);
  });

  it("rejects an empty sample and a confidence outside (0, 1)", () => {
    expect(() => pairedBootstrap([], options)).toThrow(RangeError);
    expect(() => pairedBootstrap([1], { ...options, confidence: 1 })).toThrow(RangeError);
  });
});
