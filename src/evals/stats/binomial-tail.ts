/**
 * P[X ≤ k] for X ~ Binomial(n, 1/2), summed in log space so that large n (C(n, k) and 2^n overflow a double past
 * n ≈ 1020) stays finite and exact to a few ulps.
 */
export function fairCoinLowerTail(k: number, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer (got ${n})`);
  if (!Number.isInteger(k)) throw new RangeError(`k must be an integer (got ${k})`);
  if (k < 0) return 0;
  if (k >= n) return 1;
  // log C(n, j) built up term by term: C(n, j) = C(n, j - 1) · (n - j + 1) / j.
  const logHalfPowN = -n * Math.LN2;
  let logTerm = logHalfPowN;
  const logTerms = [logTerm];
  for (let j = 1; j <= k; j++) {
    logTerm += Math.log(n - j + 1) - Math.log(j);
    logTerms.push(logTerm);
  }
  // The terms grow with j up to n/2 and k < n here, so the last (or the middle) term is the largest: log-sum-exp.
  const largest = Math.max(...logTerms);
  let sum = 0;
  for (const value of logTerms) sum += Math.exp(value - largest);
  return Math.min(1, Math.exp(largest + Math.log(sum)));
}
