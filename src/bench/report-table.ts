import type { Distribution } from "./distribution.js";
import type { BenchReport } from "./bench-report.js";
import type { Slo } from "./slo.js";

const width = 50;

/** The final table, laid out like `vllm bench serve` prints it so the two can be compared line by line. */
export function formatReportTable(report: BenchReport): string {
  const { metrics, settings, client } = report;
  const lines: string[] = [];
  const row = (label: string, value: string | number, decimals = 2): void => {
    const text = typeof value === "number" ? formatNumber(value, decimals) : value;
    lines.push(`${`${label}:`.padEnd(width - 10)}${text}`);
  };
  const section = (title: string): void => {
    const padding = width - title.length;
    const left = Math.floor(padding / 2);
    lines.push(`${"-".repeat(left)}${title}${"-".repeat(padding - left)}`);
  };
  const distribution = (name: string, title: string, values: Distribution): void => {
    section(title);
    row(`Mean ${name} (ms)`, values.mean);
    row(`Median ${name} (ms)`, values.median);
    row(`Std ${name} (ms)`, values.std);
    for (const [p, value] of Object.entries(values.percentiles)) row(`P${p} ${name} (ms)`, value);
  };

  lines.push(` Serving Benchmark Result `.padStart(38, "=").padEnd(width, "="));
  row("Target", `${settings.baseUrl} (${settings.endpoint})`);
  row("Model", settings.model);
  row("Offered load", `${settings.requestRate === Infinity ? "inf" : `${formatNumber(settings.requestRate, 2)} req/s`}, burstiness ${settings.burstiness}, max concurrency ${settings.maxConcurrency ?? "none"}`);
  row("Successful requests", metrics.completed, 0);
  row("Failed requests", metrics.failed, 0);
  for (const [type, count] of Object.entries(metrics.errorsByType)) row(`  ${type}`, count ?? 0, 0);
  row("Benchmark duration (s)", metrics.durationS);
  row("Total input tokens", metrics.totalInputTokens, 0);
  row("Total generated tokens", metrics.totalOutputTokens, 0);
  row("Request throughput (req/s)", metrics.requestThroughput);
  if (metrics.goodput !== undefined) {
    row("Request goodput (req/s)", metrics.goodput);
    row("Good requests (% of all)", (metrics.goodFraction ?? 0) * 100, 1);
    row("Goodput SLO", describeSlo(metrics.slo));
  }
  row("Output token throughput (tok/s)", metrics.outputThroughput);
  row("Peak output token throughput (tok/s)", metrics.peakOutputThroughput);
  row("Total token throughput (tok/s)", metrics.totalTokenThroughput);
  row("Peak concurrent requests", metrics.peakConcurrency, 0);
  row("Mean concurrent requests", metrics.meanConcurrency);
  distribution("TTFT", "Time to First Token", metrics.ttftMs);
  distribution("TPOT", "Time per Output Token (excl. 1st token)", metrics.tpotMs);
  distribution("ITL", "Inter-token Latency", metrics.itlMs);
  distribution("E2EL", "End-to-end Latency", metrics.e2elMs);
  section("Client");
  row("Client CPU (% of one core)", client.cpuPercentOfOneCore, 1);
  row("Event-loop delay p99 / max (ms)", `${formatNumber(client.eventLoopDelayMs.p99, 1)} / ${formatNumber(client.eventLoopDelayMs.max, 1)}`);
  if (settings.maxConcurrency !== undefined) row("Queue wait mean / max (ms)", `${formatNumber(metrics.queueWaitMs.mean, 1)} / ${formatNumber(metrics.queueWaitMs.max, 1)}`);
  lines.push("=".repeat(width));
  for (const warning of report.warnings) lines.push(`warning: ${warning}`);
  return `${lines.join("\n")}\n`;
}

/** e.g. "ttft<=500ms tpot<=50ms". */
export function describeSlo(slo: Slo): string {
  const parts: string[] = [];
  if (slo.ttftMs !== undefined) parts.push(`ttft<=${slo.ttftMs}ms`);
  if (slo.tpotMs !== undefined) parts.push(`tpot<=${slo.tpotMs}ms`);
  if (slo.e2elMs !== undefined) parts.push(`e2el<=${slo.e2elMs}ms`);
  return parts.join(" ");
}

function formatNumber(value: number, decimals: number): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : String(value);
}
