import type { RequestStore } from "./request-store.js";

const dayMs = 24 * 3600 * 1000;
const everyMs = 3600 * 1000;

/** Prunes rows older than `retentionDays` now and hourly; the timer is unref'd. Returns a stop function. */
export function startRetention(store: Pick<RequestStore, "prune">, retentionDays: number, onError: (error: unknown) => void, now: () => number = Date.now): () => void {
  const prune = (): void => void store.prune(now() - retentionDays * dayMs).catch(onError);
  const first = setTimeout(prune, 5000);
  const timer = setInterval(prune, everyMs);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
