import { cdfPoints } from "../bench/bench-plots.js";
import { escapeXml, renderFigureSvg } from "../bench/plot-svg.js";
import type { ItemDiff, RunComparison } from "./compare-runs.js";
import { formatCompareTable } from "./compare-table.js";
import { histogramOutline } from "./histogram-outline.js";

const scoreBins = 20;

/** A standalone HTML report of a comparison: totals, statistics, inline SVG distributions and every item's diff. */
export function renderCompareHtml(comparison: RunComparison): string {
  const [a, b] = comparison.runs;
  const [answersA, answersB] = comparison.answers;
  const name = (label: string, run: typeof a): string => `${label}: ${run.runId} (${run.target})`;
  const svg = renderFigureSvg({
    title: "Score, latency and cost",
    subtitle: `A = ${a.runId}, B = ${b.runId}`,
    columns: 3,
    panels: [
      {
        title: "Score distribution",
        xLabel: "score",
        yLabel: "fraction of answers",
        xMin: 0,
        xMax: 1,
        series: [
          { name: name("A", a), points: histogramOutline(answersA.map((answer) => answer.score), scoreBins, 0, 1) },
          { name: name("B", b), points: histogramOutline(answersB.map((answer) => answer.score), scoreBins, 0, 1), dashed: true },
        ],
      },
      {
        title: "Latency",
        xLabel: "latency (ms)",
        yLabel: "fraction of answers",
        yMin: 0,
        yMax: 1,
        series: [
          { name: "A", points: cdfPoints(answersA.map((answer) => answer.latencyMs)) },
          { name: "B", points: cdfPoints(answersB.map((answer) => answer.latencyMs)), dashed: true },
        ],
      },
      {
        title: "Cost per answer",
        xLabel: "cost (USD)",
        yLabel: "fraction of answers",
        yMin: 0,
        yMax: 1,
        series: [
          { name: "A", points: cdfPoints(answersA.map((answer) => answer.costUsd)) },
          { name: "B", points: cdfPoints(answersB.map((answer) => answer.costUsd)), dashed: true },
        ],
      },
    ],
  });
  const verdict = comparison.statistics.verdict;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gantry eval compare ${escapeXml(a.runId)} ${escapeXml(b.runId)}</title>
<style>
body { font-family: DejaVu Sans, Helvetica, Arial, sans-serif; margin: 24px; color: #222; }
pre { background: #f6f6f6; padding: 12px; overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 4px 8px; vertical-align: top; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.worse td { background: #fdecea; } tr.better td { background: #eaf6ec; }
td.out { max-width: 420px; white-space: pre-wrap; word-break: break-word; font-family: monospace; font-size: 12px; }
.verdict-pass { color: #2ca02c; } .verdict-regression { color: #d62728; } .verdict-inconclusive { color: #ff7f0e; }
</style></head><body>
<h1>Eval comparison: <span class="verdict-${verdict}">${verdict}</span> (B against A)</h1>
<pre>${escapeXml(formatCompareTable(comparison, 0))}</pre>
${svg}
<h2>Per-item differences (largest change first)</h2>
<table><thead><tr><th>item</th><th>pass A</th><th>pass B</th><th>score A</th><th>score B</th><th>Δ score</th><th>latency A / B (ms)</th><th>cost A / B (USD)</th><th>output A</th><th>output B</th></tr></thead>
<tbody>
${comparison.items.map(itemRow).join("\n")}
</tbody></table>
</body></html>
`;
}

function itemRow(item: ItemDiff): string {
  const rowClass = item.scoreDelta < 0 ? "worse" : item.scoreDelta > 0 ? "better" : "";
  const cells = [
    `<td>${escapeXml(item.itemKey)}${item.flaky ? " (flaky)" : ""}</td>`,
    `<td class="num">${item.passRate[0].toFixed(2)}</td>`,
    `<td class="num">${item.passRate[1].toFixed(2)}</td>`,
    `<td class="num">${item.score[0].toFixed(3)}</td>`,
    `<td class="num">${item.score[1].toFixed(3)}</td>`,
    `<td class="num">${item.scoreDelta >= 0 ? "+" : ""}${item.scoreDelta.toFixed(3)}</td>`,
    `<td class="num">${item.latencyMs[0].toFixed(0)} / ${item.latencyMs[1].toFixed(0)}</td>`,
    `<td class="num">${item.costUsd[0].toFixed(6)} / ${item.costUsd[1].toFixed(6)}</td>`,
    `<td class="out">${escapeXml(item.output[0])}</td>`,
    `<td class="out">${escapeXml(item.output[1])}</td>`,
  ];
  return `<tr class="${rowClass}">${cells.join("")}</tr>`;
}
