import type { SqlExecutor, SqlRow } from "./sql-executor.js";

/** The time range stats are computed over, epoch milliseconds, `to` exclusive. */
export interface StatsWindow {
  readonly from: number;
  readonly to: number;
}

export interface Percentiles {
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

export interface FeedbackStats {
  readonly count: number;
  readonly mean_score: number | null;
  readonly thumbs_up: number;
  readonly thumbs_down: number;
  readonly labelled: number;
}

/** Aggregates for one model (or all models) over the window. */
export interface GroupStats {
  readonly requests: number;
  readonly rps: number;
  readonly errors: number;
  readonly error_rate: number;
  readonly latency_ms: Percentiles;
  readonly ttft_ms: Percentiles;
  readonly tokens: { readonly prompt: number; readonly completion: number; readonly cached: number };
  readonly cost_usd: number;
  readonly feedback: FeedbackStats;
}

export interface WindowStats {
  readonly from: number;
  readonly to: number;
  readonly total: GroupStats;
  readonly models: (GroupStats & { readonly model: string | null })[];
}

/** A group's counts and sums, before they become its stats. */
export interface Sums {
  requests: number;
  errors: number;
  prompt: number;
  completion: number;
  cached: number;
  cost: number;
}

/** Value → count, ascending by value, for percentiles. */
type Distribution = [value: number, count: number][];

const zero: Sums = { requests: 0, errors: 0, prompt: 0, completion: 0, cached: 0, cost: 0 };
export const noFeedback: FeedbackStats = { count: 0, mean_score: null, thumbs_up: 0, thumbs_down: 0, labelled: 0 };

/**
 * Per-model aggregates over a window. Neither database needs a percentile function: latencies are stored to three
 * significant digits, so grouping by value over the (model, latency) index yields a few thousand groups per model
 * in value order; percentiles are read off their running counts and the per-model sums are the groups' sums.
 */
export async function computeStats(executor: Pick<SqlExecutor, "all">, window: StatsWindow): Promise<WindowStats> {
  const range = [window.from, window.to];
  // `+time` keeps the planners off the time index: over a large window a scan of the covering index is far cheaper
  // than a range lookup that must visit every row.
  const [latency, ttft, feedback] = await Promise.all([
    executor.all(
      `SELECT model, latency_ms AS value, COUNT(*) AS n, SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors, SUM(prompt_tokens) AS prompt,
         SUM(completion_tokens) AS completion, SUM(cached_tokens) AS cached, SUM(cost_usd) AS cost
       FROM requests WHERE +time >= ? AND +time < ? GROUP BY model, latency_ms ORDER BY model, latency_ms`,
      range,
    ),
    executor.all("SELECT model, ttft_ms AS value, COUNT(*) AS n FROM requests WHERE ttft_ms IS NOT NULL AND +time >= ? AND +time < ? GROUP BY model, ttft_ms ORDER BY model, ttft_ms", range),
    feedbackStats(executor, window),
  ]);
  const seconds = Math.max(0.001, (window.to - window.from) / 1000);
  const latencyByModel = distributions(latency);
  const ttftByModel = distributions(ttft);
  const feedbackByModel = feedback;
  const sums = new Map<string | null, Sums>();
  for (const row of latency) {
    const model = modelOf(row);
    sums.set(model, addSums(sums.get(model) ?? zero, toSums(row)));
  }
  const models = [...sums].map(([model, sum]) => ({ model, ...group(sum, seconds, latencyByModel.get(model) ?? [], ttftByModel.get(model) ?? [], feedbackByModel.get(model) ?? noFeedback) }));
  models.sort((a, b) => b.requests - a.requests);
  const total = group(
    [...sums.values()].reduce(addSums, zero),
    seconds,
    merge([...latencyByModel.values()]),
    merge([...ttftByModel.values()]),
    mergeFeedback([...feedbackByModel.values()]),
  );
  return { from: window.from, to: window.to, total, models };
}

/** Feedback per model over the window (the feedback table is small: it is read directly, rollups or not). */
export async function feedbackStats(executor: Pick<SqlExecutor, "all">, window: StatsWindow): Promise<Map<string | null, FeedbackStats>> {
  const rows = await executor.all(
    `SELECT model, COUNT(*) AS count, AVG(score) AS mean_score, SUM(CASE WHEN thumbs = 'up' THEN 1 ELSE 0 END) AS up,
       SUM(CASE WHEN thumbs = 'down' THEN 1 ELSE 0 END) AS down, SUM(CASE WHEN label IS NULL THEN 0 ELSE 1 END) AS labelled
     FROM feedback WHERE time >= ? AND time < ? GROUP BY model`,
    [window.from, window.to],
  );
  return new Map(rows.map((row) => [modelOf(row), toFeedback(row)]));
}

function group(sum: Sums, seconds: number, latency: Distribution, ttft: Distribution, feedback: FeedbackStats): GroupStats {
  return groupStats(sum, seconds, percentiles(latency), percentiles(ttft), feedback);
}

/** One group's stats in the /admin/stats shape, from its sums and latency percentiles (request log or rollups). */
export function groupStats(sum: Sums, seconds: number, latency: Percentiles, ttft: Percentiles, feedback: FeedbackStats): GroupStats {
  return {
    requests: sum.requests,
    rps: round(sum.requests / seconds, 3),
    errors: sum.errors,
    error_rate: sum.requests === 0 ? 0 : round(sum.errors / sum.requests, 4),
    latency_ms: latency,
    ttft_ms: ttft,
    tokens: { prompt: sum.prompt, completion: sum.completion, cached: sum.cached },
    cost_usd: round(sum.cost, 6),
    feedback,
  };
}

function modelOf(row: SqlRow): string | null {
  const model = row["model"];
  return model === null || model === undefined ? null : String(model);
}

function toSums(row: SqlRow): Sums {
  const number = (key: string): number => Number(row[key] ?? 0);
  return { requests: number("n"), errors: number("errors"), prompt: number("prompt"), completion: number("completion"), cached: number("cached"), cost: number("cost") };
}

function addSums(a: Sums, b: Sums): Sums {
  return { requests: a.requests + b.requests, errors: a.errors + b.errors, prompt: a.prompt + b.prompt, completion: a.completion + b.completion, cached: a.cached + b.cached, cost: a.cost + b.cost };
}

function toFeedback(row: SqlRow): FeedbackStats {
  const mean = row["mean_score"];
  return {
    count: Number(row["count"] ?? 0),
    mean_score: mean === null || mean === undefined ? null : round(Number(mean), 4),
    thumbs_up: Number(row["up"] ?? 0),
    thumbs_down: Number(row["down"] ?? 0),
    labelled: Number(row["labelled"] ?? 0),
  };
}

/** All models' feedback as one. */
export function mergeFeedback(all: readonly FeedbackStats[]): FeedbackStats {
  const count = all.reduce((sum, item) => sum + item.count, 0);
  const scored = all.filter((item) => item.mean_score !== null);
  // Means of per-model means weighted by feedback count: close enough for a dashboard, exact when one model is scored.
  const weight = scored.reduce((sum, item) => sum + item.count, 0);
  return {
    count,
    mean_score: weight === 0 ? null : round(scored.reduce((sum, item) => sum + (item.mean_score ?? 0) * item.count, 0) / weight, 4),
    thumbs_up: all.reduce((sum, item) => sum + item.thumbs_up, 0),
    thumbs_down: all.reduce((sum, item) => sum + item.thumbs_down, 0),
    labelled: all.reduce((sum, item) => sum + item.labelled, 0),
  };
}

function distributions(rows: readonly SqlRow[]): Map<string | null, Distribution> {
  const byModel = new Map<string | null, Distribution>();
  for (const row of rows) {
    const model = modelOf(row);
    let list = byModel.get(model);
    if (list === undefined) byModel.set(model, (list = []));
    list.push([Number(row["value"]), Number(row["n"])]);
  }
  return byModel;
}

function merge(lists: readonly Distribution[]): Distribution {
  const counts = new Map<number, number>();
  for (const list of lists) for (const [value, count] of list) counts.set(value, (counts.get(value) ?? 0) + count);
  return [...counts].sort((a, b) => a[0] - b[0]);
}

/** Nearest-rank percentiles of an ascending value → count list. */
export function percentiles(distribution: Distribution): Percentiles {
  const total = distribution.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return { p50: null, p95: null, p99: null };
  const at = (fraction: number): number | null => {
    const rank = Math.max(1, Math.ceil(fraction * total));
    let seen = 0;
    for (const [value, count] of distribution) {
      seen += count;
      if (seen >= rank) return value;
    }
    return distribution.at(-1)?.[0] ?? null;
  };
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/** `value` rounded to `digits` decimals. */
export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
