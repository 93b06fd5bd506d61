import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writePlotFile } from "../bench/plot-file.js";
import { renderFigureSvg } from "../bench/plot-svg.js";
import type { CleanReport } from "./clean-report.js";
import { formatCleanReport } from "./clean-report-text.js";

/** Writes report.json and report.html (histograms of row length before and after, and of near-duplicate similarity). */
export async function writeCleanReport(outDir: string, report: CleanReport, plotFile = "report.html"): Promise<void> {
  const { histograms, ...figures } = report;
  const json = { ...figures, histograms: Object.fromEntries(Object.entries(histograms).map(([name, histogram]) => [name, { min: histogram.min, max: histogram.max, counts: histogram.counts }])) };
  await writeFile(join(outDir, "report.json"), `${JSON.stringify(json, null, 2)}\n`);
  const svg = renderFigureSvg({
    title: "gantry data clean",
    subtitle: report.input,
    columns: 2,
    panels: [
      {
        title: "Row length",
        xLabel: "log10(characters + 1)",
        yLabel: "rows",
        series: [
          { name: "read", points: histograms.charsIn.points(), dots: true },
          { name: "kept", points: histograms.charsOut.points(), dots: true, dashed: true },
        ],
      },
      {
        title: "Near-duplicates removed",
        xLabel: "Jaccard similarity to the row duplicated",
        yLabel: "rows",
        xMin: histograms.nearDuplicateSimilarity.min,
        xMax: 1,
        series: [{ name: "removed", points: histograms.nearDuplicateSimilarity.points(), dots: true }],
      },
    ],
  });
  await writePlotFile(join(outDir, plotFile), svg, formatCleanReport(report));
}
