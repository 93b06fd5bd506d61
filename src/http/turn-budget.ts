/** Work shared by every caller within one event-loop turn; see `createTurnBudget`. */
export interface TurnBudget {
  /** Records `amount` of work done now; false once this turn's budget is spent (the caller should wait for `nextTurn`). */
  spend(amount: number): boolean;
  /** Runs `callback` in a later turn, once the budget is fresh. */
  nextTurn(callback: () => void): void;
}

/**
 * Bounds the work many callbacks do in one event-loop turn together. libuv reads up to 32 × 64 KiB per socket per
 * turn, so eight hostile uploads arriving at once hand the body scanner megabytes in one synchronous slice; with a
 * budget, the reader pauses a body once the turn's budget is spent and resumes it a turn later, after the timers and
 * I/O of everyone else. The budget renews at each turn's check phase.
 */
export function createTurnBudget(perTurn: number): TurnBudget {
  let spent = 0;
  let renewing = false;
  const renew = (): void => {
    spent = 0;
    renewing = false;
  };
  return {
    spend(amount) {
      if (!renewing) {
        renewing = true;
        setImmediate(renew);
      }
      spent += amount;
      return spent <= perTurn;
    },
    nextTurn(callback) {
      // An immediate queued from inside an immediate runs in the next turn's check phase, not this one's: so the
      // paused work waits for this turn's end, then a full loop iteration (timers, I/O) before it goes on.
      setImmediate(() => setImmediate(callback));
    },
  };
}

/** How a rate budget is sized, with injectable time for tests. */
export interface RateBudgetOptions {
  bytesPerSecond: number;
  /** What may be spent at once after a quiet spell. */
  burstBytes: number;
  now?: () => number;
  setTimer?: (callback: () => void, ms: number) => void;
}

/**
 * A `TurnBudget` that refills at `bytesPerSecond` (a token bucket): large-body intake shares the main thread with
 * every other request, and reading, copying and parsing a body costs main-thread time per byte (~1.5–2 ms per MiB on
 * the hosts measured, most of it in the kernel's socket reads and node's HTTP parser). Capping the rate caps that
 * share however many clients upload at once; a paused body resumes when the bucket has refilled enough for it.
 */
export function createRateBudget(options: RateBudgetOptions): TurnBudget {
  const { bytesPerSecond, burstBytes, now = () => performance.now(), setTimer = (callback, ms) => setTimeout(callback, ms).unref() } = options;
  let tokens = burstBytes;
  let refilledAt = now();
  const refill = (): void => {
    const at = now();
    tokens = Math.min(burstBytes, tokens + ((at - refilledAt) * bytesPerSecond) / 1000);
    refilledAt = at;
  };
  return {
    spend(amount) {
      refill();
      tokens -= amount;
      return tokens > 0;
    },
    nextTurn(callback) {
      refill();
      // Wait until the bucket is back above empty by a chunk's worth, so a resumed body reads more than one chunk.
      const waitMs = tokens > 0 ? 0 : ((64 * 1024 - tokens) * 1000) / bytesPerSecond;
      if (waitMs === 0) setImmediate(callback);
      else setTimer(callback, Math.ceil(waitMs));
    },
  };
}
