import { setImmediate as nextTurn } from "node:timers/promises";

/** Frees a slot taken from a `LargeBodyGate`; calling it more than once is harmless. */
export type ReleaseSlot = () => void;

/** Admits at most `maxConcurrent` bodies of `thresholdBytes` or more into reading, parsing and validation at once. */
export interface LargeBodyGate {
  readonly thresholdBytes: number;
  /** Takes a slot, or returns undefined when all are taken (the caller refuses the request with `server_busy`). */
  tryAcquire(): ReleaseSlot | undefined;
  /** Slots taken now. */
  inUse(): number;
  /**
   * Runs a large body's synchronous work (decode, parse, validate) after every earlier one, each in an event-loop
   * turn of its own, so other requests' I/O runs between two of them.
   */
  exclusive<T>(work: () => T): Promise<T>;
}

/**
 * Creates the gate. It refuses rather than queues: a queued body would still sit in socket buffers and keep its
 * client waiting with no signal, while a 429 with Retry-After tells SDKs to back off and retry (they do by default).
 * Admitted bodies upload in parallel, but their parse and validation take turns: four bodies finishing in the same
 * turn would otherwise block every other request for four parses at once.
 */
export function createLargeBodyGate(options: { thresholdBytes: number; maxConcurrent: number }): LargeBodyGate {
  let taken = 0;
  let queue: Promise<unknown> = Promise.resolve();
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
    exclusive(work) {
      const turn = queue.then(() => nextTurn()).then(work);
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}
