/** Thrown when two runs of different suites are compared: their items do not pair up, so no paired test applies. */
export class SuiteMismatchError extends Error {
  readonly baselineSuiteHash: string;
  readonly candidateSuiteHash: string;

  constructor(baseline: { runId: string; suiteName: string; suiteHash: string }, candidate: { runId: string; suiteName: string; suiteHash: string }) {
    super(
      `runs ${baseline.runId} (suite "${baseline.suiteName}", hash ${baseline.suiteHash}) and ${candidate.runId} (suite "${candidate.suiteName}", hash ${candidate.suiteHash}) ` +
        "ran different suites; a paired comparison needs the same suite (same prompts, dataset and assertions)",
    );
    this.name = "SuiteMismatchError";
    this.baselineSuiteHash = baseline.suiteHash;
    this.candidateSuiteHash = candidate.suiteHash;
  }
}
