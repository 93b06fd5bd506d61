import { textTable } from "../plan/text-table.js";
import type { DrillReport } from "./run-drill.js";

/** The drill report as a table, one row per step with its verdict, then why each failed step failed. */
export function formatDrillReport(report: DrillReport): string {
  const rows = report.steps.map((step) => {
    const { observation } = step;
    const errors = Object.entries(observation.errors).sort((a, b) => b[1] - a[1]);
    const errorCount = errors.reduce((sum, [, count]) => sum + count, 0);
    const latency = observation.latencyMs;
    return [
      step.name,
      step.faults.length === 0 ? "-" : step.faults.join("; "),
      `${step.mode === "watch" ? "watch " : ""}${observation.requests}`,
      errorCount === 0 ? "0" : `${errorCount} (${errors.map(([type, count]) => `${type} ${count}`).join(", ")})`,
      milliseconds(latency?.p50),
      milliseconds(latency?.p95),
      milliseconds(latency?.p99),
      answeredBy(observation.answeredBy, observation.fallbacks),
      step.pass ? "PASS" : "FAIL",
    ];
  });
  const table = textTable(
    [
      { header: "step" },
      { header: "faults" },
      { header: "requests", align: "right" },
      { header: "errors" },
      { header: "p50 ms", align: "right" },
      { header: "p95 ms", align: "right" },
      { header: "p99 ms", align: "right" },
      { header: "answered by" },
      { header: "verdict" },
    ],
    rows,
  );
  const failures = report.steps.flatMap((step) => step.failures.map((failure) => `  ${step.name}: ${failure}`));
  const passed = report.steps.filter((step) => step.pass).length;
  return [
    `drill "${report.scenario}" against ${report.url}`,
    "",
    table,
    "",
    ...(failures.length === 0 ? [] : ["failed expectations:", ...failures, ""]),
    `${report.pass ? "PASS" : "FAIL"}: ${passed} of ${report.steps.length} steps held their SLOs`,
  ].join("\n");
}

function milliseconds(value: number | undefined): string {
  if (value === undefined) return "-";
  return Number.isFinite(value) ? String(Math.round(value)) : "inf";
}

function answeredBy(counts: Readonly<Record<string, number>>, fallbacks: number | undefined): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return "-";
  const list = entries.map(([deployment, count]) => `${deployment} ${count}`).join(", ");
  return fallbacks === undefined || fallbacks === 0 ? list : `${list} (fallback ${fallbacks})`;
}
