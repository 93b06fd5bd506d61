import { distance } from "fastest-levenshtein";
import { textValue, type Scorer, type ScorerOutcome } from "./scorer.js";

/** 1 − edit distance / longer length: 1 for equal texts, 0 for nothing in common. */
export function levenshteinSimilarity(a: string, b: string): number {
  const longer = Math.max(a.length, b.length);
  return longer === 0 ? 1 : 1 - distance(a, b) / longer;
}

const tokens = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/** SQuAD-style token F1: lower-cased word tokens, overlap counted with multiplicity. */
export function tokenF1(prediction: string, reference: string): number {
  const predicted = tokens(prediction);
  const expected = tokens(reference);
  if (predicted.length === 0 || expected.length === 0) return predicted.length === expected.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const token of expected) counts.set(token, (counts.get(token) ?? 0) + 1);
  let overlap = 0;
  for (const token of predicted) {
    const left = counts.get(token) ?? 0;
    if (left > 0) {
      overlap++;
      counts.set(token, left - 1);
    }
  }
  if (overlap === 0) return 0;
  const precision = overlap / predicted.length;
  const recall = overlap / expected.length;
  return (2 * precision * recall) / (precision + recall);
}

function graded(score: number, threshold: number): ScorerOutcome {
  return { pass: score >= threshold, score, reason: `similarity ${score.toFixed(3)} (threshold ${threshold})` };
}

/** Levenshtein similarity of the trimmed answer to the value; passes at ≥ threshold (default 0.8). */
export const levenshteinScorer: Scorer = (assertion, { output }) => graded(levenshteinSimilarity(output.trim(), textValue(assertion).trim()), assertion.threshold ?? 0.8);

/** Token F1 of the answer against the value; passes at ≥ threshold (default 0.5). */
export const f1Scorer: Scorer = (assertion, { output }) => graded(tokenF1(output, textValue(assertion)), assertion.threshold ?? 0.5);
