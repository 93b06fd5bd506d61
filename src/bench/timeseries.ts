import { openAt } from "./concurrency.js";

/** One request as the time series sees it, times in ms relative to the start of the run. */
export interface TimedRequest {
  sentMs: number;
  endMs: number;
  ok: boolean;
  tokenChunkMs: readonly number[];
  outputTokens: number;
}

/** One bucket of the run, rates per second over the bucket. */
export interface ThroughputPoint {
  /** Bucket start, seconds from the start of the run. */
  timeS: number;
  outputTokensPerS: number;
  completedPerS: number;
  failedPerS: number;
  /** Requests in flight at the middle of the bucket. */
  inFlight: number;
}

const niceSteps = [100, 200, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000];

/** A bucket width that gives about 60 buckets over the run, at least 100 ms. */
export function chooseBucketMs(wallMs: number): number {
  const raw = wallMs / 60;
  return niceSteps.find((step) => step >= raw) ?? Math.ceil(raw / 60_000) * 60_000;
}

/**
 * Throughput over time in fixed buckets. A successful request's output tokens are spread evenly over
 * its text chunks (servers report usage per request, not per chunk); failed requests count only as failures.
 */
export function computeTimeSeries(requests: readonly TimedRequest[], wallMs: number, bucketMs: number): ThroughputPoint[] {
  const buckets = Math.max(1, Math.ceil(wallMs / bucketMs));
  const tokens = new Array<number>(buckets).fill(0);
  const completed = new Array<number>(buckets).fill(0);
  const failed = new Array<number>(buckets).fill(0);
  const bucketOf = (time: number): number => Math.min(buckets - 1, Math.max(0, Math.floor(time / bucketMs)));
  for (const request of requests) {
    const end = bucketOf(request.endMs);
    if (!request.ok) {
      failed[end] = (failed[end] ?? 0) + 1;
      continue;
    }
    completed[end] = (completed[end] ?? 0) + 1;
    const perChunk = request.tokenChunkMs.length === 0 ? 0 : request.outputTokens / request.tokenChunkMs.length;
    for (const time of request.tokenChunkMs) {
      const bucket = bucketOf(time);
      tokens[bucket] = (tokens[bucket] ?? 0) + perChunk;
    }
  }
  const intervals = requests.map((request) => [request.sentMs, request.endMs] as const);
  const perSecond = 1000 / bucketMs;
  return Array.from({ length: buckets }, (_, index) => ({
    timeS: (index * bucketMs) / 1000,
    outputTokensPerS: (tokens[index] ?? 0) * perSecond,
    completedPerS: (completed[index] ?? 0) * perSecond,
    failedPerS: (failed[index] ?? 0) * perSecond,
    inFlight: openAt(intervals, (index + 0.5) * bucketMs),
  }));
}
