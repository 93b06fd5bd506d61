/** One scored answer: an item of a suite, answered once (repeat r of N) by one target. */
export interface EvalItemResult {
  /** Stable across runs of the same suite: the same dataset row and test give the same key, so runs pair up. */
  readonly itemKey: string;
  /** 0-based repeat index when the suite asks for N repeats per item. */
  readonly repeat: number;
  /** Whether every assertion passed its threshold (weighted, as the suite defines). */
  readonly pass: boolean;
  /** Weighted score in [0, 1]. */
  readonly score: number;
  /** Each assertion's own result, in suite order. */
  readonly assertions: readonly { readonly type: string; readonly pass: boolean; readonly score: number; readonly reason?: string }[];
  readonly output: string;
  /** Set when the call failed; the item then fails. */
  readonly error?: string;
  readonly latencyMs: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** The answer's cost plus any judge calls made to score it. */
  readonly costUsd: number;
}

/** A stored evaluation run: what ran, against what, and every item's result. */
export interface EvalRunResults {
  readonly runId: string;
  readonly suiteName: string;
  /** Hash of the suite's prompts, dataset and assertions: runs compare only when it matches. */
  readonly suiteHash: string;
  readonly seed: number;
  /** The target as the suite named it (a model name, a version or an alias). */
  readonly target: string;
  readonly model: string | undefined;
  readonly modelVersion: string | undefined;
  readonly deployment: string | undefined;
  readonly startedAt: number;
  readonly finishedAt: number | undefined;
  readonly items: readonly EvalItemResult[];
}

/** Reads stored runs and baselines (implemented by the eval store). */
export interface EvalRunReader {
  loadRun(runId: string): Promise<EvalRunResults | undefined>;
  /** The run a named baseline points at now, or undefined when there is no such baseline. */
  baselineRun(name: string): Promise<string | undefined>;
}
