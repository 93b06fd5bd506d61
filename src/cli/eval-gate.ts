import { parseArgs } from "node:util";
import type { GateOptions, GateResult, GateVerdict } from "../evals/gate.js";
import { gate } from "../evals/gate.js";
import { formatGateResult } from "../evals/gate-report.js";
import type { EvalRunResults } from "../evals/run-results.js";
import type { EvalCliDeps, EvalCliStore } from "./eval-cli-deps.js";
import { defaultEvalCliDeps } from "./eval-cli-deps.js";
import type { DatabaseFlags } from "./eval-database.js";
import { databaseOptions } from "./eval-database.js";

export const evalGateUsage = `usage: gantry eval gate --baseline NAME --candidate RUN_ID|MODEL [options]
  --baseline NAME        a baseline name (or a run id)
  --candidate RUN|MODEL  a stored run id, or a model to run the baseline's suite against first
  --suite FILE           the suite file to run a MODEL candidate with (default: the suite the baseline ran)
  --tolerance X          how much worse the candidate may be and still pass (default 0.05)
  --confidence X         confidence of the interval; 1 - X is McNemar's level (default 0.95)
  --min-items N          fewer paired items is inconclusive (default 20)
  --resamples N          bootstrap resamples (default 10000)   --seed N  bootstrap seed (default 1)
  --config FILE          the gateway config: runs a MODEL candidate, and holds the eval store (its database)
  --db FILE | --database-url postgres://…   the eval store (default: --config's database, else ./.gantry/gantry.db)
  --json                 print the result as JSON
exit: 0 pass, 100 regression, 101 inconclusive, 1 error, 2 usage (rule: docs/evals.md#gating)`;

/** Exit codes of `gantry eval gate`: 100 as promptfoo uses for failures, and inconclusive never reads as a pass. */
export const gateExitCodes: Record<GateVerdict, number> = { pass: 0, regression: 100, inconclusive: 101 };

/** `gantry eval gate`: the paired regression gate of a candidate run (or model) against a named baseline. */
export async function evalGate(argv: string[], deps: EvalCliDeps = defaultEvalCliDeps): Promise<number> {
  let request: GateRequest | "help";
  try {
    request = parseGateArgs(argv);
  } catch (error) {
    deps.stderr(`gantry eval gate: ${error instanceof Error ? error.message : String(error)}\n${evalGateUsage}\n`);
    return 2;
  }
  if (request === "help") {
    deps.stdout(`${evalGateUsage}\n`);
    return 0;
  }
  let store: EvalCliStore | undefined;
  try {
    store = await deps.openStore(request.database);
    const baseline = await loadBaseline(store, request.baseline);
    const candidate = await loadCandidate(store, baseline, request.candidate, request.suite, deps);
    const result = gate(baseline, candidate, request.options);
    deps.stdout(request.json ? `${JSON.stringify(result, null, 2)}\n` : formatGateResult(result));
    await recordVerdict(store, request.baseline, candidate, result, deps);
    return gateExitCodes[result.verdict];
  } catch (error) {
    deps.stderr(`gantry eval gate: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await store?.close();
  }
}

interface GateRequest {
  readonly baseline: string;
  readonly candidate: string;
  readonly suite: string | undefined;
  readonly database: DatabaseFlags;
  readonly json: boolean;
  readonly options: Partial<GateOptions>;
}

function parseGateArgs(argv: string[]): GateRequest | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      baseline: { type: "string" },
      candidate: { type: "string" },
      suite: { type: "string" },
      tolerance: { type: "string" },
      confidence: { type: "string" },
      "min-items": { type: "string" },
      resamples: { type: "string" },
      seed: { type: "string" },
      ...databaseOptions,
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  if (values.baseline === undefined) throw new Error("--baseline is required");
  if (values.candidate === undefined) throw new Error("--candidate is required");
  const options: { -readonly [K in keyof GateOptions]?: GateOptions[K] } = {};
  if (values.tolerance !== undefined) options.tolerance = numberOption("--tolerance", values.tolerance);
  if (values.confidence !== undefined) options.confidence = numberOption("--confidence", values.confidence);
  if (values["min-items"] !== undefined) options.minItems = numberOption("--min-items", values["min-items"]);
  if (values.resamples !== undefined) options.resamples = numberOption("--resamples", values.resamples);
  if (values.seed !== undefined) options.seed = numberOption("--seed", values.seed);
  return { baseline: values.baseline, candidate: values.candidate, suite: values.suite, database: { db: values.db, "database-url": values["database-url"], config: values.config }, json: values.json, options };
}

function numberOption(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) throw new Error(`${flag} must be a number (got "${text}")`);
  return value;
}

/** A baseline name first; a run id also works, so that a gate can be tried before any baseline is set. */
async function loadBaseline(store: EvalCliStore, name: string): Promise<EvalRunResults> {
  const runId = (await store.reader.baselineRun(name)) ?? name;
  const run = await store.reader.loadRun(runId);
  if (run === undefined) throw new Error(`no baseline or run named "${name}"`);
  return run;
}

/** A stored run id, else a model: the baseline's suite is run against it first (when the runner is wired). */
async function loadCandidate(store: EvalCliStore, baseline: EvalRunResults, candidate: string, suiteFile: string | undefined, deps: EvalCliDeps): Promise<EvalRunResults> {
  const stored = await store.reader.loadRun(candidate);
  if (stored !== undefined) return stored;
  if (store.runSuite === undefined) {
    throw new Error(`no run "${candidate}"; running the suite against a model is not available here, so pass the id of a stored run`);
  }
  deps.stderr(`gantry eval gate: running suite "${baseline.suiteName}" against ${candidate}\n`);
  const runId = await store.runSuite({ baselineRun: baseline, target: candidate, suiteFile });
  const run = await store.reader.loadRun(runId);
  if (run === undefined) throw new Error(`the runner reported run "${runId}", but the store has no such run`);
  return run;
}

/** Keeps the verdict for the candidate run's model version: a registry promotion gated on this baseline reads it. */
async function recordVerdict(store: EvalCliStore, baseline: string, candidate: EvalRunResults, result: GateResult, deps: EvalCliDeps): Promise<void> {
  if (store.verdicts === undefined) return;
  await store.verdicts.record({
    baseline,
    baselineRunId: result.baselineRunId,
    candidateRunId: result.candidateRunId,
    suiteName: result.suiteName,
    model: candidate.model,
    modelVersion: candidate.modelVersion,
    verdict: result.verdict,
    reason: result.reason,
    at: Date.now(),
  });
  if (candidate.model !== undefined && candidate.modelVersion !== undefined) deps.stderr(`gantry eval gate: verdict ${result.verdict} stored for ${candidate.model} version ${candidate.modelVersion} against "${baseline}"\n`);
}
