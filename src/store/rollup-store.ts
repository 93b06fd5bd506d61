import { addEncoded, addHistogram, emptyHistogram, histogramQuantile, type LatencyHistogram } from "./latency-histogram.js";
import { feedbackStats, groupStats, mergeFeedback, noFeedback, type GroupStats, type Percentiles, type StatsWindow, type Sums, type WindowStats } from "./request-stats.js";
import { rollupId, rollupSeriesColumns, rollupTables, rollupValueColumns, type RollupLevel, type RollupRow } from "./rollup-row.js";
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
  /** Inserts or replaces rows of one level (a replica rewrites its open minute's rows on each flush). */
  upsertRollups(level: RollupLevel, rows: readonly RollupRow[]): Promise<void>;
  /** The /admin/stats answer from the rollups: minute resolution, percentiles at bucket bounds. */
  rollupStats(window: StatsWindow): Promise<WindowStats>;
  /** Event counts (and optionally an ok-request histogram) of the minutes starting in [from, to). */
  rollupEvents(selector: RollupSelector, from: number, to: number, histogram?: HistogramKind): Promise<RollupEvents>;
  /** The most frequent error types (4xx and 5xx) of the minutes starting in [from, to), most frequent first. */
  rollupErrorTypes(selector: RollupSelector, from: number, to: number, limit: number): Promise<{ type: string; count: number }[]>;
  /** Deletes rollups of minutes before `beforeMs` at both levels; resolves with the rows deleted. */
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
    async upsertRollups(level, rows) {
      for (let start = 0; start < rows.length; start += rowsPerStatement) {
        const chunk = rows.slice(start, start + rowsPerStatement);
        const values: SqlValue[] = [];
        for (const row of chunk) values.push(rollupId(row), ...rollupSeriesColumns.map((column) => row[column]), ...rollupValueColumns.map((column) => row[column]));
        const tuple = `(${columns.map(() => "?").join(", ")})`;
        await executor.run(`INSERT INTO ${rollupTables[level]} (${columns.join(", ")}) VALUES ${chunk.map(() => tuple).join(", ")} ${upsertTail}`, values);
      }
    },
    rollupStats: (window) => computeRollupStats(executor, window),
    async rollupEvents(selector, from, to, histogram) {
      const { clause, params } = selectorWhere(selector, from, to);
      // Model and version SLOs read the small model-level table; key and team ones the full series.
      const table = selector.key === undefined && selector.team === undefined ? rollupTables.model : rollupTables.series;
      const [counts, histograms] = await Promise.all([
        executor.all(`SELECT outcome, SUM(requests) AS n FROM ${table} WHERE ${clause} GROUP BY outcome`, params),
        histogram === undefined ? Promise.resolve([]) : executor.all(`SELECT ${histogram}_hist AS h FROM ${table} WHERE ${clause} AND outcome = 'ok'`, params),
      ]);
      const byOutcome = new Map(counts.map((row) => [String(row["outcome"]), Number(row["n"] ?? 0)]));
      const ok = byOutcome.get("ok") ?? 0;
      const clientErrors = byOutcome.get("client_error") ?? 0;
      const serverErrors = byOutcome.get("server_error") ?? 0;
      return { total: ok + clientErrors + serverErrors, ok, clientErrors, serverErrors, histogram: histogram === undefined ? undefined : mergeRows(histograms) };
    },
    async rollupErrorTypes(selector, from, to, limit) {
      const { clause, params } = selectorWhere(selector, from, to);
      // Only the series level keeps the error type.
      const rows = await executor.all(`SELECT error_type, SUM(requests) AS n FROM ${rollupTables.series} WHERE ${clause} AND error_type <> '' GROUP BY error_type ORDER BY n DESC, error_type LIMIT ?`, [...params, limit]);
      return rows.map((row) => ({ type: String(row["error_type"]), count: Number(row["n"] ?? 0) }));
    },
    pruneRollups: async (beforeMs) => (await executor.run("DELETE FROM request_rollups WHERE minute < ?", [beforeMs])) + (await executor.run("DELETE FROM request_rollups_by_model WHERE minute < ?", [beforeMs])),
  };
}

/** The WHERE clause of the minutes starting in [from, to) that match a selector. */
function selectorWhere(selector: RollupSelector, from: number, to: number): { clause: string; params: SqlValue[] } {
  const where = ["minute >= ?", "minute < ?"];
  const params: SqlValue[] = [from, to];
  for (const [field, column] of Object.entries(selectorColumns) as [keyof RollupSelector, string][]) {
    const value = selector[field];
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  return { clause: where.join(" AND "), params };
}

/**
 * Stats in the request-log shape from the model-level rollups: a few rows per minute, read in one scan; sums are
 * added up and histograms merged here, percentiles read off the merged histograms.
 */
async function computeRollupStats(executor: Pick<SqlExecutor, "all">, window: StatsWindow): Promise<WindowStats> {
  const [rows, feedback] = await Promise.all([
    executor.all(
      `SELECT model, outcome, requests, prompt_tokens, completion_tokens, cached_tokens, cost_usd, latency_hist, ttft_hist
       FROM request_rollups_by_model WHERE minute >= ? AND minute < ?`,
      [window.from, window.to],
    ),
    feedbackStats(executor, window),
  ]);
  const seconds = Math.max(0.001, (window.to - window.from) / 1000);
  const byModel = new Map<string, { sums: Sums; latency: LatencyHistogram; ttft: LatencyHistogram }>();
  for (const row of rows) {
    const model = String(row["model"] ?? "");
    let entry = byModel.get(model);
    if (entry === undefined) byModel.set(model, (entry = { sums: { requests: 0, errors: 0, prompt: 0, completion: 0, cached: 0, cost: 0 }, latency: emptyHistogram(), ttft: emptyHistogram() }));
    const requests = Number(row["requests"] ?? 0);
    entry.sums.requests += requests;
    if (row["outcome"] !== "ok") entry.sums.errors += requests;
    entry.sums.prompt += Number(row["prompt_tokens"] ?? 0);
    entry.sums.completion += Number(row["completion_tokens"] ?? 0);
    entry.sums.cached += Number(row["cached_tokens"] ?? 0);
    entry.sums.cost += Number(row["cost_usd"] ?? 0);
    addEncoded(entry.latency, String(row["latency_hist"] ?? ""));
    addEncoded(entry.ttft, String(row["ttft_hist"] ?? ""));
  }
  const total = { sums: { requests: 0, errors: 0, prompt: 0, completion: 0, cached: 0, cost: 0 }, latency: emptyHistogram(), ttft: emptyHistogram() };
  const models = [...byModel].map(([model, entry]) => {
    for (const key of Object.keys(total.sums) as (keyof Sums)[]) total.sums[key] += entry.sums[key];
    addHistogram(total.latency, entry.latency);
    addHistogram(total.ttft, entry.ttft);
    const name = model === "" ? null : model;
    return { model: name, ...group(entry.sums, seconds, entry.latency, entry.ttft, feedback.get(name) ?? noFeedback) };
  });
  models.sort((a, b) => b.requests - a.requests);
  return { from: window.from, to: window.to, total: group(total.sums, seconds, total.latency, total.ttft, mergeFeedback([...feedback.values()])), models };
}

function group(sum: Sums, seconds: number, latency: LatencyHistogram, ttft: LatencyHistogram, feedback: GroupStats["feedback"]): GroupStats {
  return groupStats(sum, seconds, percentiles(latency), percentiles(ttft), feedback);
}

function percentiles(histogram: LatencyHistogram): Percentiles {
  return { p50: histogramQuantile(histogram, 0.5), p95: histogramQuantile(histogram, 0.95), p99: histogramQuantile(histogram, 0.99) };
}



function mergeRows(rows: readonly SqlRow[]): LatencyHistogram {
  const histogram = emptyHistogram();
  for (const row of rows) addEncoded(histogram, String(row["h"] ?? ""));
  return histogram;
}
