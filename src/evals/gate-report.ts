import type { GateResult } from "./gate.js";

/** The gate's verdict and evidence as the CLI prints it. */
export function formatGateResult(result: GateResult): string {
  const { mcnemar, scoreDifference: ci, options } = result;
  const lines = [
    `verdict: ${result.verdict.toUpperCase()}`,
    `  ${result.reason}`,
    `suite: ${result.suiteName} (${result.suiteHash})`,
    `baseline run ${result.baselineRunId} vs candidate run ${result.candidateRunId}`,
    `paired items: ${result.items} (${result.stableItems} stable in both, ${result.flakyItems.length} flaky)` +
      (result.onlyInBaseline.length + result.onlyInCandidate.length > 0
        ? `; unpaired: ${result.onlyInBaseline.length} only in the baseline, ${result.onlyInCandidate.length} only in the candidate`
        : ""),
    `pass rate: baseline ${percent(result.baselinePassRate)}, candidate ${percent(result.candidatePassRate)}`,
    `mean score: baseline ${result.baselineMeanScore.toFixed(4)}, candidate ${result.candidateMeanScore.toFixed(4)}`,
    `McNemar (exact, stable items): b=${mcnemar.b} (baseline-only passes), c=${mcnemar.c} (candidate-only passes), ` +
      `p two-sided=${mcnemar.pTwoSided.toPrecision(4)}, p candidate worse=${mcnemar.pCandidateWorse.toPrecision(4)}`,
    ci === undefined
      ? "score difference: no paired items"
      : `score difference (candidate − baseline): ${ci.mean.toFixed(4)}, ${percent(ci.confidence)} CI [${ci.lower.toFixed(4)}, ${ci.upper.toFixed(4)}] ` +
        `(paired bootstrap, ${ci.resamples} resamples, seed ${ci.seed})`,
    `rule: tolerance ${options.tolerance}, confidence ${options.confidence}, min items ${options.minItems}`,
  ];
  for (const item of result.flakyItems) {
    lines.push(`  flaky: ${item.itemKey} baseline ${percent(item.baselinePassRate)} of ${item.baselineRepeats}, candidate ${percent(item.candidatePassRate)} of ${item.candidateRepeats}`);
  }
  return `${lines.join("\n")}\n`;
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
