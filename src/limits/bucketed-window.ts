import { limitBucketMs, limitWindowMs } from "./limiter.js";

/** Buckets that span one window; a bucket counts until its end is a whole window old, so one more is kept. */
const spanBuckets = limitWindowMs / limitBucketMs;
const slotCount = spanBuckets + 1;

/**
 * A sliding-window sum kept in one-second buckets on a ring (see docs/adr/0004-bucketed-sliding-window-limits.md).
 * Bucket `b` counts while `(b + 1) · bucket + window > now`, so an amount is held between one window and one window
 * plus one bucket: the window never admits more than its limit, and frees a slot at most one bucket late.
 */
export interface BucketedWindow {
  /** Amounts by bucket index modulo the slot count; buckets before `oldest` are zero. */
  readonly slots: Float64Array;
  /** The oldest bucket that may still count (after `advanceWindow`: the oldest non-empty one, or the current one). */
  oldest: number;
  sum: number;
}

/** The bucket of a time in milliseconds. */
export function bucketOf(at: number): number {
  return Math.floor(at / limitBucketMs);
}

/** An empty window starting at `bucket`. */
export function createBucketedWindow(bucket: number): BucketedWindow {
  return { slots: new Float64Array(slotCount), oldest: bucket, sum: 0 };
}

/** Drops the buckets that left the window by `bucket` and skips empty ones; amortised O(1) per call. */
export function advanceWindow(window: BucketedWindow, bucket: number): void {
  // Non-empty buckets lie within one span after `oldest`; past two spans all of them have expired.
  if (bucket - window.oldest > 2 * spanBuckets) {
    window.slots.fill(0);
    window.sum = 0;
    window.oldest = bucket;
    return;
  }
  while (window.oldest < bucket) {
    const slot = window.oldest % slotCount;
    const value = window.slots[slot] ?? 0;
    if (value !== 0 && window.oldest >= bucket - spanBuckets) break;
    window.sum -= value;
    window.slots[slot] = 0;
    window.oldest++;
  }
}

/** Adds to the current bucket (a clock that stepped back writes to the oldest bucket instead). Call after advancing. */
export function addToWindow(window: BucketedWindow, bucket: number, amount: number): void {
  const slot = Math.max(bucket, window.oldest) % slotCount;
  window.slots[slot] = (window.slots[slot] ?? 0) + amount;
  window.sum += amount;
}

/** Changes what an earlier bucket holds (a reservation settled); a bucket no longer on the ring is ignored. */
export function adjustBucket(window: BucketedWindow, bucket: number, delta: number): void {
  if (bucket < window.oldest || bucket > window.oldest + spanBuckets) return;
  const slot = bucket % slotCount;
  const value = window.slots[slot] ?? 0;
  const change = Math.max(delta, -value);
  window.slots[slot] = value + change;
  window.sum += change;
}

/** Milliseconds from `at` until the sum falls to `target` or below; a whole window when it never does. O(buckets). */
export function windowWait(window: BucketedWindow, at: number, target: number): number {
  let sum = window.sum;
  if (sum <= target) return 0;
  for (let bucket = window.oldest; bucket <= window.oldest + spanBuckets; bucket++) {
    sum -= window.slots[bucket % slotCount] ?? 0;
    if (sum <= target) return (bucket + 1) * limitBucketMs + limitWindowMs - at;
  }
  return limitWindowMs;
}
