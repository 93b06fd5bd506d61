/** How a request ended, for rollups and SLOs: 4xx are the client's doing, 5xx the service's. */
export type RollupOutcome = "ok" | "client_error" | "server_error";

/**
 * One replica's aggregate of one minute for one series (model × version × deployment × key × team × outcome × error
 * type). Absent dimensions are "" so the row's id, and so the upsert, is well defined. Histograms are stored encoded
 * (latency-histogram.ts) over the fixed buckets, so rows merge across replicas and minutes by summing.
 */
export interface RollupRow {
  /** Epoch milliseconds of the minute's start. */
  readonly minute: number;
  readonly replica: string;
  readonly model: string;
  readonly version: string;
  readonly deployment: string;
  readonly key_id: string;
  readonly team: string;
  readonly outcome: RollupOutcome;
  /** The error code for failed requests; "" for ok ones. */
  readonly error_type: string;
  readonly requests: number;
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly cached_tokens: number;
  readonly cost_usd: number;
  readonly latency_hist: string;
  readonly ttft_hist: string;
  readonly tpot_hist: string;
}

/**
 * Rows are kept at two levels: `series`, every dimension (key, team and deployment SLOs, drill-downs), and `model`,
 * only model × version × outcome with the other dimensions "" (a handful of rows per minute, so /admin/stats and
 * model SLOs over long windows read few rows however many keys and teams there are).
 */
export type RollupLevel = "series" | "model";

/** The table holding each level. */
export const rollupTables: Readonly<Record<RollupLevel, string>> = { series: "request_rollups", model: "request_rollups_by_model" };

/** The series columns, in id order. */
export const rollupSeriesColumns = ["minute", "replica", "model", "version", "deployment", "key_id", "team", "outcome", "error_type"] as const satisfies readonly (keyof RollupRow)[];

/** The value columns, replaced whole on each upsert (the writer holds the minute's full aggregate). */
export const rollupValueColumns = ["requests", "prompt_tokens", "completion_tokens", "cached_tokens", "cost_usd", "latency_hist", "ttft_hist", "tpot_hist"] as const satisfies readonly (keyof RollupRow)[];

/** The row's primary key: its series joined (a unit separator cannot occur in the ids and names it joins). */
export function rollupId(row: Pick<RollupRow, (typeof rollupSeriesColumns)[number]>): string {
  return rollupSeriesColumns.map((column) => String(row[column])).join("\u001f");
}
