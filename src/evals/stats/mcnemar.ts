import { fairCoinLowerTail } from "./binomial-tail.js";

/** The exact (conditional binomial) McNemar test on paired pass/fail outcomes. */
export interface McNemarResult {
  /** Items the baseline passed and the candidate failed (the candidate's losses). */
  readonly b: number;
  /** Items the baseline failed and the candidate passed (the candidate's wins). */
  readonly c: number;
  /** Two-sided p: min(1, 2 · P[X ≤ min(b, c)]), X ~ Bin(b + c, 1/2); statsmodels' `mcnemar(exact=True)`. */
  readonly pTwoSided: number;
  /** One-sided p for "the candidate is worse": P[X ≥ b] = P[X ≤ c], X ~ Bin(b + c, 1/2). */
  readonly pCandidateWorse: number;
}

/** Exact McNemar test from the discordant counts b (baseline-only passes) and c (candidate-only passes). */
export function exactMcNemar(b: number, c: number): McNemarResult {
  for (const [name, value] of [["b", b], ["c", c]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`McNemar ${name} must be a non-negative integer (got ${value})`);
  }
  const n = b + c;
  return {
    b,
    c,
    pTwoSided: Math.min(1, 2 * fairCoinLowerTail(Math.min(b, c), n)),
    pCandidateWorse: fairCoinLowerTail(c, n),
  };
}
