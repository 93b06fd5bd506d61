import { writeFile } from "node:fs/promises";
import type { BenchReport } from "./bench-report.js";

/**
 * The JSON document of one run: settings, metrics, client load, warnings and every request's figures, plus the
 * top-level keys `vllm bench serve --save-result` writes, so tools that read vLLM's results read ours.
 */
export function toResultJson(report: BenchReport): Record<string, unknown> {
  return {
    kind: "gantry-bench-result",
    version: 1,
    date: new Date().toISOString(),
    ...vllmResultKeys(report),
    settings: report.settings,
    metrics: report.metrics,
    client: report.client,
    warmup_failures: report.warmupFailures,
    interrupted: report.interrupted,
    warnings: report.warnings,
    requests: report.requests.map((request) => ({
      index: request.index,
      ok: request.ok,
      error_type: request.errorType ?? null,
      error: request.errorMessage ?? null,
      sent_ms: round(request.sentMs),
      end_ms: round(request.endMs),
      queued_ms: round(request.queuedMs),
      input_tokens: request.inputTokens,
      output_tokens: request.outputTokens,
      output_tokens_from: request.outputTokensFrom,
      ttft_ms: roundOrNull(request.timings?.ttftMs),
      tpot_ms: roundOrNull(request.timings?.tpotMs),
      e2el_ms: roundOrNull(request.timings?.e2elMs),
      itl_ms: request.timings?.itlMs.map(round) ?? [],
      good: request.good,
    })),
  };
}

/** vLLM's result keys: setup, totals, throughputs, and mean/median/std/p<N> of ttft, tpot, itl and e2el in ms. */
function vllmResultKeys(report: BenchReport): Record<string, unknown> {
  const { settings, metrics } = report;
  const keys: Record<string, unknown> = {
    backend: settings.endpoint === "chat" ? "openai-chat" : "openai",
    model_id: settings.model,
    tokenizer_id: settings.tokenizer,
    num_prompts: settings.numPrompts ?? metrics.totalRequests,
    request_rate: settings.requestRate,
    burstiness: settings.burstiness,
    max_concurrency: settings.maxConcurrency ?? null,
    duration: metrics.durationS,
    completed: metrics.completed,
    total_input_tokens: metrics.totalInputTokens,
    total_output_tokens: metrics.totalOutputTokens,
    request_throughput: metrics.requestThroughput,
    request_goodput: metrics.goodput ?? null,
    output_throughput: metrics.outputThroughput,
    total_token_throughput: metrics.totalTokenThroughput,
    max_output_tokens_per_s: metrics.peakOutputThroughput,
    max_concurrent_requests: metrics.peakConcurrency,
  };
  for (const [name, distribution] of [["ttft", metrics.ttftMs], ["tpot", metrics.tpotMs], ["itl", metrics.itlMs], ["e2el", metrics.e2elMs]] as const) {
    keys[`mean_${name}_ms`] = distribution.mean;
    keys[`median_${name}_ms`] = distribution.median;
    keys[`std_${name}_ms`] = distribution.std;
    // Percentiles are keyed as written (99, 99.9), as vLLM's p_word is.
    for (const [percentile, value] of Object.entries(distribution.percentiles)) keys[`p${percentile}_${name}_ms`] = value;
  }
  return keys;
}

/** Writes a JSON document; Infinity (an unlimited request rate) is written as the string "inf". */
export async function writeJsonFile(path: string, document: unknown): Promise<void> {
  const text = JSON.stringify(document, (_key, value: unknown) => (value === Infinity ? "inf" : value), 2);
  await writeFile(path, `${text}\n`, "utf8");
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function roundOrNull(value: number | undefined): number | null {
  return value === undefined ? null : round(value);
}
