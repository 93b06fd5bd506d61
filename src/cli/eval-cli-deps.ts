import { loadSuite } from "../evals/load-suite.js";
import type { GateVerdictStore } from "../evals/gate-verdict-store.js";
import type { EvalRunReader } from "../evals/run-results.js";
import { runEval } from "../evals/run-eval.js";
import { SuiteMismatchError } from "../evals/suite-mismatch-error.js";
import type { DatabaseFlags } from "./eval-database.js";
import { openEvalDatabase } from "./eval-database.js";
import { openEvalGateway } from "./eval-gateway.js";
import type { RunSuiteAgainst } from "../evals/run-suite-port.js";

/** What `gantry eval gate` and `gantry eval compare` need from the eval store and, optionally, the runner. */
export interface EvalCliStore {
  readonly reader: EvalRunReader;
  /** Runs a baseline's suite against a model; undefined until the runner is wired, and then --candidate takes run ids only. */
  readonly runSuite: RunSuiteAgainst | undefined;
  /** Where the gate keeps its verdicts (the registry's promotion precondition reads them); undefined: not kept. */
  readonly verdicts?: Pick<GateVerdictStore, "record">;
  close(): Promise<void>;
}

/** The commands' outside world, injectable so that tests drive the real command code in-process. */
export interface EvalCliDeps {
  openStore(options: DatabaseFlags): Promise<EvalCliStore>;
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * Opens the eval run store for the CLI (--database-url, --db, else `--config FILE`'s `database`), and the runner: a
 * MODEL candidate runs the baseline's suite, with the baseline's seed and repeats, through a gateway started here
 * from --config.
 */
export async function openEvalCliStore(options: DatabaseFlags): Promise<EvalCliStore> {
  const store = await openEvalDatabase(options);
  const gateways: Array<{ close(): Promise<void> }> = [];
  const config = options.config;
  const runSuite: RunSuiteAgainst | undefined =
    config === undefined
      ? undefined
      : async ({ baselineRun, target, suiteFile }) => {
          // Runs keep the suite's hash, not its file, so the file is asked for and checked against the baseline's hash.
          if (suiteFile === undefined) throw new Error("--suite FILE is needed to run a model candidate: name the suite file the baseline ran");
          const suite = await loadSuite(suiteFile);
          if (suite.hash !== baselineRun.suiteHash) {
            throw new SuiteMismatchError(baselineRun, { runId: `(${suiteFile})`, suiteName: suite.name, suiteHash: suite.hash });
          }
          const gateway = await openEvalGateway({ config, store });
          gateways.push(gateway);
          const repeat = baselineRun.items.reduce((most, item) => Math.max(most, item.repeat + 1), 1);
          const result = await runEval({
            suite,
            target: { id: target, label: target, options: suite.targets[0]?.options ?? {} },
            store,
            client: gateway.client,
            concurrency: 8,
            seed: baselineRun.seed,
            repeat,
          });
          return result.runId;
        };
  return {
    reader: store,
    runSuite,
    verdicts: store,
    close: async () => {
      for (const gateway of gateways) await gateway.close();
      await store.close();
    },
  };
}

export const defaultEvalCliDeps: EvalCliDeps = {
  openStore: openEvalCliStore,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};
