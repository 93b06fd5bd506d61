import type { BenchReport } from "./bench-report.js";
import type { PlotFigure, PlotPanel } from "./plot-svg.js";
import { describeSlo } from "./report-table.js";
import type { SweepResult } from "./sweep.js";

/** Points of an empirical CDF (at most about `maxPoints`), as steps so that small samples look like what they are. */
export function cdfPoints(values: readonly number[], maxPoints = 300): Array<[number, number]> {
  const sorted = [...values].sort((a, b) => a - b);
  const count = sorted.length;
  if (count === 0) return [];
  if (count <= maxPoints) {
    return sorted.flatMap((value, index): Array<[number, number]> => [
      [value, index / count],
      [value, (index + 1) / count],
    ]);
  }
  return Array.from({ length: maxPoints + 1 }, (_, step): [number, number] => {
    const fraction = step / maxPoints;
    return [sorted[Math.min(count - 1, Math.round(fraction * (count - 1)))] ?? 0, fraction];
  });
}

/** The figure of one run: latency CDFs (TTFT, TPOT, E2E) and throughput and concurrency over time. */
export function createRunFigure(report: BenchReport): PlotFigure {
  const { metrics, settings } = report;
  const timings = report.requests.flatMap((request) => (request.timings === undefined ? [] : [request.timings]));
  const half = metrics.timeSeries.bucketMs / 2000;
  const series = metrics.timeSeries.points;
  const cdf = (title: string, label: string, values: number[]): PlotPanel => ({
    title,
    xLabel: `${label} (ms)`,
    yLabel: "fraction of requests",
    yMin: 0,
    yMax: 1,
    series: [{ name: `${label} (n=${values.length})`, points: cdfPoints(values) }],
  });
  const overTime = (title: string, yLabel: string, lines: Array<{ name: string; value: (point: (typeof series)[number]) => number }>): PlotPanel => ({
    title,
    xLabel: "time since start (s)",
    yLabel,
    series: lines.map((line) => ({ name: line.name, points: series.map((point) => [point.timeS + half, line.value(point)] as const) })),
  });
  const rate = settings.requestRate === Infinity ? "inf" : `${settings.requestRate} req/s`;
  return {
    title: `gantry bench: ${settings.model}`,
    subtitle: `${settings.baseUrl} · ${rate} · burstiness ${settings.burstiness} · max concurrency ${settings.maxConcurrency ?? "none"} · ${metrics.completed}/${metrics.totalRequests} ok · ${metrics.durationS.toFixed(1)} s`,
    columns: 3,
    panels: [
      cdf("Time to first token", "TTFT", timings.map((timing) => timing.ttftMs)),
      cdf("Time per output token", "TPOT", timings.flatMap((timing) => (timing.tpotMs === undefined ? [] : [timing.tpotMs]))),
      cdf("End-to-end latency", "E2E", timings.map((timing) => timing.e2elMs)),
      overTime("Output token throughput", "tokens/s", [{ name: "output tok/s", value: (point) => point.outputTokensPerS }]),
      overTime("Requests finished", "requests/s", [
        { name: "completed/s", value: (point) => point.completedPerS },
        { name: "failed/s", value: (point) => point.failedPerS },
      ]),
      overTime("Requests in flight", "requests", [{ name: "in flight", value: (point) => point.inFlight }]),
    ],
  };
}

/** The figure of a sweep: goodput and throughput, p99 TTFT, and output throughput against offered load. */
export function createSweepFigure(sweep: SweepResult): PlotFigure {
  const xLabel = sweep.parameter === "request-rate" ? "offered load (req/s)" : "max concurrency";
  const points = sweep.points;
  const at = (value: (point: (typeof points)[number]) => number | undefined): Array<readonly [number, number]> =>
    points.flatMap((point) => {
      const y = value(point);
      return y === undefined ? [] : [[point.value, y] as const];
    });
  const markers = sweep.knee === undefined ? [] : [{ x: sweep.knee, label: `knee ${sweep.knee}` }];
  const slo = points[0]?.report.metrics.slo;
  const goodputName = slo !== undefined && describeSlo(slo) !== "" ? `goodput (${describeSlo(slo)})` : "goodput (= successful, no SLO)";
  const throughputPanel: PlotPanel = {
    title: "Goodput vs offered load",
    xLabel,
    yLabel: "requests/s",
    markers,
    series: [
      { name: goodputName, points: at((point) => point.goodput), dots: true },
      { name: "successful req/s", points: at((point) => point.report.metrics.requestThroughput), dots: true },
      ...(sweep.parameter === "request-rate" ? [{ name: "offered", points: at((point) => point.value), dashed: true, color: "#999" }] : []),
    ],
  };
  const percentileKey = points[0] === undefined ? "99" : (Object.keys(points[0].report.metrics.ttftMs.percentiles).at(-1) ?? "99");
  return {
    title: `gantry bench sweep over ${sweep.parameter}`,
    subtitle: points[0] === undefined ? "" : `${points[0].report.settings.model} · ${points[0].report.settings.baseUrl}`,
    columns: 3,
    panels: [
      throughputPanel,
      {
        title: `TTFT vs offered load`,
        xLabel,
        yLabel: "TTFT (ms)",
        markers,
        series: [
          { name: `p${percentileKey} TTFT`, points: at((point) => point.report.metrics.ttftMs.percentiles[percentileKey]), dots: true },
          { name: "median TTFT", points: at((point) => point.report.metrics.ttftMs.median), dots: true },
        ],
      },
      {
        title: "Output throughput vs offered load",
        xLabel,
        yLabel: "tokens/s",
        markers,
        series: [{ name: "output tok/s", points: at((point) => point.report.metrics.outputThroughput), dots: true }],
      },
    ],
  };
}
