/** The latency figures of one successful request, in milliseconds. */
export interface RequestTimings {
  /** Send → first chunk that carried generated text. */
  ttftMs: number;
  /** Gaps between consecutive text-carrying chunks. */
  itlMs: number[];
  /** (E2E − TTFT) / (output tokens − 1); undefined for a one-token answer, where it has no meaning. */
  tpotMs: number | undefined;
  /** Send → last text-carrying chunk. */
  e2elMs: number;
}

/** Computes TTFT, ITL, TPOT and E2E latency as `vllm bench serve` defines them; undefined if no text arrived. */
export function computeRequestTimings(sentAt: number, tokenChunkTimes: readonly number[], outputTokens: number): RequestTimings | undefined {
  const first = tokenChunkTimes[0];
  const last = tokenChunkTimes.at(-1);
  if (first === undefined || last === undefined) return undefined;
  const itlMs: number[] = [];
  for (let index = 1; index < tokenChunkTimes.length; index++) itlMs.push((tokenChunkTimes[index] ?? 0) - (tokenChunkTimes[index - 1] ?? 0));
  const ttftMs = first - sentAt;
  const e2elMs = last - sentAt;
  return { ttftMs, itlMs, tpotMs: outputTokens > 1 ? (e2elMs - ttftMs) / (outputTokens - 1) : undefined, e2elMs };
}
