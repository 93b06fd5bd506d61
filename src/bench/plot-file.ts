import { writeFile } from "node:fs/promises";
import { extname } from "node:path";
import { escapeXml } from "./plot-svg.js";

/** The formats --plot writes, chosen by the file's extension. */
export type PlotFormat = "svg" | "png" | "html";

/** The format for a file name, or an error naming the accepted ones. */
export function plotFormatOf(path: string): PlotFormat {
  const extension = extname(path).toLowerCase().slice(1);
  if (extension === "svg" || extension === "png" || extension === "html") return extension;
  throw new Error(`--plot ${path}: use a .png, .svg or .html file name`);
}

/** Writes an SVG figure as SVG, as PNG (rendered by resvg) or as an HTML page embedding it with an optional text report. */
export async function writePlotFile(path: string, svg: string, report?: string): Promise<void> {
  const format = plotFormatOf(path);
  if (format === "svg") return writeFile(path, svg, "utf8");
  if (format === "html") {
    const title = /<text[^>]*>([^<]*)<\/text>/.exec(svg)?.[1] ?? "gantry bench";
    const pre = report === undefined ? "" : `<pre>${escapeXml(report)}</pre>\n`;
    const page = `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>${title}</title>\n<style>body{font-family:sans-serif;margin:24px}pre{font-size:13px}</style></head>\n<body>\n${svg}${pre}</body>\n</html>\n`;
    return writeFile(path, page, "utf8");
  }
  // Loaded only for PNG output: it is a native module and most runs never need it.
  const { Resvg } = await import("@resvg/resvg-js");
  const png = new Resvg(svg, { background: "#ffffff", font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" } }).render().asPng();
  await writeFile(path, png);
}
