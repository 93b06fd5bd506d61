import { lookupScorer } from "./scorers/scorer-registry.js";
import type { Assertion, ScoreInput, ScorerServices } from "./scorers/scorer.js";

/** One assertion's stored result. */
export interface AssertionResult {
  readonly type: string;
  readonly pass: boolean;
  readonly score: number;
  readonly reason?: string;
}

/** An item's combined verdict. */
export interface ItemScore {
  readonly pass: boolean;
  /** Weighted mean of the assertion scores (1 when every weight is 0 or there are none). */
  readonly score: number;
  readonly assertions: readonly AssertionResult[];
  /** Spent by judge and embedding calls. */
  readonly costUsd: number;
}

/**
 * Scores an answer against its assertions. Each passes on its own terms (a graded scorer at score ≥ threshold);
 * the item passes when every assertion does, or, with a test `threshold`, when the weighted score reaches it.
 * A scorer that throws fails its assertion with the error as the reason rather than stopping the run.
 */
export async function scoreItem(assertions: readonly Assertion[], input: ScoreInput, services: ScorerServices, testThreshold?: number): Promise<ItemScore> {
  const results: AssertionResult[] = [];
  let costUsd = 0;
  for (const assertion of assertions) {
    const found = lookupScorer(assertion.type);
    if (found === undefined) throw new Error(`unknown assertion type ${assertion.type}`);
    try {
      const outcome = await found.entry.score(assertion, input, services);
      costUsd += outcome.costUsd ?? 0;
      const score = found.negated ? 1 - outcome.score : outcome.score;
      const ownPass = found.negated ? !outcome.pass : outcome.pass;
      // A threshold on a graded scorer decides by score alone (as promptfoo); latency and cost read it as their limit.
      const threshold = found.entry.thresholdIsLimit === true ? undefined : assertion.threshold;
      const pass = threshold === undefined ? ownPass : score >= threshold;
      results.push(outcome.reason === undefined || outcome.reason === "" ? { type: assertion.type, pass, score } : { type: assertion.type, pass, score, reason: outcome.reason });
    } catch (error) {
      results.push({ type: assertion.type, pass: false, score: 0, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  const totalWeight = assertions.reduce((sum, assertion) => sum + assertion.weight, 0);
  const weighted = results.reduce((sum, result, index) => sum + result.score * (assertions[index]?.weight ?? 0), 0);
  const score = totalWeight === 0 ? 1 : weighted / totalWeight;
  const pass = testThreshold === undefined ? results.every((result) => result.pass) : score >= testThreshold;
  return { pass, score, assertions: results, costUsd };
}
