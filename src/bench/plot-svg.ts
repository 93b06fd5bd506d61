/** One line on a panel. */
export interface PlotSeries {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  color?: string;
  dashed?: boolean;
  /** Draw a dot at every point (for sparse series such as a sweep). */
  dots?: boolean;
}

/** One chart: axes, grid, lines, legend. */
export interface PlotPanel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: PlotSeries[];
  /** Axis bounds; by default from 0 (or the data minimum if negative) to the data maximum. */
  xMin?: number;
  xMax?: number;
  yMin?: number;
  yMax?: number;
  /** Vertical reference lines, e.g. the knee of a sweep. */
  markers?: Array<{ x: number; label: string }>;
}

export interface PlotFigure {
  title: string;
  subtitle?: string;
  columns: number;
  panels: PlotPanel[];
  panelWidth?: number;
  panelHeight?: number;
}

const palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];
const font = "DejaVu Sans, Helvetica, Arial, sans-serif";
const margin = { left: 64, right: 16, top: 30, bottom: 46 };

/** Renders panels in a grid as one standalone SVG document (no chart library, no scripts). */
export function renderFigureSvg(figure: PlotFigure): string {
  const panelWidth = figure.panelWidth ?? 420;
  const panelHeight = figure.panelHeight ?? 300;
  const header = figure.subtitle === undefined ? 44 : 62;
  const rows = Math.ceil(figure.panels.length / figure.columns);
  const width = figure.columns * panelWidth + 20;
  const height = header + rows * panelHeight + 10;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${font}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="28" font-size="18" font-weight="bold" text-anchor="middle">${escapeXml(figure.title)}</text>`,
  ];
  if (figure.subtitle !== undefined) parts.push(`<text x="${width / 2}" y="50" font-size="12" fill="#555" text-anchor="middle">${escapeXml(figure.subtitle)}</text>`);
  figure.panels.forEach((panel, index) => {
    const x = 10 + (index % figure.columns) * panelWidth;
    const y = header + Math.floor(index / figure.columns) * panelHeight;
    parts.push(renderPanel(panel, x, y, panelWidth, panelHeight));
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

function renderPanel(panel: PlotPanel, left: number, top: number, width: number, height: number): string {
  const plotLeft = left + margin.left;
  const plotTop = top + margin.top;
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const points = panel.series.flatMap((series) => series.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y);
  const xTicks = niceTicks(panel.xMin ?? Math.min(0, ...xs), panel.xMax ?? Math.max(0, ...xs));
  const yTicks = niceTicks(panel.yMin ?? Math.min(0, ...ys), panel.yMax ?? Math.max(0, ...ys));
  const [xLow, xHigh] = [xTicks[0] ?? 0, xTicks.at(-1) ?? 1];
  const [yLow, yHigh] = [yTicks[0] ?? 0, yTicks.at(-1) ?? 1];
  const toX = (value: number): number => plotLeft + ((value - xLow) / (xHigh - xLow || 1)) * plotWidth;
  const toY = (value: number): number => plotTop + plotHeight - ((value - yLow) / (yHigh - yLow || 1)) * plotHeight;

  const parts = [`<g>`, `<text x="${left + width / 2}" y="${top + 18}" font-size="14" font-weight="bold" text-anchor="middle">${escapeXml(panel.title)}</text>`];
  for (const tick of yTicks) {
    parts.push(`<line x1="${plotLeft}" x2="${plotLeft + plotWidth}" y1="${fixed(toY(tick))}" y2="${fixed(toY(tick))}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${plotLeft - 6}" y="${fixed(toY(tick) + 4)}" font-size="11" text-anchor="end">${formatTick(tick, yTicks)}</text>`);
  }
  for (const tick of xTicks) {
    parts.push(`<line x1="${fixed(toX(tick))}" x2="${fixed(toX(tick))}" y1="${plotTop}" y2="${plotTop + plotHeight}" stroke="#f0f0f0"/>`);
    parts.push(`<text x="${fixed(toX(tick))}" y="${plotTop + plotHeight + 16}" font-size="11" text-anchor="middle">${formatTick(tick, xTicks)}</text>`);
  }
  parts.push(`<rect x="${plotLeft}" y="${plotTop}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${plotLeft + plotWidth / 2}" y="${top + height - 8}" font-size="12" text-anchor="middle">${escapeXml(panel.xLabel)}</text>`);
  const yLabelX = left + 14;
  const yLabelY = plotTop + plotHeight / 2;
  parts.push(`<text x="${yLabelX}" y="${yLabelY}" font-size="12" text-anchor="middle" transform="rotate(-90 ${yLabelX} ${yLabelY})">${escapeXml(panel.yLabel)}</text>`);

  if (points.length === 0) parts.push(`<text x="${plotLeft + plotWidth / 2}" y="${plotTop + plotHeight / 2}" font-size="13" fill="#888" text-anchor="middle">no data</text>`);
  if (panel.series.length > 0) {
    // A white box under the legend so that lines passing the corner never hide it.
    const longest = Math.max(...panel.series.map((series) => series.name.length));
    parts.push(`<rect x="${plotLeft + 4}" y="${plotTop + 3}" width="${fixed(longest * 6.4 + 40)}" height="${panel.series.length * 16 + 4}" fill="#ffffff" fill-opacity="0.85"/>`);
  }
  panel.series.forEach((series, index) => {
    const color = series.color ?? palette[index % palette.length] ?? "#000";
    const valid = series.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (valid.length > 0) {
      const path = valid.map(([x, y], position) => `${position === 0 ? "M" : "L"}${fixed(toX(x))},${fixed(toY(y))}`).join(" ");
      parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"${series.dashed === true ? ' stroke-dasharray="6 4"' : ""}/>`);
      if (series.dots === true) for (const [x, y] of valid) parts.push(`<circle cx="${fixed(toX(x))}" cy="${fixed(toY(y))}" r="3.5" fill="${color}"/>`);
    }
    const legendY = plotTop + 14 + index * 16;
    parts.push(`<line x1="${plotLeft + 10}" x2="${plotLeft + 30}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${color}" stroke-width="2"${series.dashed === true ? ' stroke-dasharray="6 4"' : ""}/>`);
    parts.push(`<text x="${plotLeft + 36}" y="${legendY}" font-size="11">${escapeXml(series.name)}</text>`);
  });
  for (const marker of panel.markers ?? []) {
    const x = fixed(toX(marker.x));
    parts.push(`<line x1="${x}" x2="${x}" y1="${plotTop}" y2="${plotTop + plotHeight}" stroke="#555" stroke-dasharray="3 3"/>`);
    const labelY = plotTop + plotHeight - 6;
    parts.push(`<text x="${x}" y="${labelY}" font-size="11" fill="#555" text-anchor="start" transform="rotate(-90 ${x} ${labelY})" dy="-4">${escapeXml(marker.label)}</text>`);
  }
  parts.push("</g>");
  return parts.join("\n");
}

/** Round tick values (1, 2, 2.5, 5 × 10^k steps) covering [min, max] with about `target` intervals. */
export function niceTicks(min: number, max: number, target = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max <= min) max = min + (min === 0 ? 1 : Math.abs(min));
  const raw = (max - min) / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((factor) => factor * magnitude >= raw) ?? 10) * magnitude;
  const first = Math.floor(min / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let value = first; value < max + step - 1e-9 * step; value += step) ticks.push(Number(value.toPrecision(12)));
  return ticks.length >= 2 ? ticks : [first, first + step];
}

function formatTick(value: number, ticks: readonly number[]): string {
  const step = Math.abs((ticks[1] ?? 1) - (ticks[0] ?? 0));
  if (Math.abs(value) >= 10_000 && step >= 1000) return `${Number((value / 1000).toPrecision(6))}k`;
  // As many decimals as the step needs: 2.5-steps need one, 0.25-steps two.
  let decimals = 0;
  while (decimals < 6 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6) decimals++;
  return value.toFixed(decimals);
}

function fixed(value: number): string {
  return value.toFixed(1);
}

/** Escapes text for an XML text node or attribute. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
