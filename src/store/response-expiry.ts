import type { ResponseStore } from "./response-store.js";

const everyMs = 3600 * 1000;

/** Deletes expired stored responses hourly (reads already hide them); the timer is unref'd. Returns a stop function. */
export function startResponseExpiry(store: Pick<ResponseStore, "pruneResponses">, onError: (error: unknown) => void, now: () => number = Date.now): () => void {
  const timer = setInterval(() => void store.pruneResponses(now()).catch(onError), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
