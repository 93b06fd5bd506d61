import { parseArgs } from "node:util";
import { writePlotFile, plotFormatOf } from "../bench/plot-file.js";
import { renderDriftSvg } from "../drift/drift-plot.js";
import type { DriftReport } from "../drift/drift-report.js";
import { formatDriftTables } from "../drift/drift-table.js";

const usage = `usage: gantry drift report [--model M] [--version V] [--from T] [--to T] [--plot FILE.html|.png|.svg] [--json]
  Compares each model version's current window with its reference window (the gateway's drift: config) and prints
  one table per version; --plot writes reference-against-current histograms per feature (.html holds every version,
  .png and .svg one: name it with --model and --version). T is epoch milliseconds or ISO 8601.
common: --url URL (default http://127.0.0.1:4000)  --admin-key KEY (or GANTRY_ADMIN_KEY)
exit status: 0 no drift, 3 drift detected, 1 on errors`;

/** Exit status when some model version drifted, so scripts and CI can act on it. */
const driftExitCode = 3;

/** `gantry drift report`: reads GET /admin/drift from a running gateway, prints tables and writes plots. */
export async function drift(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: "string", default: "http://127.0.0.1:4000" },
      "admin-key": { type: "string" },
      model: { type: "string" },
      version: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      plot: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help === true || positionals[0] !== "report") {
    process.stdout.write(`${usage}\n`);
    return values.help === true ? 0 : 2;
  }
  if (values.plot !== undefined) plotFormatOf(values.plot);
  const adminKey = values["admin-key"] ?? process.env["GANTRY_ADMIN_KEY"];
  const query = new URLSearchParams();
  for (const name of ["model", "version", "from", "to"] as const) if (values[name] !== undefined) query.set(name, values[name]);
  const response = await fetch(`${values.url.replace(/\/+$/, "")}/admin/drift?${query.toString()}`, { headers: adminKey === undefined ? {} : { authorization: `Bearer ${adminKey}` } });
  const text = await response.text();
  if (!response.ok) {
    process.stderr.write(`gantry drift: ${response.status} ${text}\n`);
    return 1;
  }
  const reports = (JSON.parse(text) as { data: DriftReport[] }).data;
  const tables = formatDriftTables(reports);
  process.stdout.write(values.json === true ? `${JSON.stringify(reports, null, 2)}\n` : tables);
  if (values.plot !== undefined) {
    if (plotFormatOf(values.plot) !== "html" && reports.length !== 1) {
      process.stderr.write(`gantry drift: ${reports.length} model versions to plot: a .png or .svg holds one (give --model and --version), a .html holds all\n`);
      return 1;
    }
    await writePlotFile(values.plot, reports.map(renderDriftSvg).join("\n"), tables);
    process.stderr.write(`wrote ${values.plot}\n`);
  }
  return reports.some((report) => report.drift_detected) ? driftExitCode : 0;
}
