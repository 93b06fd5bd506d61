import { peakConcurrency } from "./concurrency.js";
import { summarizeDistribution, type Distribution } from "./distribution.js";
import type { BenchErrorType } from "./error-type.js";
import type { RequestRecord } from "./run-bench.js";
import { computeRequestTimings, type RequestTimings } from "./request-timings.js";
import { hasSlo, meetsSlo, type Slo } from "./slo.js";
import { chooseBucketMs, computeTimeSeries, type ThroughputPoint } from "./timeseries.js";

export interface MetricsOptions {
  percentiles: readonly number[];
  slo: Slo;
  /** Counts output tokens of an answer whose server reported no usage. */
  countTokens: (text: string) => number;
}

/** One request's resolved figures, times relative to the start of the run. */
export interface RequestFigures {
  index: number;
  ok: boolean;
  errorType?: BenchErrorType;
  errorMessage?: string;
  sentMs: number;
  endMs: number;
  queuedMs: number;
  inputTokens: number;
  outputTokens: number;
  outputTokensFrom: "usage" | "tokenizer";
  timings?: RequestTimings;
  /** Successful and within every SLO (true for every success when no SLO is set). */
  good: boolean;
}

/** The figures of a run: every failed request is in the totals and in the goodput denominator. */
export interface BenchMetrics {
  durationS: number;
  totalRequests: number;
  completed: number;
  failed: number;
  errorsByType: Partial<Record<BenchErrorType, number>>;
  /** completed / total. */
  successRate: number;
  totalInputTokens: number;
  totalOutputTokens: number;
  /** How many successful requests had their output counted from server usage vs. with the bench's tokenizer. */
  outputTokensCountedBy: { usage: number; tokenizer: number };
  /** Successful requests per second of wall time. */
  requestThroughput: number;
  /** All requests sent per second of wall time (what was offered and got an answer or a failure). */
  sentRequestRate: number;
  outputThroughput: number;
  totalTokenThroughput: number;
  /** Highest output tokens/s over any 1-second bucket. */
  peakOutputThroughput: number;
  /** Good requests per second; undefined when no SLO was given. */
  goodput: number | undefined;
  goodRequests: number | undefined;
  /** good / total: failures count as misses. */
  goodFraction: number | undefined;
  slo: Slo;
  peakConcurrency: number;
  /** Mean requests in flight (sum of request durations / wall time, Little's law). */
  meanConcurrency: number;
  ttftMs: Distribution;
  tpotMs: Distribution;
  itlMs: Distribution;
  e2elMs: Distribution;
  /** Time requests waited for a --max-concurrency slot before being sent (not part of TTFT). */
  queueWaitMs: Distribution;
  timeSeries: { bucketMs: number; points: ThroughputPoint[] };
}

export interface MeasuredRun {
  startedAt: number;
  endedAt: number;
  records: readonly RequestRecord[];
}

/** Computes every figure of a run from its raw records. */
export function computeBenchMetrics(run: MeasuredRun, options: MetricsOptions): { metrics: BenchMetrics; requests: RequestFigures[] } {
  const wallMs = Math.max(run.endedAt - run.startedAt, 1e-6);
  const durationS = wallMs / 1000;
  const requests = run.records.map((record) => resolveRequest(record, run.startedAt, options));
  const successes = requests.filter((request) => request.ok);
  const errorsByType: Partial<Record<BenchErrorType, number>> = {};
  for (const request of requests) if (request.errorType !== undefined) errorsByType[request.errorType] = (errorsByType[request.errorType] ?? 0) + 1;

  const totalInputTokens = sum(successes.map((request) => request.inputTokens));
  const totalOutputTokens = sum(successes.map((request) => request.outputTokens));
  const timings = successes.flatMap((request) => (request.timings === undefined ? [] : [request.timings]));
  const sloGiven = hasSlo(options.slo);
  const goodRequests = sloGiven ? requests.filter((request) => request.good).length : undefined;
  const intervals = requests.map((request) => [request.sentMs, request.endMs] as const);
  const timed = requests.map((request, position) => ({
    sentMs: request.sentMs,
    endMs: request.endMs,
    ok: request.ok,
    tokenChunkMs: (run.records[position]?.tokenChunkTimes ?? []).map((time) => time - run.startedAt),
    outputTokens: request.outputTokens,
  }));
  const bucketMs = chooseBucketMs(wallMs);
  const perSecond = computeTimeSeries(timed, wallMs, 1000);

  const metrics: BenchMetrics = {
    durationS,
    totalRequests: requests.length,
    completed: successes.length,
    failed: requests.length - successes.length,
    errorsByType,
    successRate: requests.length === 0 ? 0 : successes.length / requests.length,
    totalInputTokens,
    totalOutputTokens,
    outputTokensCountedBy: {
      usage: successes.filter((request) => request.outputTokensFrom === "usage").length,
      tokenizer: successes.filter((request) => request.outputTokensFrom === "tokenizer").length,
    },
    requestThroughput: successes.length / durationS,
    sentRequestRate: requests.length / durationS,
    outputThroughput: totalOutputTokens / durationS,
    totalTokenThroughput: (totalInputTokens + totalOutputTokens) / durationS,
    peakOutputThroughput: Math.max(0, ...perSecond.map((point) => point.outputTokensPerS)),
    goodput: goodRequests === undefined ? undefined : goodRequests / durationS,
    goodRequests,
    goodFraction: goodRequests === undefined || requests.length === 0 ? undefined : goodRequests / requests.length,
    slo: options.slo,
    peakConcurrency: peakConcurrency(intervals),
    meanConcurrency: sum(requests.map((request) => request.endMs - request.sentMs)) / wallMs,
    ttftMs: summarizeDistribution(timings.map((timing) => timing.ttftMs), options.percentiles),
    tpotMs: summarizeDistribution(timings.flatMap((timing) => (timing.tpotMs === undefined ? [] : [timing.tpotMs])), options.percentiles),
    itlMs: summarizeDistribution(timings.flatMap((timing) => timing.itlMs), options.percentiles),
    e2elMs: summarizeDistribution(timings.map((timing) => timing.e2elMs), options.percentiles),
    queueWaitMs: summarizeDistribution(requests.map((request) => request.queuedMs), options.percentiles),
    timeSeries: { bucketMs, points: computeTimeSeries(timed, wallMs, bucketMs) },
  };
  return { metrics, requests };
}

function resolveRequest(record: RequestRecord, startedAt: number, options: MetricsOptions): RequestFigures {
  const fromUsage = record.completionTokens !== undefined;
  // Counted after the run, never while measuring, and only for successes (failed output is not reported as tokens).
  const countable = record.ok && record.text !== undefined && record.text !== "";
  const outputTokens = record.completionTokens ?? (countable ? options.countTokens(record.text ?? "") : record.tokenChunkTimes.length);
  const timings = record.ok ? computeRequestTimings(record.sentAt, record.tokenChunkTimes, outputTokens) : undefined;
  return {
    index: record.index,
    ok: record.ok,
    ...(record.errorType === undefined ? {} : { errorType: record.errorType }),
    ...(record.errorMessage === undefined ? {} : { errorMessage: record.errorMessage }),
    sentMs: record.sentAt - startedAt,
    endMs: record.endAt - startedAt,
    queuedMs: record.queuedMs,
    inputTokens: record.promptTokens ?? record.promptInputTokens,
    outputTokens,
    outputTokensFrom: fromUsage ? "usage" : "tokenizer",
    ...(timings === undefined ? {} : { timings }),
    good: record.ok && timings !== undefined && meetsSlo(timings, options.slo),
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
