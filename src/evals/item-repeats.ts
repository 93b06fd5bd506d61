import type { EvalItemResult } from "./run-results.js";

/** One item's repeats in one run, folded into a pass rate, a mean score and a flakiness flag. */
export interface ItemRepeats {
  readonly itemKey: string;
  readonly repeats: number;
  readonly passes: number;
  /** passes / repeats. */
  readonly passRate: number;
  /** Flaky: the repeats disagree on pass/fail (some passed, some failed). One repeat is never flaky. */
  readonly flaky: boolean;
  readonly meanScore: number;
  readonly minScore: number;
  readonly maxScore: number;
  readonly meanLatencyMs: number;
  /** Summed over the repeats: what answering (and judging) this item cost. */
  readonly costUsd: number;
}

/** Groups a run's results by item key (in first-seen order) and folds each item's repeats. */
export function summarizeItemRepeats(results: readonly EvalItemResult[]): Map<string, ItemRepeats> {
  const groups = new Map<string, EvalItemResult[]>();
  for (const result of results) {
    const group = groups.get(result.itemKey);
    if (group === undefined) groups.set(result.itemKey, [result]);
    else group.push(result);
  }
  const summaries = new Map<string, ItemRepeats>();
  for (const [itemKey, group] of groups) {
    const passes = group.filter((result) => result.pass).length;
    const scores = group.map((result) => result.score);
    summaries.set(itemKey, {
      itemKey,
      repeats: group.length,
      passes,
      passRate: passes / group.length,
      flaky: passes > 0 && passes < group.length,
      meanScore: mean(scores),
      minScore: Math.min(...scores),
      maxScore: Math.max(...scores),
      meanLatencyMs: mean(group.map((result) => result.latencyMs)),
      costUsd: group.reduce((sum, result) => sum + result.costUsd, 0),
    });
  }
  return summaries;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
