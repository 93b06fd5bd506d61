import type { StreamPart } from "../pipeline/provider.js";
import type { StreamAnswer } from "../pipeline/answer.js";

/** How a shared stream ended. */
export type HubOutcome = { kind: "done" } | { kind: "error"; error: unknown };

/**
 * Fans one upstream stream out to many subscribers. The hub reads the upstream at the upstream's pace (not the
 * slowest client's) and keeps every part, so a subscriber that joins late gets what was already sent, then the rest.
 * The buffer is one answer's worth of chunks and lives only as long as the flight.
 */
export interface StreamHub {
  /** A stream answer over the shared parts for one subscriber; `onLeave` runs once when it ends or goes away. */
  subscribe(signal: AbortSignal, onLeave: () => void): StreamAnswer;
  /** Resolves when the upstream stream has ended, however it ended. */
  readonly ended: Promise<HubOutcome>;
}

/** Starts pumping `source` (its first part already read) into a hub. */
export function createStreamHub(source: StreamAnswer): StreamHub {
  const parts: StreamPart[] = [];
  let outcome: HubOutcome | undefined;
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  if (source.first.done === true) outcome = { kind: "done" };
  else parts.push(source.first.value);

  const ended = (async (): Promise<HubOutcome> => {
    if (outcome !== undefined) return outcome;
    try {
      for (;;) {
        const item = await source.parts.next();
        if (item.done === true) break;
        parts.push(item.value);
        wake();
      }
      outcome = { kind: "done" };
    } catch (error) {
      outcome = { kind: "error", error };
    }
    wake();
    return outcome;
  })();

  return {
    ended,
    subscribe(signal, onLeave) {
      let left = false;
      const leave = (): void => {
        if (left) return;
        left = true;
        signal.removeEventListener("abort", onAbort);
        onLeave();
      };
      const onAbort = (): void => {
        leave();
        wake();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      let position = 1;
      const next = async (): Promise<IteratorResult<StreamPart>> => {
        for (;;) {
          if (signal.aborted) {
            leave();
            throw signal.reason;
          }
          const part = parts[position];
          if (part !== undefined) {
            position++;
            return { done: false, value: part };
          }
          if (outcome?.kind === "done") {
            leave();
            return { done: true, value: undefined };
          }
          if (outcome?.kind === "error") {
            leave();
            throw outcome.error;
          }
          await new Promise<void>((resolve) => {
            const waiter = (): void => {
              waiters.delete(waiter);
              resolve();
            };
            waiters.add(waiter);
          });
        }
      };
      const first: IteratorResult<StreamPart> = parts[0] === undefined ? { done: true, value: undefined } : { done: false, value: parts[0] };
      if (first.done === true) leave();
      return {
        kind: "stream",
        first,
        headers: source.headers,
        parts: {
          next,
          return: (value?: unknown) => {
            leave();
            return Promise.resolve({ done: true, value });
          },
        },
      };
    },
  };
}
