/** A counting semaphore with FIFO waiters: `--max-concurrency` as vLLM implements it. */
export interface Semaphore {
  acquire(): Promise<void>;
  release(): void;
  /** Permits currently held. */
  held(): number;
}

/** Creates a semaphore with `limit` permits (Infinity: never waits). */
export function createSemaphore(limit: number): Semaphore {
  if (!(limit >= 1)) throw new RangeError(`concurrency limit must be >= 1 (got ${limit})`);
  let held = 0;
  const waiters: Array<() => void> = [];
  return {
    acquire: () => {
      if (held < limit) {
        held++;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    release: () => {
      const next = waiters.shift();
      // The permit passes straight to the next waiter, so `held` stays put and no newcomer can jump the queue.
      if (next !== undefined) next();
      else held--;
    },
    held: () => held,
  };
}
