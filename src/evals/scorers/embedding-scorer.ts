import { textValue, type Scorer } from "./scorer.js";

/** Cosine similarity of two vectors of the same length; 0 when either is all zeros. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`embedding lengths differ (${a.length} vs ${b.length})`);
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (const [index, x] of a.entries()) {
    const y = b[index] ?? 0;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

/**
 * `similar`: cosine similarity of the answer's and the value's embeddings from `provider` (a Gantry model answering
 * /v1/embeddings); passes at ≥ threshold (default 0.75, as promptfoo). The embedding call's cost joins the item's.
 */
export const embeddingScorer: Scorer = async (assertion, { output }, services) => {
  const model = assertion.provider ?? services.defaultProvider;
  if (model === undefined) throw new Error("similar needs a provider: the embedding model");
  const { vectors, costUsd } = await services.embed(model, [output, textValue(assertion)]);
  const [answer, expected] = vectors;
  if (answer === undefined || expected === undefined) throw new Error("the embedding model returned fewer than two vectors");
  const score = Math.max(0, cosineSimilarity(answer, expected));
  const threshold = assertion.threshold ?? 0.75;
  return { pass: score >= threshold, score, reason: `cosine ${score.toFixed(3)} (threshold ${threshold})`, costUsd };
};
