import type { RunComparison, RunSummary } from "./compare-runs.js";
import { formatGateResult } from "./gate-report.js";

const labelWidth = 26;
const columnWidth = 22;

/** The comparison as a text table: the two runs side by side, the paired statistics, the most changed items. */
export function formatCompareTable(comparison: RunComparison, changedItems = 20): string {
  const [a, b] = comparison.runs;
  const lines: string[] = [];
  const row = (label: string, value: (run: RunSummary) => string): void => {
    lines.push(`${label.padEnd(labelWidth)}${value(a).padStart(columnWidth)}${value(b).padStart(columnWidth)}`);
  };
  row("", (run) => (run === a ? "A" : "B"));
  row("run", (run) => run.runId);
  row("target", (run) => run.target);
  row("model@version", (run) => `${run.model ?? "?"}@${run.modelVersion ?? "?"}`);
  row("items / answers", (run) => `${run.items} / ${run.answers}`);
  row("errors", (run) => String(run.errors));
  row("pass rate", (run) => percent(run.passRate));
  row("mean score", (run) => run.meanScore.toFixed(4));
  row("latency mean (ms)", (run) => run.latencyMs.mean.toFixed(1));
  row("latency p50 / p95 (ms)", (run) => `${fixed(run.latencyMs.percentiles["50"])} / ${fixed(run.latencyMs.percentiles["95"])}`);
  row("cost total (USD)", (run) => run.totalCostUsd.toFixed(6));
  row("cost per answer (USD)", (run) => (run.answers === 0 ? "0" : (run.totalCostUsd / run.answers).toFixed(6)));
  row("tokens prompt / completion", (run) => `${run.promptTokens} / ${run.completionTokens}`);
  lines.push("", "B against A (A as the baseline):", formatGateResult(comparison.statistics).trimEnd());
  const changed = comparison.items.filter((item) => item.scoreDelta !== 0 || item.passRate[0] !== item.passRate[1]);
  lines.push("", `changed items: ${changed.length} of ${comparison.items.length}${changed.length > changedItems && changedItems > 0 ? ` (the ${changedItems} largest)` : ""}`);
  for (const item of changed.slice(0, changedItems)) {
    lines.push(`  ${item.itemKey}: score ${item.score[0].toFixed(3)} -> ${item.score[1].toFixed(3)} (${item.scoreDelta >= 0 ? "+" : ""}${item.scoreDelta.toFixed(3)}), pass rate ${percent(item.passRate[0])} -> ${percent(item.passRate[1])}${item.flaky ? " [flaky]" : ""}`);
  }
  return `${lines.join("\n")}\n`;
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

function fixed(value: number | undefined): string {
  return (value ?? 0).toFixed(1);
}
