import type { Distribution } from "../bench/distribution.js";
import { summarizeDistribution } from "../bench/distribution.js";
import type { GateOptions, GateResult } from "./gate.js";
import { gatePairedRuns } from "./gate.js";
import { pairRuns } from "./paired-runs.js";
import type { EvalItemResult, EvalRunResults } from "./run-results.js";

/** One run's totals, for the side-by-side table. */
export interface RunSummary {
  readonly runId: string;
  readonly target: string;
  readonly model: string | undefined;
  readonly modelVersion: string | undefined;
  readonly items: number;
  readonly answers: number;
  readonly errors: number;
  /** Of all answers (every repeat). */
  readonly passRate: number;
  readonly meanScore: number;
  readonly latencyMs: Distribution;
  readonly totalCostUsd: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** One item both runs answered: the first repeat's output, and the repeat-averaged figures. */
export interface ItemDiff {
  readonly itemKey: string;
  readonly passRate: readonly [number, number];
  readonly score: readonly [number, number];
  /** Second run's mean score minus the first's. */
  readonly scoreDelta: number;
  readonly latencyMs: readonly [number, number];
  readonly costUsd: readonly [number, number];
  readonly output: readonly [string, string];
  readonly flaky: boolean;
}

/** Two runs side by side: totals, the gate's statistics (B as the candidate) and every paired item. */
export interface RunComparison {
  readonly runs: readonly [RunSummary, RunSummary];
  readonly statistics: GateResult;
  /** Largest change first. */
  readonly items: readonly ItemDiff[];
  /** Every answer of each run, for the distributions in the report. */
  readonly answers: readonly [readonly EvalItemResult[], readonly EvalItemResult[]];
}

/** Compares run B against run A (A plays the baseline); throws SuiteMismatchError when the suites differ. */
export function compareRuns(a: EvalRunResults, b: EvalRunResults, options: Partial<GateOptions> = {}): RunComparison {
  const paired = pairRuns(a, b);
  const statistics = gatePairedRuns(a, b, paired, options);
  const { pairs } = paired;
  const firstOutputs = [firstOutputByItem(a.items), firstOutputByItem(b.items)] as const;
  const items = pairs
    .map((pair): ItemDiff => ({
      itemKey: pair.itemKey,
      passRate: [pair.baseline.passRate, pair.candidate.passRate],
      score: [pair.baseline.meanScore, pair.candidate.meanScore],
      scoreDelta: pair.candidate.meanScore - pair.baseline.meanScore,
      latencyMs: [pair.baseline.meanLatencyMs, pair.candidate.meanLatencyMs],
      costUsd: [pair.baseline.costUsd, pair.candidate.costUsd],
      output: [firstOutputs[0].get(pair.itemKey) ?? "", firstOutputs[1].get(pair.itemKey) ?? ""],
      flaky: pair.baseline.flaky || pair.candidate.flaky,
    }))
    .sort((left, right) => Math.abs(right.scoreDelta) - Math.abs(left.scoreDelta));
  return { runs: [summarizeRun(a), summarizeRun(b)], statistics, items, answers: [a.items, b.items] };
}

function summarizeRun(run: EvalRunResults): RunSummary {
  const answers = run.items;
  const count = answers.length;
  return {
    runId: run.runId,
    target: run.target,
    model: run.model,
    modelVersion: run.modelVersion,
    items: new Set(answers.map((answer) => answer.itemKey)).size,
    answers: count,
    errors: answers.filter((answer) => answer.error !== undefined).length,
    passRate: count === 0 ? 0 : answers.filter((answer) => answer.pass).length / count,
    meanScore: count === 0 ? 0 : answers.reduce((sum, answer) => sum + answer.score, 0) / count,
    latencyMs: summarizeDistribution(answers.map((answer) => answer.latencyMs), [50, 95, 99]),
    totalCostUsd: answers.reduce((sum, answer) => sum + answer.costUsd, 0),
    promptTokens: answers.reduce((sum, answer) => sum + answer.promptTokens, 0),
    completionTokens: answers.reduce((sum, answer) => sum + answer.completionTokens, 0),
  };
}

function firstOutputByItem(answers: readonly EvalItemResult[]): Map<string, string> {
  const outputs = new Map<string, { repeat: number; output: string }>();
  for (const answer of answers) {
    const seen = outputs.get(answer.itemKey);
    if (seen === undefined || answer.repeat < seen.repeat) outputs.set(answer.itemKey, { repeat: answer.repeat, output: answer.output });
  }
  return new Map([...outputs].map(([itemKey, { output }]) => [itemKey, output]));
}
