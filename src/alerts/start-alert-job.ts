import type { Schedule } from "../routing/clock.js";
import type { AlertEvaluator } from "./alert-evaluator.js";

/** Runs an evaluation round every `intervalMs` on the given timers; a round never overlaps the next. Returns a stop function. */
export function startAlertJob(evaluator: AlertEvaluator, options: { readonly intervalMs: number; readonly schedule: Schedule; readonly onError: (error: unknown) => void }): () => void {
  let stopped = false;
  let cancel = (): void => undefined;
  const tick = (): void => {
    void evaluator
      .evaluate()
      .catch(options.onError)
      .finally(() => {
        if (!stopped) cancel = options.schedule(tick, options.intervalMs);
      });
  };
  cancel = options.schedule(tick, options.intervalMs);
  return () => {
    stopped = true;
    cancel();
  };
}
