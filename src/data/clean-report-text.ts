import type { CleanReport } from "./clean-report.js";

/** The report as text tables: counts per step, dedup figures, the split, speed and memory. */
export function formatCleanReport(report: CleanReport): string {
  const rows = report.steps.map((step) => `  ${step.step.padEnd(16)} ${String(step.in).padStart(10)} ${String(step.removed).padStart(10)} ${String(step.out).padStart(10)}`);
  const entities = Object.entries(report.pii.entities)
    .map(([type, count]) => `${type} ${count}`)
    .join(", ");
  return [
    `input ${report.input}: ${report.lines} lines`,
    `  ${"step".padEnd(16)} ${"in".padStart(10)} ${"removed".padStart(10)} ${"out".padStart(10)}`,
    ...rows,
    `pii scrubbed in ${report.pii.rows} rows${entities === "" ? "" : ` (${entities})`}`,
    `near-duplicates: word ${report.dedup.shingleSize}-grams, ${report.dedup.bands} bands × ${report.dedup.rows} rows, verified at Jaccard ≥ ${report.dedup.threshold}: ${report.dedup.candidatePairs} candidate pairs, ${report.dedup.verifiedPairs} verified`,
    `split: train ${report.split.train}, validation ${report.split.validation} (${report.dedup.clusters} clusters, validation share ${report.split.validationFraction})`,
    `time ${report.seconds.toFixed(1)} s, ${Math.round(report.linesPerSecond)} lines/s, peak RSS ${Math.round(report.peakRssMiB)} MiB`,
  ].join("\n");
}
