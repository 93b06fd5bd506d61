import type { Random } from "./clock.js";

/** Exponential backoff with full jitter (AWS): a uniform wait in [0, min(max, base × 2^retry)). */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: Random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(retry - 1, 0));
  return Math.floor(random() * ceiling);
}
