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
