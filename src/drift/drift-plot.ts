import { renderFigureSvg, type PlotPanel } from "../bench/plot-svg.js";
import type { DriftReport } from "./drift-report.js";
import type { FeatureDrift } from "./feature-drift.js";

/** One SVG figure per report: reference against current histograms (shares per bin), one panel per feature. */
export function renderDriftSvg(report: DriftReport): string {
  const name = report.version === "" ? report.model : `${report.model}@${report.version}`;
  return renderFigureSvg({
    title: `Drift of ${name}`,
    subtitle: `${report.drifted_features.length} of ${report.tested_features} tested features drifted${report.dataset_drift ? " (dataset drift)" : ""}; reference ${report.reference.samples} samples, current ${report.current.samples}`,
    columns: 2,
    panels: report.features.map(histogramPanel),
  });
}

/** A histogram as step lines over the bin edges; a categorical feature's x axis is the category's index, named below it. */
function histogramPanel(feature: FeatureDrift): PlotPanel {
  const { bins, reference, current } = feature.histogram;
  const edges = feature.histogram.edges ?? Array.from({ length: bins.length + 1 }, (_, index) => index);
  const steps = (counts: readonly number[]): [number, number][] => {
    const total = counts.reduce((sum, count) => sum + count, 0) || 1;
    return counts.flatMap((count, index) => [[edges[index] ?? index, count / total] as [number, number], [edges[index + 1] ?? index + 1, count / total] as [number, number]]);
  };
  const result = feature.status === "not_enough_data" ? "not enough data" : feature.drifted ? "DRIFT" : "no drift";
  const axis = feature.histogram.edges === undefined ? bins.map((bin, index) => `${index}=${bin}`).join(" ") : feature.feature;
  return {
    title: `${feature.feature}: ${result}`,
    xLabel: axis.length > 70 ? `${axis.slice(0, 67)}...` : axis,
    yLabel: "share",
    xMin: edges[0] ?? 0,
    xMax: Math.max((edges[0] ?? 0) + 1, edges.at(-1) ?? 1),
    yMin: 0,
    series: [
      { name: "reference", points: steps(reference) },
      { name: "current", points: steps(current), dashed: true },
    ],
  };
}
