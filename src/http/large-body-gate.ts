import { setImmediate as nextTurn } from "node:timers/promises";

/** Frees a slot taken from a `LargeBodyGate`; calling it more than once is harmless. */
export type ReleaseSlot = () => void;

/** Admits at most `maxConcurrent` bodies of `thresholdBytes` or more into reading, parsing and validation at once. */
export interface LargeBodyGate {
  readonly thresholdBytes: number;
  /** Takes a slot, or returns undefined when all are taken (the caller refuses the request with `server_busy`). */
  tryAcquire(): ReleaseSlot | undefined;
  /**
   * Takes a slot, waiting in line for one while the body stays unread; resolves undefined when the line is full, the
   * wait passes its bound, or `signal` aborts (the client left).
   */
  acquire(signal?: AbortSignal): Promise<ReleaseSlot | undefined>;
  /** Slots taken now. */
  inUse(): number;
  /** Bodies waiting in line now. */
  waiting(): number;
  /**
   * Runs a large body's synchronous work (decode, parse, validate) after every earlier one, each in an event-loop
   * turn of its own, so other requests' I/O runs between two of them.
   */
  exclusive<T>(work: () => T): Promise<T>;
}

/** How the gate is sized. */
export interface LargeBodyGateOptions {
  thresholdBytes: number;
  maxConcurrent: number;
  /** Bodies that may wait for a slot at once; past that they are refused at once. Default 0: refuse, never wait. */
  maxWaiting?: number;
  /** How long one may wait for a slot before it is refused. */
  maxWaitMs?: number;
  /** Timers, injectable for tests. */
  setTimer?: (callback: () => void, ms: number) => () => void;
}

interface Waiter {
  grant(release: ReleaseSlot | undefined): void;
}

const realTimer = (callback: () => void, ms: number): (() => void) => {
  const timer = setTimeout(callback, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/**
 * Creates the gate. A body that finds every slot taken waits in a short line, unread: node stops reading its socket,
 * so TCP holds the client back and a waiting body costs no CPU and no memory beyond the kernel's socket buffers.
 * Refusing at once instead cost more than admitting: a refused body still had to be read off the wire (4 MiB each,
 * back to back from a client that retries at once) before the connection could be used again, and a 429 tells an
 * SDK to back off only after it has sent the whole body. Past the line's length or wait bound the body is refused
 * with 429 and Retry-After. Admitted bodies upload in parallel, but their parse and validation take turns: four bodies
 * finishing in the same turn would otherwise block every other request for four parses at once.
 */
export function createLargeBodyGate(options: LargeBodyGateOptions): LargeBodyGate {
  const { maxWaiting = 0, maxWaitMs = 0, setTimer = realTimer } = options;
  let taken = 0;
  const line: Waiter[] = [];
  let queue: Promise<unknown> = Promise.resolve();

  const slot = (): ReleaseSlot => {
    taken++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      taken--;
      // The freed slot goes straight to the first in line, so a newcomer never overtakes a waiting body.
      line.shift()?.grant(slot());
    };
  };

  return {
    thresholdBytes: options.thresholdBytes,
    tryAcquire: () => (taken >= options.maxConcurrent || line.length > 0 ? undefined : slot()),
    acquire(signal) {
      if (taken < options.maxConcurrent && line.length === 0) return Promise.resolve(slot());
      if (line.length >= maxWaiting || maxWaitMs <= 0 || signal?.aborted === true) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        let cancelTimer = (): void => undefined;
        const waiter: Waiter = {
          grant(release) {
            cancelTimer();
            signal?.removeEventListener("abort", leave);
            resolve(release);
          },
        };
        const leave = (): void => {
          const index = line.indexOf(waiter);
          if (index >= 0) line.splice(index, 1);
          waiter.grant(undefined);
        };
        cancelTimer = setTimer(leave, maxWaitMs);
        signal?.addEventListener("abort", leave, { once: true });
        line.push(waiter);
      });
    },
    inUse: () => taken,
    waiting: () => line.length,
    exclusive(work) {
      const turn = queue.then(() => nextTurn()).then(work);
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}
