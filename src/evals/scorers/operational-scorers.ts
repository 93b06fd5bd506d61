import type { Scorer } from "./scorer.js";

function limitOf(type: string, threshold: number | undefined): number {
  if (threshold === undefined) throw new Error(`${type} needs a threshold (the limit)`);
  return threshold;
}

/** The answer arrived within `threshold` milliseconds. */
export const latencyScorer: Scorer = (assertion, { latencyMs }) => {
  const limit = limitOf("latency", assertion.threshold);
  const pass = latencyMs <= limit;
  return { pass, score: pass ? 1 : 0, reason: `${latencyMs.toFixed(0)} ms (limit ${limit} ms)` };
};

/** The answer cost at most `threshold` US dollars (the gateway's x-gantry-cost-usd). */
export const costScorer: Scorer = (assertion, { costUsd }) => {
  const limit = limitOf("cost", assertion.threshold);
  const pass = costUsd <= limit;
  return { pass, score: pass ? 1 : 0, reason: `$${costUsd} (limit $${limit})` };
};
