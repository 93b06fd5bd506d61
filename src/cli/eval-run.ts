import { parseArgs } from "node:util";
import { createLiveStats } from "../bench/live-stats.js";
import { startProgressBar } from "../bench/progress-bar.js";
import { loadSuite, SuiteError, type SuiteTarget } from "../evals/load-suite.js";
import { runEval } from "../evals/run-eval.js";
import { formatRunSummary } from "../evals/run-summary.js";
import { databaseOptions, openEvalDatabase } from "./eval-database.js";
import { openEvalGateway } from "./eval-gateway.js";

export const evalRunUsage = `usage: gantry eval run --suite FILE [options]

target (one of)
  --config FILE          start the gateway in this process from its config and call it over loopback
  --base-url URL         call a running gateway (including /v1); --api-key KEY or $GANTRY_API_KEY
run
  --target MODEL         a Gantry model name, version or alias; repeatable (default: the suite's providers)
  --concurrency N        answers in flight at once (default 4)
  --repeat N --seed N    override the suite's repeat and seed
  --resume RUN_ID        continue this run (an unfinished run of the same suite, target, seed and repeats
                         is resumed without it; --new-run starts afresh instead)
  --no-cache             ask the model again even when the eval answer cache has this exact request
database
  --db FILE | --database-url postgres://…   (default: --config's database, else ./.gantry/gantry.db)`;

/** `gantry eval run`: answers and scores a suite against each target, storing every result as it finishes. */
export async function evalRun(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...databaseOptions,
      suite: { type: "string" },
      "base-url": { type: "string" },
      "api-key": { type: "string" },
      target: { type: "string", multiple: true },
      concurrency: { type: "string", default: "4" },
      repeat: { type: "string" },
      seed: { type: "string" },
      resume: { type: "string" },
      "new-run": { type: "boolean", default: false },
      "no-cache": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${evalRunUsage}\n`);
    return 0;
  }
  const concurrency = Number(values.concurrency);
  const repeat = values.repeat === undefined ? undefined : Number(values.repeat);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  const bad = [
    values.suite === undefined ? "--suite is required" : undefined,
    (values.config === undefined) === (values["base-url"] === undefined) ? "give exactly one of --config (in-process gateway) and --base-url" : undefined,
    !Number.isInteger(concurrency) || concurrency < 1 ? "--concurrency must be a positive integer" : undefined,
    repeat !== undefined && (!Number.isInteger(repeat) || repeat < 1) ? "--repeat must be a positive integer" : undefined,
    seed !== undefined && (!Number.isInteger(seed) || seed < 0) ? "--seed must be a non-negative integer" : undefined,
  ].filter((problem) => problem !== undefined);
  if (bad.length > 0) {
    process.stderr.write(`gantry eval run: ${bad.join("; ")}\n${evalRunUsage}\n`);
    return 2;
  }
  let suite;
  try {
    suite = await loadSuite(values.suite ?? "");
  } catch (error) {
    if (!(error instanceof SuiteError)) throw error;
    process.stderr.write(`gantry eval run: ${error.message}\n`);
    return 2;
  }
  const targets: SuiteTarget[] =
    values.target === undefined ? [...suite.targets] : values.target.map((id) => suite.targets.find((target) => target.id === id || target.label === id) ?? { id, label: id, options: {} });
  if (targets.length === 0) {
    process.stderr.write("gantry eval run: the suite names no providers; pass --target MODEL\n");
    return 2;
  }
  if (values.resume !== undefined && targets.length > 1) {
    process.stderr.write("gantry eval run: --resume continues one run: pass one --target\n");
    return 2;
  }

  const store = await openEvalDatabase(values);
  let gateway: Awaited<ReturnType<typeof openEvalGateway>> | undefined;
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write("\ngantry eval: finishing the answers in flight, then stopping (the run resumes later; Ctrl-C again to quit at once)\n");
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  try {
    gateway = await openEvalGateway({ config: values.config, baseUrl: values["base-url"], apiKey: values["api-key"], noCache: values["no-cache"], store });
    const { client } = gateway;
    let interrupted = false;
    for (const target of targets) {
      const live = createLiveStats();
      const total = suite.items.length * (repeat ?? suite.repeat);
      const bar = startProgressBar(live, { total, durationMs: undefined, label: `${suite.name} × ${target.label}`, stream: process.stderr, figures: "passed {passed} | failed {failed} | in flight {inflight}" });
      const result = await runEval({ suite, target, store, client, concurrency, repeat, seed, resumeRunId: values.resume, fresh: values["new-run"], live, signal: controller.signal });
      bar.stop();
      const run = await store.loadRun(result.runId);
      if (run !== undefined) process.stdout.write(`${formatRunSummary(run)}\n`);
      process.stdout.write(`  this time    scored ${result.scored}${result.resumed ? `, resumed with ${result.skipped} already stored` : ""}${result.finished ? "" : " (interrupted: rerun the same command to resume)"}\n`);
      if (!result.finished) {
        interrupted = true;
        break;
      }
    }
    return interrupted ? 130 : 0;
  } finally {
    process.off("SIGINT", onSignal);
    await gateway?.close();
    await store.close();
  }
}
