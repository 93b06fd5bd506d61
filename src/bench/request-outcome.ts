import type { BenchErrorType } from "./error-type.js";

/** What one request did, timed on the monotonic clock (performance.now(), milliseconds). */
export interface RequestOutcome {
  /** Just before the request was handed to the HTTP client. */
  sentAt: number;
  /** When the request ended: the last byte of a stream, or the moment its failure was seen. */
  endAt: number;
  /** Arrival time of every chunk that carried generated text, in order. */
  tokenChunkTimes: number[];
  ok: boolean;
  errorType?: BenchErrorType;
  errorMessage?: string;
  status?: number;
  /** Token counts the server reported (stream_options.include_usage). */
  promptTokens?: number;
  completionTokens?: number;
  /** Generated text, kept only when the server reported no completion tokens, for counting them afterwards. */
  text?: string;
}
