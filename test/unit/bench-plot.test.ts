import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cdfPoints } from "../../src/bench/bench-plots.js";
import { writePlotFile } from "../../src/bench/plot-file.js";
import { niceTicks, renderFigureSvg } from "../../src/bench/plot-svg.js";

const figure = renderFigureSvg({
  title: "latency <test> & co",
  subtitle: "subtitle",
  columns: 2,
  panels: [
    { title: "TTFT", xLabel: "ms", yLabel: "fraction", yMin: 0, yMax: 1, series: [{ name: "ttft", points: cdfPoints([5, 1, 3]) }], markers: [{ x: 3, label: "knee" }] },
    { title: "empty", xLabel: "s", yLabel: "tok/s", series: [] },
  ],
});

describe("SVG plots", () => {
  it("renders a standalone SVG document with escaped text and no NaN", () => {
    expect(figure.startsWith("<svg ")).toBe(true);
    expect(figure.trimEnd().endsWith("</svg>")).toBe(true);
    expect(figure).toContain("latency &lt;test&gt; &amp; co");
    expect(figure).toContain("no data");
    expect(figure).not.toMatch(/NaN|undefined|Infinity/);
    const opened = (figure.match(/<g>/g) ?? []).length;
    expect(opened).toBe((figure.match(/<\/g>/g) ?? []).length);
  });

  it("draws empirical CDFs as steps from 0 to 1", () => {
    expect(cdfPoints([3, 1])).toEqual([
      [1, 0],
      [1, 0.5],
      [3, 0.5],
      [3, 1],
    ]);
    const many = cdfPoints(Array.from({ length: 10_000 }, (_, index) => index), 100);
    expect(many).toHaveLength(101);
    expect(many[0]).toEqual([0, 0]);
    expect(many.at(-1)).toEqual([9999, 1]);
  });

  it("picks round ticks that cover the range", () => {
    expect(niceTicks(0, 97)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 0)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it("writes SVG, HTML and PNG files", async () => {
    const directory = await mkdtemp(join(tmpdir(), "bench-plot-"));
    await writePlotFile(join(directory, "plot.svg"), figure);
    await writePlotFile(join(directory, "plot.html"), figure, "table <1>");
    await writePlotFile(join(directory, "plot.png"), figure);
    expect(await readFile(join(directory, "plot.svg"), "utf8")).toBe(figure);
    const html = await readFile(join(directory, "plot.html"), "utf8");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("<svg ");
    expect(html).toContain("table &lt;1&gt;");
    const png = await readFile(join(directory, "plot.png"));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    await expect(writePlotFile(join(directory, "plot.gif"), figure)).rejects.toThrow(/png/);
  });
});
