/** Running counters a run updates as requests finish; the progress bar reads them on its own timer. */
export interface LiveStats {
  started: number;
  completed: number;
  failed: number;
  inFlight: number;
  peakInFlight: number;
  outputTokens: number;
  ttftSumMs: number;
  /** performance.now() when the measured part began; undefined during warmup. */
  startedAt: number | undefined;
}

/** Creates zeroed live counters. */
export function createLiveStats(): LiveStats {
  return { started: 0, completed: 0, failed: 0, inFlight: 0, peakInFlight: 0, outputTokens: 0, ttftSumMs: 0, startedAt: undefined };
}
