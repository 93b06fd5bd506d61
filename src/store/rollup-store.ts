import { addEncoded, addHistogram, emptyHistogram, histogramQuantile, type LatencyHistogram } from "./latency-histogram.js";
import { feedbackStats, mergeFeedback, noFeedback, round, type GroupStats, type Percentiles, type StatsWindow, type WindowStats } from "./request-stats.js";
import { rollupId, rollupSeriesColumns, rollupValueColumns, type RollupRow } from "./rollup-row.js";
import type { SqlExecutor, SqlRow, SqlValue } from "./sql-executor.js";

/** Which requests' rollups to sum; an absent field matches every value. */
export interface RollupSelector {
  readonly model?: string;
  readonly version?: string;
  readonly key?: string;
  readonly team?: string;
}

/** Which latency histogram to merge. */
export type HistogramKind = "latency" | "ttft" | "tpot";

/** Summed rollups of one selector over a time range, across every replica. */
export interface RollupEvents {
  readonly total: number;
  readonly ok: number;
  readonly clientErrors: number;
  readonly serverErrors: number;
  /** The merged histogram of the ok requests, when one was asked for. */
  readonly histogram: LatencyHistogram | undefined;
}

/** Per-minute request rollups: written by each replica's flush job, read by /admin/stats and the SLOs. */
export interface RollupStore {
  /** Inserts or replaces rows (a replica rewrites its open minute's row on each flush). */
  upsertRollups(rows: readonly RollupRow[]): Promise<void>;
  /** The /admin/stats answer from the rollups: minute resolution, percentiles at bucket bounds. */
  rollupStats(window: StatsWindow): Promise<WindowStats>;
  /** Event counts (and optionally an ok-request histogram) of the minutes starting in [from, to). */
  rollupEvents(selector: RollupSelector, from: number, to: number, histogram?: HistogramKind): Promise<RollupEvents>;
  /** Deletes rollups of minutes before `beforeMs`; resolves with the rows deleted. */
  pruneRollups(beforeMs: number): Promise<number>;
}

const columns = ["id", ...rollupSeriesColumns, ...rollupValueColumns] as const;
// Both databases take well over this many parameters per statement (SQLite 32,766; PostgreSQL 65,535).
const rowsPerStatement = Math.floor(30_000 / columns.length);
const upsertTail = `ON CONFLICT (id) DO UPDATE SET ${rollupValueColumns.map((column) => `${column} = excluded.${column}`).join(", ")}`;
const selectorColumns = { model: "model", version: "version", key: "key_id", team: "team" } as const;

/** The rollup store over any SQL executor: the same SQL on SQLite and PostgreSQL. */
export function createRollupStore(executor: SqlExecutor): RollupStore {
  return {
    async upsertRollups(rows) {
      for (let start = 0; start < rows.length; start += rowsPerStatement) {
        const chunk = rows.slice(start, start + rowsPerStatement);
        const values: SqlValue[] = [];
        for (const row of chunk) values.push(rollupId(row), ...rollupSeriesColumns.map((column) => row[column]), ...rollupValueColumns.map((column) => row[column]));
        const tuple = `(${columns.map(() => "?").join(", ")})`;
        await executor.run(`INSERT INTO request_rollups (${columns.join(", ")}) VALUES ${chunk.map(() => tuple).join(", ")} ${upsertTail}`, values);
      }
    },
    rollupStats: (window) => computeRollupStats(executor, window),
    async rollupEvents(selector, from, to, histogram) {
      const where = ["minute >= ?", "minute < ?"];
      const params: SqlValue[] = [from, to];
      for (const [field, column] of Object.entries(selectorColumns) as [keyof RollupSelector, string][]) {
        const value = selector[field];
        if (value === undefined) continue;
        where.push(`${column} = ?`);
        params.push(value);
      }
      const clause = where.join(" AND ");
      const [counts, histograms] = await Promise.all([
        executor.all(`SELECT outcome, SUM(requests) AS n FROM request_rollups WHERE ${clause} GROUP BY outcome`, params),
        histogram === undefined ? Promise.resolve([]) : executor.all(`SELECT ${histogram}_hist AS h, COUNT(*) AS n FROM request_rollups WHERE ${clause} AND outcome = 'ok' GROUP BY ${histogram}_hist`, params),
      ]);
      const byOutcome = new Map(counts.map((row) => [String(row["outcome"]), Number(row["n"] ?? 0)]));
      const ok = byOutcome.get("ok") ?? 0;
      const clientErrors = byOutcome.get("client_error") ?? 0;
      const serverErrors = byOutcome.get("server_error") ?? 0;
      return { total: ok + clientErrors + serverErrors, ok, clientErrors, serverErrors, histogram: histogram === undefined ? undefined : mergeRows(histograms) };
    },
    pruneRollups: (beforeMs) => executor.run("DELETE FROM request_rollups WHERE minute < ?", [beforeMs]),
  };
}

interface Sums {
  requests: number;
  errors: number;
  prompt: number;
  completion: number;
  cached: number;
  cost: number;
}

/**
 * Stats in the request-log shape from the rollups: per-model sums in SQL, percentiles from the merged histograms.
 * Rows with the same encoded histogram are grouped in SQL and decoded once, so the work grows with the distinct
 * histograms rather than the rows.
 */
async function computeRollupStats(executor: Pick<SqlExecutor, "all">, window: StatsWindow): Promise<WindowStats> {
  const range = [window.from, window.to];
  const [sums, latency, ttft, feedback] = await Promise.all([
    executor.all(
      `SELECT model, SUM(requests) AS n, SUM(CASE WHEN outcome = 'ok' THEN 0 ELSE requests END) AS errors, SUM(prompt_tokens) AS prompt,
         SUM(completion_tokens) AS completion, SUM(cached_tokens) AS cached, SUM(cost_usd) AS cost
       FROM request_rollups WHERE minute >= ? AND minute < ? GROUP BY model`,
      range,
    ),
    executor.all("SELECT model, latency_hist AS h, COUNT(*) AS n FROM request_rollups WHERE minute >= ? AND minute < ? GROUP BY model, latency_hist", range),
    executor.all("SELECT model, ttft_hist AS h, COUNT(*) AS n FROM request_rollups WHERE minute >= ? AND minute < ? AND ttft_hist <> '' GROUP BY model, ttft_hist", range),
    feedbackStats(executor, window),
  ]);
  const seconds = Math.max(0.001, (window.to - window.from) / 1000);
  const latencyByModel = histogramsByModel(latency);
  const ttftByModel = histogramsByModel(ttft);
  const totalLatency = emptyHistogram();
  const totalTtft = emptyHistogram();
  for (const histogram of latencyByModel.values()) addHistogram(totalLatency, histogram);
  for (const histogram of ttftByModel.values()) addHistogram(totalTtft, histogram);
  const total: Sums = { requests: 0, errors: 0, prompt: 0, completion: 0, cached: 0, cost: 0 };
  const models = sums.map((row) => {
    const model = String(row["model"] ?? "");
    const sum = toSums(row);
    for (const key of Object.keys(total) as (keyof Sums)[]) total[key] += sum[key];
    const name = model === "" ? null : model;
    return { model: name, ...group(sum, seconds, latencyByModel.get(model), ttftByModel.get(model), feedback.get(name) ?? noFeedback) };
  });
  models.sort((a, b) => b.requests - a.requests);
  return { from: window.from, to: window.to, total: group(total, seconds, totalLatency, totalTtft, mergeFeedback([...feedback.values()])), models };
}

function group(sum: Sums, seconds: number, latency: LatencyHistogram | undefined, ttft: LatencyHistogram | undefined, feedback: GroupStats["feedback"]): GroupStats {
  return {
    requests: sum.requests,
    rps: round(sum.requests / seconds, 3),
    errors: sum.errors,
    error_rate: sum.requests === 0 ? 0 : round(sum.errors / sum.requests, 4),
    latency_ms: percentiles(latency),
    ttft_ms: percentiles(ttft),
    tokens: { prompt: sum.prompt, completion: sum.completion, cached: sum.cached },
    cost_usd: round(sum.cost, 6),
    feedback,
  };
}

function percentiles(histogram: LatencyHistogram | undefined): Percentiles {
  if (histogram === undefined) return { p50: null, p95: null, p99: null };
  return { p50: histogramQuantile(histogram, 0.5), p95: histogramQuantile(histogram, 0.95), p99: histogramQuantile(histogram, 0.99) };
}

function toSums(row: SqlRow): Sums {
  const number = (key: string): number => Number(row[key] ?? 0);
  return { requests: number("n"), errors: number("errors"), prompt: number("prompt"), completion: number("completion"), cached: number("cached"), cost: number("cost") };
}

function histogramsByModel(rows: readonly SqlRow[]): Map<string, LatencyHistogram> {
  const byModel = new Map<string, LatencyHistogram>();
  for (const row of rows) {
    const model = String(row["model"] ?? "");
    let histogram = byModel.get(model);
    if (histogram === undefined) byModel.set(model, (histogram = emptyHistogram()));
    addEncoded(histogram, String(row["h"] ?? ""), Number(row["n"] ?? 0));
  }
  return byModel;
}

function mergeRows(rows: readonly SqlRow[]): LatencyHistogram {
  const histogram = emptyHistogram();
  for (const row of rows) addEncoded(histogram, String(row["h"] ?? ""), Number(row["n"] ?? 0));
  return histogram;
}
