import type { DriftReport } from "./drift-report.js";

/** The reports as text tables: one per model version, one row per feature. */
export function formatDriftTables(reports: readonly DriftReport[]): string {
  if (reports.length === 0) return "No drift samples in the current window.\n";
  return reports.map(formatOne).join("\n");
}

function formatOne(report: DriftReport): string {
  const name = report.version === "" ? report.model : `${report.model}@${report.version}`;
  const verdict = report.not_enough_data ? "NOT ENOUGH DATA" : report.drift_detected ? "DRIFT" : "no drift";
  const header = [
    `${name}: ${verdict}${report.dataset_drift ? " (dataset drift)" : ""}, ${report.drifted_features.length} of ${report.tested_features} tested features drifted`,
    `  reference ${iso(report.reference.from)} → ${iso(report.reference.to)} (${report.reference.samples} samples)`,
    `  current   ${iso(report.current.from)} → ${iso(report.current.to)} (${report.current.samples} samples)`,
  ];
  const rows = [["feature", "test", "statistic", "p-value", "distance", "threshold", "PSI", "ref n", "cur n", "result"]];
  for (const feature of report.features) {
    rows.push([feature.feature, feature.test ?? "-", num(feature.statistic), num(feature.p_value), num(feature.distance), num(feature.threshold), num(feature.psi), String(feature.reference_size), String(feature.current_size), feature.status === "not_enough_data" ? "not enough data" : feature.drifted ? "DRIFT" : "ok"]);
  }
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  const lines = rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ")}`.trimEnd());
  return `${[...header, ...lines].join("\n")}\n`;
}

function num(value: number | null): string {
  if (value === null) return "-";
  if (value !== 0 && Math.abs(value) < 0.001) return value.toExponential(2);
  return value.toFixed(3);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}
