import type { PairedItem, PairedRuns } from "./paired-runs.js";
import { pairRuns } from "./paired-runs.js";
import type { EvalRunResults } from "./run-results.js";
import type { McNemarResult } from "./stats/mcnemar.js";
import { exactMcNemar } from "./stats/mcnemar.js";
import type { BootstrapInterval } from "./stats/paired-bootstrap.js";
import { defaultBootstrapResamples, pairedBootstrap } from "./stats/paired-bootstrap.js";

/** `pass`: no worse beyond the tolerance; `regression`: worse beyond it; `inconclusive`: the data cannot tell. */
export type GateVerdict = "pass" | "regression" | "inconclusive";

export interface GateOptions {
  /** How much worse (in mean score, and in pass rate for McNemar) the candidate may be and still pass, in [0, 1). */
  readonly tolerance: number;
  /** Confidence of the bootstrap interval; 1 − confidence is McNemar's one-sided significance level. */
  readonly confidence: number;
  /** Fewer paired items than this is `inconclusive`, whatever the tests say: small samples fool both tests. */
  readonly minItems: number;
  readonly resamples: number;
  /** Seed of the bootstrap: the same runs and options give the same verdict. */
  readonly seed: number;
}

export const defaultGateOptions: GateOptions = { tolerance: 0.05, confidence: 0.95, minItems: 20, resamples: defaultBootstrapResamples, seed: 1 };

/** An item whose repeats disagreed in either run: reported, and never counted as a win or a loss. */
export interface FlakyItem {
  readonly itemKey: string;
  readonly baselinePassRate: number;
  readonly candidatePassRate: number;
  readonly baselineRepeats: number;
  readonly candidateRepeats: number;
}

/** The verdict and all the evidence behind it. */
export interface GateResult {
  readonly verdict: GateVerdict;
  /** One sentence: which rule decided. */
  readonly reason: string;
  readonly baselineRunId: string;
  readonly candidateRunId: string;
  readonly suiteName: string;
  readonly suiteHash: string;
  readonly options: GateOptions;
  /** Items both runs answered. */
  readonly items: number;
  /** Paired items stable (all repeats agree) in both runs: the items McNemar counts. */
  readonly stableItems: number;
  readonly flakyItems: readonly FlakyItem[];
  readonly onlyInBaseline: readonly string[];
  readonly onlyInCandidate: readonly string[];
  /** Over the stable items; passRateDifference = (c − b) / stableItems (0 when there are none). */
  readonly mcnemar: McNemarResult & { readonly passRateDifference: number };
  /** Of the repeat-averaged item scores, candidate − baseline; undefined when no item pairs up. */
  readonly scoreDifference: BootstrapInterval | undefined;
  /** Mean over paired items of each item's pass rate (repeat-averaged). */
  readonly baselinePassRate: number;
  readonly candidatePassRate: number;
  readonly baselineMeanScore: number;
  readonly candidateMeanScore: number;
}

/**
 * The regression gate (decision rule in docs/evals.md#gating): a paired comparison of a candidate run against a baseline
 * run of the same suite. Throws SuiteMismatchError when the suites differ.
 */
export function gate(baseline: EvalRunResults, candidate: EvalRunResults, options: Partial<GateOptions> = {}): GateResult {
  return gatePairedRuns(baseline, candidate, pairRuns(baseline, candidate), options);
}

/** The gate over runs already paired by pairRuns (for callers that also need the pairs). */
export function gatePairedRuns(baseline: EvalRunResults, candidate: EvalRunResults, paired: PairedRuns, options: Partial<GateOptions> = {}): GateResult {
  const settings = resolveGateOptions(options);
  const { pairs, onlyInBaseline, onlyInCandidate } = paired;
  const stable = pairs.filter((pair) => !pair.baseline.flaky && !pair.candidate.flaky);
  // On stable items every repeat agrees, so passRate is exactly 0 or 1.
  const b = stable.filter((pair) => pair.baseline.passRate === 1 && pair.candidate.passRate === 0).length;
  const c = stable.filter((pair) => pair.baseline.passRate === 0 && pair.candidate.passRate === 1).length;
  const mcnemar = { ...exactMcNemar(b, c), passRateDifference: stable.length === 0 ? 0 : (c - b) / stable.length };
  const scoreDifference =
    pairs.length === 0
      ? undefined
      : pairedBootstrap(
          pairs.map((pair) => pair.candidate.meanScore - pair.baseline.meanScore),
          settings,
        );
  const { verdict, reason } = decide(pairs.length, mcnemar, scoreDifference, settings);
  return {
    verdict,
    reason,
    baselineRunId: baseline.runId,
    candidateRunId: candidate.runId,
    suiteName: baseline.suiteName,
    suiteHash: baseline.suiteHash,
    options: settings,
    items: pairs.length,
    stableItems: stable.length,
    flakyItems: pairs.filter((pair) => pair.baseline.flaky || pair.candidate.flaky).map(flakyItem),
    onlyInBaseline,
    onlyInCandidate,
    mcnemar,
    scoreDifference,
    baselinePassRate: meanOf(pairs, (pair) => pair.baseline.passRate),
    candidatePassRate: meanOf(pairs, (pair) => pair.candidate.passRate),
    baselineMeanScore: meanOf(pairs, (pair) => pair.baseline.meanScore),
    candidateMeanScore: meanOf(pairs, (pair) => pair.candidate.meanScore),
  };
}

function decide(
  items: number,
  mcnemar: McNemarResult & { passRateDifference: number },
  interval: BootstrapInterval | undefined,
  { tolerance, confidence, minItems }: GateOptions,
): { verdict: GateVerdict; reason: string } {
  if (interval === undefined || items < minItems) {
    return { verdict: "inconclusive", reason: `only ${items} paired item(s); the gate needs at least ${minItems} (--min-items)` };
  }
  const level = `${formatPercent(confidence)} confidence`;
  const ci = `[${formatSigned(interval.lower)}, ${formatSigned(interval.upper)}]`;
  if (interval.upper < -tolerance) {
    return { verdict: "regression", reason: `the ${level} interval of the score difference ${ci} lies wholly below −${tolerance}` };
  }
  const alpha = 1 - confidence;
  if (mcnemar.pCandidateWorse < alpha && mcnemar.passRateDifference < -tolerance) {
    return {
      verdict: "regression",
      reason: `McNemar: the candidate fails significantly more stable items (b=${mcnemar.b}, c=${mcnemar.c}, one-sided p=${formatP(mcnemar.pCandidateWorse)} < ${formatP(alpha)}) and its pass rate drops by ${formatPercent(-mcnemar.passRateDifference)}, beyond the tolerance ${tolerance}`,
    };
  }
  if (interval.lower >= -tolerance) {
    return { verdict: "pass", reason: `the ${level} interval of the score difference ${ci} lies above −${tolerance} and McNemar shows no significant drop beyond it` };
  }
  return { verdict: "inconclusive", reason: `the ${level} interval of the score difference ${ci} straddles −${tolerance}: more items or repeats are needed to decide` };
}

/** Fills defaults and rejects options that make no sense (a RangeError names the option). */
export function resolveGateOptions(options: Partial<GateOptions>): GateOptions {
  const settings = { ...defaultGateOptions, ...options };
  if (!(settings.tolerance >= 0 && settings.tolerance < 1)) throw new RangeError(`tolerance must be in [0, 1) (got ${settings.tolerance})`);
  if (!(settings.confidence > 0 && settings.confidence < 1)) throw new RangeError(`confidence must be in (0, 1) (got ${settings.confidence})`);
  if (!Number.isInteger(settings.minItems) || settings.minItems < 1) throw new RangeError(`minItems must be a positive integer (got ${settings.minItems})`);
  if (!Number.isInteger(settings.resamples) || settings.resamples < 1) throw new RangeError(`resamples must be a positive integer (got ${settings.resamples})`);
  if (!Number.isInteger(settings.seed)) throw new RangeError(`seed must be an integer (got ${settings.seed})`);
  return settings;
}

function flakyItem(pair: PairedItem): FlakyItem {
  return {
    itemKey: pair.itemKey,
    baselinePassRate: pair.baseline.passRate,
    candidatePassRate: pair.candidate.passRate,
    baselineRepeats: pair.baseline.repeats,
    candidateRepeats: pair.candidate.repeats,
  };
}

function meanOf(pairs: readonly PairedItem[], value: (pair: PairedItem) => number): number {
  return pairs.length === 0 ? 0 : pairs.reduce((sum, pair) => sum + value(pair), 0) / pairs.length;
}

function formatPercent(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))}%`;
}

function formatSigned(value: number): string {
  return `${value >= 0 ? "+" : ""}${value.toFixed(4)}`;
}

function formatP(p: number): string {
  return p < 1e-4 ? p.toExponential(2) : p.toFixed(4);
}
