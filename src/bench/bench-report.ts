import type { BenchMetrics, RequestFigures } from "./bench-metrics.js";
import { clientCpuWarningPercent, type ClientLoad } from "./client-load.js";
import type { BenchRun } from "./run-bench.js";

/** The settings a run was made with, as saved in the result JSON. */
export interface BenchSettings {
  baseUrl: string;
  model: string;
  endpoint: "chat" | "completions";
  dataset: string;
  tokenizer: string;
  numPrompts: number | undefined;
  durationS: number | undefined;
  requestRate: number;
  burstiness: number;
  maxConcurrency: number | undefined;
  warmup: number;
  seed: number;
  inputLen: number;
  outputLen: number | undefined;
  rangeRatio: number;
  prefixLen: number;
  ignoreEos: boolean;
  timeoutS: number;
  percentiles: number[];
}

/** Everything a run produced: what the table, the JSON and the plot are made from. */
export interface BenchReport {
  settings: BenchSettings;
  metrics: BenchMetrics;
  client: ClientLoad & { scheduleLagMs: { mean: number; max: number } };
  warmupFailures: number;
  interrupted: boolean;
  warnings: string[];
  requests: RequestFigures[];
}

/** Assembles the report and the warnings a reader must not miss (busy client, failures, interruption). */
export function createBenchReport(settings: BenchSettings, run: BenchRun, computed: { metrics: BenchMetrics; requests: RequestFigures[] }): BenchReport {
  const { metrics } = computed;
  const warnings: string[] = [];
  if (run.client.cpuPercentOfOneCore > clientCpuWarningPercent) {
    warnings.push(`the bench client used ${run.client.cpuPercentOfOneCore.toFixed(0)}% of one core: latencies may include the client's own queueing; use a lower rate or a second client`);
  }
  if (run.client.eventLoopDelayMs.p99 > 20) warnings.push(`client event-loop delay p99 ${run.client.eventLoopDelayMs.p99.toFixed(1)} ms: chunk timestamps may be late by about that much`);
  if (run.scheduleLagMs.max > 50) warnings.push(`arrival timers fired up to ${run.scheduleLagMs.max.toFixed(0)} ms late: the offered load was lower than asked`);
  if (metrics.failed > 0) warnings.push(`${metrics.failed} of ${metrics.totalRequests} requests failed; they count in the totals and as goodput misses`);
  if (metrics.outputTokensCountedBy.tokenizer > 0) warnings.push(`${metrics.outputTokensCountedBy.tokenizer} successful requests had no usage from the server: their output tokens were counted with ${settings.tokenizer}, not the model's tokenizer`);
  if (run.warmupFailures > 0) warnings.push(`${run.warmupFailures} warmup requests failed`);
  if (run.interrupted) warnings.push("the run was interrupted: requests cut short count as 'cancelled'");
  return {
    settings,
    metrics,
    client: { ...run.client, scheduleLagMs: run.scheduleLagMs },
    warmupFailures: run.warmupFailures,
    interrupted: run.interrupted,
    warnings,
    requests: computed.requests,
  };
}
