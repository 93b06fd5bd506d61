import type { EvalRunReader } from "../evals/run-results.js";
import type { RunSuiteAgainst } from "../evals/run-suite-port.js";

/** What `gantry eval gate` and `gantry eval compare` need from the eval store and, optionally, the runner. */
export interface EvalCliStore {
  readonly reader: EvalRunReader;
  /** Runs a baseline's suite against a model; undefined until the runner is wired, and then --candidate takes run ids only. */
  readonly runSuite: RunSuiteAgainst | undefined;
  close(): Promise<void>;
}

/** The commands' outside world, injectable so that tests drive the real command code in-process. */
export interface EvalCliDeps {
  openStore(options: { readonly config: string | undefined }): Promise<EvalCliStore>;
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * THE WIRING HOOK: opens the eval run store (and the runner) for the CLI from `--config FILE`. Until the eval store is
 * connected here, the eval commands report that plainly and exit 1.
 */
export function openEvalCliStore(options: { readonly config: string | undefined }): Promise<EvalCliStore> {
  return Promise.reject(new Error(`the eval run store is not wired into the CLI yet (src/cli/eval-cli-deps.ts; --config ${options.config ?? "not given"})`));
}

export const defaultEvalCliDeps: EvalCliDeps = {
  openStore: openEvalCliStore,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};
