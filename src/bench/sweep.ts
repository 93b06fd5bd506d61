import type { SweepSpec } from "./bench-options.js";
import type { BenchReport } from "./bench-report.js";
import { toResultJson } from "./result-json.js";

/** One point of a sweep: the load value, its full report, and the figure the knee is found on. */
export interface SweepPoint {
  value: number;
  report: BenchReport;
  /** Goodput when SLOs were given, else successful requests per second. */
  goodput: number;
}

export interface SweepResult {
  parameter: SweepSpec["parameter"];
  points: SweepPoint[];
  /** The lowest load reaching 95% of the best goodput; undefined while goodput still rises at the highest load tried. */
  knee: number | undefined;
}

/** Share of the best goodput at which the load counts as saturated. */
const kneeShare = 0.95;

/** Runs the benchmark once per value, in increasing order, and finds the knee. */
export async function runSweep(spec: SweepSpec, runPoint: (value: number) => Promise<BenchReport>, onPoint?: (point: SweepPoint) => void): Promise<SweepResult> {
  const points: SweepPoint[] = [];
  for (const value of spec.values) {
    const report = await runPoint(value);
    const point = { value, report, goodput: report.metrics.goodput ?? report.metrics.requestThroughput };
    points.push(point);
    onPoint?.(point);
    if (report.interrupted) break;
  }
  return { parameter: spec.parameter, points, knee: findKnee(points) };
}

/**
 * The knee: the lowest load whose goodput is within 5% of the best seen. Past it, more offered load buys
 * no more good requests. When the best is the highest load tried, the knee was not reached.
 */
export function findKnee(points: ReadonlyArray<{ value: number; goodput: number }>): number | undefined {
  const sorted = [...points].sort((a, b) => a.value - b.value);
  const best = Math.max(0, ...sorted.map((point) => point.goodput));
  const bestPoint = sorted.findLast((point) => point.goodput === best);
  if (sorted.length < 2 || best <= 0 || bestPoint === sorted.at(-1)) return undefined;
  return sorted.find((point) => point.goodput >= kneeShare * best)?.value;
}

/** A compact table of the sweep: one line per load value. */
export function formatSweepTable(sweep: SweepResult): string {
  const header = [sweep.parameter, "ok/total", "req/s", "goodput", "out tok/s", "p50 TTFT", "p99 TTFT", "p99 E2EL", "peak conc"];
  const rows = sweep.points.map((point) => {
    const metrics = point.report.metrics;
    return [
      String(point.value),
      `${metrics.completed}/${metrics.totalRequests}`,
      metrics.requestThroughput.toFixed(2),
      point.goodput.toFixed(2),
      metrics.outputThroughput.toFixed(1),
      metrics.ttftMs.median.toFixed(1),
      (metrics.ttftMs.percentiles["99"] ?? metrics.ttftMs.max).toFixed(1),
      (metrics.e2elMs.percentiles["99"] ?? metrics.e2elMs.max).toFixed(1),
      String(metrics.peakConcurrency),
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const line = (cells: string[]): string => cells.map((cell, column) => cell.padStart(widths[column] ?? 0)).join("  ");
  const knee = sweep.knee === undefined ? "not reached: goodput still rising at the highest load tried (or no successes)" : `${sweep.parameter} = ${sweep.knee}`;
  return `${line(header)}\n${rows.map(line).join("\n")}\nknee (lowest load within 5% of the best goodput): ${knee}\n`;
}

/** The JSON document of a sweep: every run in full, plus the knee. */
export function toSweepJson(sweep: SweepResult): Record<string, unknown> {
  return {
    kind: "gantry-bench-sweep",
    version: 1,
    date: new Date().toISOString(),
    parameter: sweep.parameter,
    values: sweep.points.map((point) => point.value),
    goodput: sweep.points.map((point) => point.goodput),
    knee: sweep.knee ?? null,
    runs: sweep.points.map((point) => toResultJson(point.report)),
  };
}
