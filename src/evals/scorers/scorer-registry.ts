import { customScorer } from "./custom-scorer.js";
import { embeddingScorer } from "./embedding-scorer.js";
import { isJsonScorer, jsonPathScorer } from "./json-scorers.js";
import { multipleChoiceScorer } from "./choice-scorer.js";
import { numericScorer } from "./numeric-scorer.js";
import { costScorer, latencyScorer } from "./operational-scorers.js";
import { rubricScorer } from "./rubric-scorer.js";
import type { Scorer } from "./scorer.js";
import { f1Scorer, levenshteinScorer } from "./similarity-scorers.js";
import { textScorers } from "./text-scorers.js";

/** How a scorer reads `threshold`: the least passing score (graded scorers), or a limit in its own unit. */
export interface ScorerEntry {
  readonly score: Scorer;
  /** True for `latency` and `cost`: the threshold is their limit, never compared with the score. */
  readonly thresholdIsLimit?: boolean;
  /** Whether a `not-` prefix may invert it (meaningless for model-graded and operational scorers). */
  readonly negatable: boolean;
}

const plain = (score: Scorer): ScorerEntry => ({ score, negatable: true });

/** Every assertion type a suite may name. */
export const scorerRegistry: ReadonlyMap<string, ScorerEntry> = new Map<string, ScorerEntry>([
  ...Object.entries(textScorers).map(([name, score]): [string, ScorerEntry] => [name, plain(score)]),
  ["is-json", plain(isJsonScorer)],
  ["json-path", plain(jsonPathScorer)],
  ["multiple-choice", plain(multipleChoiceScorer)],
  ["numeric", plain(numericScorer)],
  ["levenshtein", plain(levenshteinScorer)],
  ["f1", plain(f1Scorer)],
  ["similar", { score: embeddingScorer, negatable: false }],
  ["llm-rubric", { score: rubricScorer, negatable: false }],
  ["latency", { score: latencyScorer, thresholdIsLimit: true, negatable: false }],
  ["cost", { score: costScorer, thresholdIsLimit: true, negatable: false }],
  ["javascript", plain(customScorer)],
]);

/** The entry for a type, `not-` prefixes included (undefined for unknown types); `negated` says to invert it. */
export function lookupScorer(type: string): { entry: ScorerEntry; negated: boolean } | undefined {
  const direct = scorerRegistry.get(type);
  if (direct !== undefined) return { entry: direct, negated: false };
  if (!type.startsWith("not-")) return undefined;
  const inner = scorerRegistry.get(type.slice(4));
  return inner?.negatable === true ? { entry: inner, negated: true } : undefined;
}
