/** The most [start, end) intervals open at the same instant; one ending exactly as another starts does not overlap it. */
export function peakConcurrency(intervals: ReadonlyArray<readonly [number, number]>): number {
  const events: Array<[number, number]> = [];
  for (const [start, end] of intervals) events.push([start, 1], [end, -1]);
  // At equal times ends (-1) sort before starts (+1).
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, change] of events) {
    open += change;
    peak = Math.max(peak, open);
  }
  return peak;
}

/** How many intervals are open at an instant. */
export function openAt(intervals: ReadonlyArray<readonly [number, number]>, time: number): number {
  let open = 0;
  for (const [start, end] of intervals) if (start <= time && time < end) open++;
  return open;
}
