/**
 * Lets KV-cache edits in between decode steps. node-llama-cpp's batch loop holds the context lock for as long as
 * any sequence has a step queued, and erasing a sequence's tokens needs that same lock, so under steady decoding an
 * erase (a new request trimming the cache it inherits) would wait until every running generation had finished.
 * While an edit waits, sequences hold back their next step; the loop drains after the step in flight, the edit runs,
 * and decoding resumes.
 */
export interface DecodeGate {
  /** Undefined when no edit waits (the common case, no allocation); else resolves when the edits are done. */
  closed(): Promise<void> | undefined;
  /** Runs a KV-cache edit with new decode steps held back until it is done. */
  edit<T>(work: () => Promise<T>): Promise<T>;
}

/** Creates the gate for one context. */
export function createDecodeGate(): DecodeGate {
  let pendingEdits = 0;
  let reopened: Promise<void> | undefined;
  let reopen: (() => void) | undefined;
  return {
    closed: () => reopened,
    async edit(work) {
      if (pendingEdits++ === 0) reopened = new Promise<void>((resolve) => (reopen = resolve));
      try {
        return await work();
      } finally {
        if (--pendingEdits === 0) {
          reopen?.();
          reopened = undefined;
          reopen = undefined;
        }
      }
    },
  };
}
