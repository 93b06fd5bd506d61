import { userInfo } from "node:os";
import { parseArgs } from "node:util";
import { databaseOptions, openEvalDatabase } from "./eval-database.js";

export const evalBaselineUsage = `usage: gantry eval baseline set NAME RUN_ID [--by WHO]   point a baseline at a stored run (history kept)
       gantry eval baseline list                         every baseline and the run it points at
       gantry eval baseline history NAME                 every change of a baseline: run, previous run, who, when
       gantry eval baseline runs [--limit N]             recent runs, to pick one from
  database: --db FILE | --database-url postgres://… | --config FILE   (default ./.gantry/gantry.db)`;

const when = (ms: number): string => new Date(ms).toISOString();

/** `gantry eval baseline`: named pointers to runs, the baseline a candidate is gated against. */
export async function evalBaseline(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...databaseOptions, by: { type: "string" }, limit: { type: "string", default: "20" }, help: { type: "boolean", short: "h", default: false } },
  });
  const [action, name, runId] = positionals;
  if (values.help) {
    process.stdout.write(`${evalBaselineUsage}\n`);
    return 0;
  }
  const shapes: Record<string, number> = { set: 3, list: 1, history: 2, runs: 1 };
  if (action === undefined || shapes[action] !== positionals.length) {
    process.stderr.write(`gantry eval baseline: expected set NAME RUN_ID, list, history NAME or runs\n${evalBaselineUsage}\n`);
    return 2;
  }
  const store = await openEvalDatabase(values);
  try {
    switch (action) {
      case "set": {
        const run = await store.runInfo(runId ?? "");
        if (run === undefined) {
          process.stderr.write(`gantry eval baseline: no run ${runId ?? ""} (gantry eval baseline runs lists them)\n`);
          return 1;
        }
        if (run.finishedAt === undefined) process.stderr.write(`gantry eval baseline: warning: run ${run.runId} is unfinished; resume it first for a complete baseline\n`);
        await store.setBaseline(name ?? "", run.runId, values.by ?? process.env["USER"] ?? userInfo().username, Date.now());
        process.stdout.write(`baseline ${name ?? ""} -> ${run.runId} (suite ${run.suiteName} ${run.suiteHash}, target ${run.target})\n`);
        return 0;
      }
      case "list":
        for (const row of await store.listBaselines()) process.stdout.write(`${row.name}\t${row.runId}\tset by ${row.setBy} at ${when(row.setAt)}\n`);
        return 0;
      case "history":
        for (const row of await store.baselineHistory(name ?? "")) process.stdout.write(`${when(row.setAt)}\t${row.setBy}\t${row.previousRunId ?? "(new)"} -> ${row.runId}\n`);
        return 0;
      default:
        for (const run of await store.listRuns(Math.max(1, Number(values.limit) || 20))) {
          process.stdout.write(`${run.runId}\t${when(run.startedAt)}\t${run.finishedAt === undefined ? "unfinished" : "finished"}\t${run.suiteName}\t${run.target}\n`);
        }
        return 0;
    }
  } finally {
    await store.close();
  }
}
