import { createSeededRandom } from "../../src/bench/seeded-random.js";
import type { EvalItemResult, EvalRunReader, EvalRunResults } from "../../src/evals/run-results.js";

/**
 * A synthetic suite: each item's chance that the model answers it right. Most items are settled (always right or
 * always wrong, as at temperature 0); a tenth are ambiguous, so that two runs of the same model still disagree on some.
 */
export function syntheticSuite(items: number, seed: number): number[] {
  const random = createSeededRandom(seed);
  return Array.from({ length: items }, () => {
    const kind = random.next();
    if (kind < 0.8) return 1;
    if (kind < 0.9) return 0;
    return 0.2 + 0.6 * random.next();
  });
}

export interface SyntheticRunOptions {
  readonly runId: string;
  /** Each item's chance of a right answer (see syntheticSuite). */
  readonly suite: readonly number[];
  readonly seed: number;
  readonly repeats?: number;
  /** The degraded model: each answer is wrong with this probability, whatever the item. */
  readonly wrongRate?: number;
  readonly suiteHash?: string;
  readonly target?: string;
}

/** A run sampled from the suite's item probabilities: right answers score in [0.7, 1], wrong ones in [0, 0.4]. */
export function syntheticRun(options: SyntheticRunOptions): EvalRunResults {
  const random = createSeededRandom(options.seed);
  const repeats = options.repeats ?? 1;
  const wrongRate = options.wrongRate ?? 0;
  const items: EvalItemResult[] = [];
  options.suite.forEach((chance, index) => {
    for (let repeat = 0; repeat < repeats; repeat++) {
      const right = random.next() < chance && !(random.next() < wrongRate);
      const score = right ? 0.7 + 0.3 * random.next() : 0.4 * random.next();
      items.push({
        itemKey: `item-${index}`,
        repeat,
        pass: right,
        score,
        assertions: [{ type: "equals", pass: right, score }],
        output: right ? `right answer ${index}` : `wrong answer ${index}`,
        latencyMs: 100 + 50 * random.next(),
        promptTokens: 20,
        completionTokens: 5,
        costUsd: 0.0001,
      });
    }
  });
  return {
    runId: options.runId,
    suiteName: "synthetic",
    suiteHash: options.suiteHash ?? `synthetic-${options.suite.length}`,
    seed: options.seed,
    target: options.target ?? "model-under-test",
    model: options.target ?? "model-under-test",
    modelVersion: "1",
    deployment: undefined,
    startedAt: 0,
    finishedAt: 1,
    items,
  };
}

/** An in-memory EvalRunReader over the given runs and baselines, for the CLI commands. */
export function memoryRunReader(runs: readonly EvalRunResults[], baselines: Record<string, string> = {}): EvalRunReader {
  const byId = new Map(runs.map((run) => [run.runId, run]));
  return {
    loadRun: (runId) => Promise.resolve(byId.get(runId)),
    baselineRun: (name) => Promise.resolve(baselines[name]),
  };
}
