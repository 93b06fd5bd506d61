import type { ItemRepeats } from "./item-repeats.js";
import { summarizeItemRepeats } from "./item-repeats.js";
import type { EvalRunResults } from "./run-results.js";
import { SuiteMismatchError } from "./suite-mismatch-error.js";

/** One item answered by both runs. */
export interface PairedItem {
  readonly itemKey: string;
  readonly baseline: ItemRepeats;
  readonly candidate: ItemRepeats;
}

/** Two runs of the same suite, their items paired by item key. */
export interface PairedRuns {
  /** In the baseline's item order. */
  readonly pairs: readonly PairedItem[];
  /** Items only one run has (an interrupted run, say): left out of every test, and reported. */
  readonly onlyInBaseline: readonly string[];
  readonly onlyInCandidate: readonly string[];
}

/** Pairs two runs' items by item key; throws SuiteMismatchError when the runs ran different suites. */
export function pairRuns(baseline: EvalRunResults, candidate: EvalRunResults): PairedRuns {
  if (baseline.suiteHash !== candidate.suiteHash) throw new SuiteMismatchError(baseline, candidate);
  const baselineItems = summarizeItemRepeats(baseline.items);
  const candidateItems = summarizeItemRepeats(candidate.items);
  const pairs: PairedItem[] = [];
  const onlyInBaseline: string[] = [];
  for (const [itemKey, item] of baselineItems) {
    const other = candidateItems.get(itemKey);
    if (other === undefined) onlyInBaseline.push(itemKey);
    else pairs.push({ itemKey, baseline: item, candidate: other });
  }
  const onlyInCandidate = [...candidateItems.keys()].filter((itemKey) => !baselineItems.has(itemKey));
  return { pairs, onlyInBaseline, onlyInCandidate };
}
