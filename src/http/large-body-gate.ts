/** Frees a slot taken from a `LargeBodyGate`; calling it more than once is harmless. */
export type ReleaseSlot = () => void;

/** Admits at most `maxConcurrent` bodies of `thresholdBytes` or more into reading, parsing and validation at once. */
export interface LargeBodyGate {
  readonly thresholdBytes: number;
  /** Takes a slot, or returns undefined when all are taken (the caller refuses the request with `server_busy`). */
  tryAcquire(): ReleaseSlot | undefined;
  /** Slots taken now. */
  inUse(): number;
}

/**
 * Creates the gate. It refuses rather than queues: a queued body would still sit in socket buffers and keep its
 * client waiting with no signal, while a 429 with Retry-After tells SDKs to back off and retry (they do by default).
 */
export function createLargeBodyGate(options: { thresholdBytes: number; maxConcurrent: number }): LargeBodyGate {
  let taken = 0;
  return {
    thresholdBytes: options.thresholdBytes,
    tryAcquire() {
      if (taken >= options.maxConcurrent) return undefined;
      taken++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        taken--;
      };
    },
    inUse: () => taken,
  };
}
