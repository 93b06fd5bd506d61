/** One request-log row, column for column (snake_case, as stored and as the admin API returns it). */
export interface RequestRow {
  /** The server's own id for the request (a UUID), never the client's. */
  readonly id: string;
  /** The client's `x-request-id` when it sent a valid one; many rows may share it. */
  readonly client_request_id: string | null;
  /** Arrival time, epoch milliseconds. */
  readonly time: number;
  readonly path: string;
  readonly key_id: string | null;
  readonly team: string | null;
  readonly model: string | null;
  /** The registry version of `model` that served the request (docs/registry.md); null when none was resolved. */
  readonly model_version: string | null;
  readonly deployment: string | null;
  readonly answered_by: string | null;
  readonly stream: boolean;
  readonly attempts: number;
  readonly status: number;
  readonly error_code: string | null;
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly cached_tokens: number;
  readonly cost_usd: number;
  readonly ttft_ms: number | null;
  readonly latency_ms: number;
  readonly upstream_ms: number | null;
  readonly cache: string | null;
  readonly finish_reason: string | null;
  readonly request_body: string | null;
  readonly response_body: string | null;
}

/** A feedback entry on a logged request. */
export interface FeedbackRow {
  readonly id: string;
  readonly request_id: string;
  readonly time: number;
  readonly model: string | null;
  readonly score: number | null;
  readonly thumbs: "up" | "down" | null;
  readonly label: string | null;
  readonly comment: string | null;
}

/** The columns in insert order; the request store and both SQL dialects share it. */
export const requestColumns = [
  "id",
  "client_request_id",
  "time",
  "path",
  "key_id",
  "team",
  "model",
  "model_version",
  "deployment",
  "answered_by",
  "stream",
  "attempts",
  "status",
  "error_code",
  "prompt_tokens",
  "completion_tokens",
  "cached_tokens",
  "cost_usd",
  "ttft_ms",
  "latency_ms",
  "upstream_ms",
  "cache",
  "finish_reason",
  "request_body",
  "response_body",
] as const satisfies readonly (keyof RequestRow)[];

/**
 * Latencies are stored to 3 significant digits (at most 0.5% off): that bounds the distinct values per model to a
 * few thousand, so percentiles come from grouped counts over an index instead of sorting every row.
 */
export function storedLatency(ms: number): number {
  return ms <= 0 ? 0 : Number(ms.toPrecision(3));
}
