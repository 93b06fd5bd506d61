/** How long one attempt of a model may wait for its first byte before it is retried elsewhere. */
export interface FirstByteDeadline {
  /** Records a successful attempt's time to first byte (stream: first part; otherwise the whole answer). */
  observe(stream: boolean, ms: number): void;
  /** The floor, or `multiple` × the slowest recent first byte of the same kind when that is longer. */
  deadlineMs(stream: boolean): number;
}

/** Samples kept per kind: a fixed ring, so memory never grows. */
const sampleCount = 100;

/**
 * Creates the deadline: adaptive so a model whose answers are legitimately slow (long prompts, long non-streamed
 * completions) is not cut off, while a hang is caught at the floor when the model is fast.
 */
export function createFirstByteDeadline(floorMs: number, multiple: number): FirstByteDeadline {
  const rings = { stream: new Float64Array(sampleCount), unary: new Float64Array(sampleCount) };
  const next = { stream: 0, unary: 0 };
  return {
    observe(stream, ms) {
      const kind = stream ? "stream" : "unary";
      rings[kind][next[kind]] = ms;
      next[kind] = (next[kind] + 1) % sampleCount;
    },
    deadlineMs(stream) {
      let slowest = 0;
      for (const sample of rings[stream ? "stream" : "unary"]) if (sample > slowest) slowest = sample;
      return Math.max(floorMs, multiple * slowest);
    },
  };
}
