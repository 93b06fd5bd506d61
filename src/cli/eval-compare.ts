import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { renderCompareHtml } from "../evals/compare-html.js";
import { compareRuns } from "../evals/compare-runs.js";
import { formatCompareTable } from "../evals/compare-table.js";
import type { EvalRunResults } from "../evals/run-results.js";
import type { EvalCliDeps, EvalCliStore } from "./eval-cli-deps.js";
import { defaultEvalCliDeps } from "./eval-cli-deps.js";
import type { DatabaseFlags } from "./eval-database.js";
import { databaseOptions } from "./eval-database.js";

export const evalCompareUsage = `usage: gantry eval compare A B [--html FILE] [--db FILE | --database-url URL | --config FILE]
  A, B          run ids or baseline names of two runs of the same suite (A plays the baseline)
  --html FILE   where to write the HTML report (default: eval-compare-A-B.html)
  database      --db FILE | --database-url postgres://… | --config FILE (its database)   (default ./.gantry/gantry.db)`;

/** `gantry eval compare A B`: prints the two runs side by side and writes an HTML report. */
export async function evalCompare(argv: string[], deps: EvalCliDeps = defaultEvalCliDeps): Promise<number> {
  let values: DatabaseFlags & { html?: string | undefined; help?: boolean | undefined };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { html: { type: "string" }, ...databaseOptions, help: { type: "boolean", short: "h" } },
    }));
  } catch (error) {
    deps.stderr(`gantry eval compare: ${error instanceof Error ? error.message : String(error)}\n${evalCompareUsage}\n`);
    return 2;
  }
  if (values.help === true) {
    deps.stdout(`${evalCompareUsage}\n`);
    return 0;
  }
  const [first, second, ...extra] = positionals;
  if (first === undefined || second === undefined || extra.length > 0) {
    deps.stderr(`gantry eval compare: expected two runs\n${evalCompareUsage}\n`);
    return 2;
  }
  let store: EvalCliStore | undefined;
  try {
    store = await deps.openStore({ db: values.db, "database-url": values["database-url"], config: values.config });
    const comparison = compareRuns(await mustLoad(store, first), await mustLoad(store, second));
    const htmlPath = values.html ?? `eval-compare-${safeName(first)}-${safeName(second)}.html`;
    await writeFile(htmlPath, renderCompareHtml(comparison));
    deps.stdout(`${formatCompareTable(comparison)}\nreport: ${htmlPath}\n`);
    return 0;
  } catch (error) {
    deps.stderr(`gantry eval compare: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await store?.close();
  }
}

/** A run by id, else the run a baseline of that name points at, so that either can name a run. */
async function mustLoad(store: EvalCliStore, name: string): Promise<EvalRunResults> {
  const run = (await store.reader.loadRun(name)) ?? (await loadBaselineRun(store, name));
  if (run === undefined) throw new Error(`no run or baseline named "${name}"`);
  return run;
}

async function loadBaselineRun(store: EvalCliStore, name: string): Promise<EvalRunResults | undefined> {
  const runId = await store.reader.baselineRun(name);
  return runId === undefined ? undefined : store.reader.loadRun(runId);
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "_");
}
