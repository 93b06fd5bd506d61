import { writeFile } from "node:fs/promises";
import type { BenchReport } from "./bench-report.js";

/** The JSON document of one run: settings, metrics, client load, warnings and every request's figures. */
export function toResultJson(report: BenchReport): Record<string, unknown> {
  return {
    kind: "gantry-bench-result",
    version: 1,
    date: new Date().toISOString(),
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
