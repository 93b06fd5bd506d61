import type { BenchOptions } from "./bench-options.js";
import { computeBenchMetrics } from "./bench-metrics.js";
import { createBenchReport, type BenchReport, type BenchSettings } from "./bench-report.js";
import type { Dataset } from "./dataset.js";
import type { LiveStats } from "./live-stats.js";
import type { SendRequest } from "./request-runner.js";
import { runBench } from "./run-bench.js";
import type { BenchTokenizer } from "./tokenizer.js";

export interface BenchmarkDependencies {
  send: SendRequest;
  tokenizer: BenchTokenizer;
  live?: LiveStats;
  signal?: AbortSignal;
}

/** Runs one benchmark over prepared prompts and turns what happened into a report. */
export async function runBenchmark(options: BenchOptions, model: string, dataset: Dataset, dependencies: BenchmarkDependencies): Promise<BenchReport> {
  const run = await runBench(
    dataset.prompts,
    {
      numPrompts: options.durationS === undefined || options.numPromptsGiven ? options.numPrompts : undefined,
      durationMs: options.durationS === undefined ? undefined : options.durationS * 1000,
      requestRate: options.requestRate,
      burstiness: options.burstiness,
      maxConcurrency: options.maxConcurrency,
      warmup: options.warmup,
      seed: options.seed,
    },
    {
      send: dependencies.send,
      ...(dependencies.live === undefined ? {} : { live: dependencies.live }),
      ...(dependencies.signal === undefined ? {} : { signal: dependencies.signal }),
    },
  );
  const computed = computeBenchMetrics(run, { percentiles: options.percentiles, slo: options.slo, countTokens: (text) => dependencies.tokenizer.count(text) });
  return createBenchReport(settingsOf(options, model, dataset), run, computed);
}

function settingsOf(options: BenchOptions, model: string, dataset: Dataset): BenchSettings {
  return {
    baseUrl: options.baseUrl,
    model,
    endpoint: options.endpoint,
    dataset: options.dataset === "random" ? "random" : `${options.dataset}:${options.datasetPath ?? ""}`,
    tokenizer: dataset.tokenizer,
    numPrompts: options.durationS === undefined || options.numPromptsGiven ? options.numPrompts : undefined,
    durationS: options.durationS,
    requestRate: options.requestRate,
    burstiness: options.burstiness,
    maxConcurrency: options.maxConcurrency,
    warmup: options.warmup,
    seed: options.seed,
    inputLen: options.inputLen,
    outputLen: options.outputLen,
    rangeRatio: options.rangeRatio,
    prefixLen: options.prefixLen,
    ignoreEos: options.ignoreEos,
    timeoutS: options.timeoutS,
    percentiles: options.percentiles,
  };
}
