import type { RequestContext } from "../pipeline/request-context.js";

/**
 * The end-of-request facts that aggregating features (rollups, drift) observe: the same accounting record the
 * request log and the metrics read, taken once in the observer's `finish`. Absent dimensions are "".
 */
export interface RequestOutcome {
  /** Epoch milliseconds when the request ended. */
  readonly endedAt: number;
  /** The request path without its query. */
  readonly path: string;
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
  /** The answer's finish reason, "" when it had none. */
  readonly finishReason: string;
}

/**
 * The one end-of-request port: receives each finished API request with its context (for what a feature captured
 * during the request, e.g. drift's bodies). `record` runs on the request path, so it must only buffer: no I/O, no
 * waiting, never throw.
 */
export interface RequestOutcomeSink {
  record(outcome: RequestOutcome, context: RequestContext): void;
}
