/**
 * The end-of-request facts that aggregating features (rollups, drift) observe: the same accounting record the
 * request log and the metrics read, taken once in the observer's `finish`. Absent dimensions are "".
 */
export interface RequestOutcome {
  /** Epoch milliseconds when the request ended. */
  readonly endedAt: number;
  readonly model: string;
  /** `facts.modelVersion`, "" when the registry set none. */
  readonly version: string;
  readonly deployment: string;
  readonly keyId: string;
  readonly team: string;
  /** The HTTP status sent (499 when the client went away first). */
  readonly status: number;
  /** The error code; "" for a success. */
  readonly errorCode: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedTokens: number;
  readonly costUsd: number;
  readonly latencyMs: number;
  readonly ttftMs: number | undefined;
  /** Mean time per output token after the first; streams with two or more output tokens only. */
  readonly tpotMs: number | undefined;
}

/** Receives each finished API request; `record` runs on the request path, so it must only buffer (no I/O). */
export interface RequestOutcomeSink {
  record(outcome: RequestOutcome): void;
}
