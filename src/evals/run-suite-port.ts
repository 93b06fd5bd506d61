import type { EvalRunResults } from "./run-results.js";

/** What the gate asks of the eval runner to try a model: run the suite a baseline ran against `target`. */
export interface RunSuiteRequest {
  readonly baselineRun: EvalRunResults;
  /** A Gantry model name, version or alias. */
  readonly target: string;
  /** The suite file, when the user named one; otherwise the runner finds the suite the baseline ran. */
  readonly suiteFile: string | undefined;
}

/** Runs a suite against a target and resolves to the stored run's id (implemented by the eval runner). */
export type RunSuiteAgainst = (request: RunSuiteRequest) => Promise<string>;
