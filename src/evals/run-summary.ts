import type { StoredRun } from "./eval-store.js";

/** A run's headline figures. */
export interface RunFigures {
  readonly answers: number;
  readonly passed: number;
  readonly errors: number;
  readonly meanScore: number;
  readonly costUsd: number;
  readonly cachedAnswers: number;
  readonly meanLatencyMs: number;
  /** Items whose repeats disagree (some passed, some failed). */
  readonly flakyItems: number;
}

/** Counts a run's results. */
export function runFigures(run: StoredRun): RunFigures {
  const items = run.items;
  const byItem = new Map<string, boolean[]>();
  for (const item of items) byItem.set(item.itemKey, [...(byItem.get(item.itemKey) ?? []), item.pass]);
  const count = items.length;
  return {
    answers: count,
    passed: items.filter((item) => item.pass).length,
    errors: items.filter((item) => item.error !== undefined).length,
    meanScore: count === 0 ? 0 : items.reduce((sum, item) => sum + item.score, 0) / count,
    costUsd: items.reduce((sum, item) => sum + item.costUsd, 0),
    cachedAnswers: items.filter((item) => item.cached).length,
    meanLatencyMs: count === 0 ? 0 : items.reduce((sum, item) => sum + item.latencyMs, 0) / count,
    flakyItems: [...byItem.values()].filter((passes) => passes.includes(true) && passes.includes(false)).length,
  };
}

/** The summary `gantry eval run` prints. */
export function formatRunSummary(run: StoredRun): string {
  const figures = runFigures(run);
  const rate = figures.answers === 0 ? 0 : (100 * figures.passed) / figures.answers;
  return [
    `run ${run.runId}  suite ${run.suiteName} (${run.suiteHash})  target ${run.target}  seed ${run.seed}`,
    `  answered by  ${run.model ?? "-"}${run.modelVersion === undefined ? "" : ` version ${run.modelVersion}`}  deployment ${run.deployment ?? "-"}`,
    `  passed       ${figures.passed}/${figures.answers} (${rate.toFixed(1)}%)  mean score ${figures.meanScore.toFixed(3)}  errors ${figures.errors}`,
    `  flaky items  ${figures.flakyItems} (repeats disagree)`,
    `  cost         $${figures.costUsd.toFixed(6)} (answers and judges; ${figures.cachedAnswers} answers from the eval cache cost nothing this time)`,
    `  latency      mean ${figures.meanLatencyMs.toFixed(1)} ms`,
  ].join("\n");
}
