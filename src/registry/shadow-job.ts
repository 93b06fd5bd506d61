import type { JsonObject, Usage } from "../protocol/openai-responses.js";
import { rubricScorer } from "../evals/scorers/rubric-scorer.js";
import type { Assertion, Scorer, ScorerServices } from "../evals/scorers/scorer.js";
import { levenshteinScorer } from "../evals/scorers/similarity-scorers.js";
import { textScorers } from "../evals/scorers/text-scorers.js";
import type { ModelRouter } from "../routing/model-router.js";
import type { RoutingTable } from "../routing/routing-table.js";
import type { ShadowConfig } from "./progressive-config-schema.js";
import { callModel, choiceText, usageOf, withDeadline } from "./shadow-call.js";

/** One shadow call and its comparison, as plain data (it may cross to the shadow thread). */
export interface ShadowJob {
  readonly operation: "chat" | "completion";
  /** The request as the candidate version serves it, not streamed. */
  readonly body: JsonObject & { model: string };
  /** The primary's answer text the candidate's is compared with. */
  readonly reference: string;
  readonly scoring: Pick<ShadowConfig, "scorer" | "threshold" | "judge_model" | "timeout_ms">;
  readonly requestId: string;
}

/** How a shadow call went: the candidate's answer and its score, or the failure. */
export interface ShadowOutcome {
  readonly output: string | null;
  readonly usage: Usage | undefined;
  readonly score: number | null;
  readonly agree: boolean | null;
  /** Spent by the scorer itself (a judge call), USD. */
  readonly scoringCostUsd: number;
  readonly error: string | null;
  readonly latencyMs: number;
}

/** Scorer services for a shadow comparison: `judge` for judged ones, and no embeddings (no shadow scorer embeds). */
export function shadowScorerServices(judge: ScorerServices["judge"], defaultProvider: string | undefined): ScorerServices {
  return { judge, embed: () => Promise.reject(new Error("shadow scorers do not embed")), baseDir: ".", defaultProvider };
}

const scorers: Record<ShadowConfig["scorer"], Scorer> = { exact: textScorers.equals as Scorer, similarity: levenshteinScorer, judge: rubricScorer };

/** Calls the candidate's deployments through `router` (retries and breaker, no fallbacks) and scores its answer. */
export async function runShadowJob(routing: RoutingTable, router: ModelRouter, job: ShadowJob, stopped: AbortSignal, services: ScorerServices): Promise<ShadowOutcome> {
  const { scoring } = job;
  const started = performance.now();
  let output: string | null = null;
  let usage: Usage | undefined;
  try {
    const result = await withDeadline(stopped, scoring.timeout_ms, (signal) => callModel(routing, router, job.operation, job.body, signal, job.requestId));
    output = choiceText(result.body);
    usage = usageOf(result);
    const assertion: Assertion =
      scoring.scorer === "judge"
        ? { type: "llm-rubric", value: `The answer gives the same information as this reference answer, with no contradiction:\n${job.reference}`, weight: 1, threshold: scoring.threshold, provider: scoring.judge_model }
        : { type: scoring.scorer, value: job.reference, weight: 1, threshold: scoring.threshold };
    const outcome = await scorers[scoring.scorer](assertion, { output, vars: {}, latencyMs: 0, costUsd: 0, repeat: 0 }, services);
    return { output, usage, score: outcome.score, agree: outcome.pass, scoringCostUsd: outcome.costUsd ?? 0, error: null, latencyMs: elapsed(started) };
  } catch (failure) {
    return { output, usage, score: null, agree: null, scoringCostUsd: 0, error: failure instanceof Error ? failure.message : String(failure), latencyMs: elapsed(started) };
  }
}

const elapsed = (started: number): number => Math.round((performance.now() - started) * 1000) / 1000;
