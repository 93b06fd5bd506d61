import { systemSchedule, type Schedule } from "./clock.js";

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** A sleep on the given timers: an abort cancels the timer at once. */
export function createSleep(schedule: Schedule): Sleep {
  return (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason as Error);
      const onAbort = (): void => {
        cancel();
        reject(signal.reason as Error);
      };
      const cancel = schedule(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal.addEventListener("abort", onAbort, { once: true });
    });
}

/** The real sleep. */
export const abortableSleep: Sleep = createSleep(systemSchedule);
