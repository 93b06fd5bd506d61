import type { SqlExecutor, SqlRow, SqlValue } from "./sql-executor.js";
import { numberOrNull } from "./row-values.js";

/** One stored drift sample (src/drift/): a reservoir slot of one replica, model version and time bucket. */
export interface DriftSampleRow {
  /** `replica|reservoir|slot`: a slot is rewritten in place when the reservoir replaces its sample. */
  readonly id: string;
  readonly model: string;
  readonly version: string;
  /** The request's arrival, epoch milliseconds. */
  readonly time: number;
  /** A uniform draw in [0, 1): reading rows in this order gives a uniform subsample of any window. */
  readonly draw: number;
  readonly prompt_tokens: number;
  readonly output_tokens: number;
  readonly ttft_ms: number | null;
  readonly language: string;
  readonly script: string;
  readonly finish_reason: string;
  readonly refusal: boolean;
  readonly error_type: string;
}

/** Which samples to read: one model version's, in a window, at most `limit` of them (a uniform subsample). */
export interface DriftSampleFilter {
  readonly model: string;
  readonly version: string;
  readonly from: number;
  readonly to: number;
  readonly limit: number;
}

/** The model versions that have samples in a window, and how many. */
export interface DriftSeries {
  readonly model: string;
  readonly version: string;
  readonly samples: number;
}

/** Durable drift samples (migration 6). */
export interface DriftSampleStore {
  /** Inserts rows, or rewrites the rows whose id exists (a replaced reservoir slot). */
  upsertDriftSamples(rows: readonly DriftSampleRow[]): Promise<void>;
  listDriftSamples(filter: DriftSampleFilter): Promise<DriftSampleRow[]>;
  listDriftSeries(from: number, to: number): Promise<DriftSeries[]>;
  /** Deletes samples older than `beforeMs`; resolves with the rows deleted. */
  pruneDriftSamples(beforeMs: number): Promise<number>;
}

const columns = ["id", "model", "version", "time", "draw", "prompt_tokens", "output_tokens", "ttft_ms", "language", "script", "finish_reason", "refusal", "error_type"] as const;
/** Rows per statement: 13 parameters each stays far below SQLite's and PostgreSQL's parameter limits. */
const rowsPerStatement = 500;
const upsertHead = `INSERT INTO drift_samples (${columns.join(", ")}) VALUES `;
const upsertTail = ` ON CONFLICT (id) DO UPDATE SET ${columns
  .filter((column) => column !== "id")
  .map((column) => `${column} = excluded.${column}`)
  .join(", ")}`;
const tuple = `(${columns.map(() => "?").join(", ")})`;

/** The drift sample store over any SQL executor: the same SQL on SQLite and PostgreSQL. */
export function createDriftSampleStore(executor: SqlExecutor): DriftSampleStore {
  return {
    async upsertDriftSamples(rows) {
      for (let start = 0; start < rows.length; start += rowsPerStatement) {
        const chunk = rows.slice(start, start + rowsPerStatement);
        const values: SqlValue[] = chunk.flatMap((row) => [row.id, row.model, row.version, row.time, row.draw, row.prompt_tokens, row.output_tokens, row.ttft_ms, row.language, row.script, row.finish_reason, row.refusal ? 1 : 0, row.error_type]);
        await executor.run(upsertHead + chunk.map(() => tuple).join(", ") + upsertTail, values);
      }
    },
    async listDriftSamples(filter) {
      const rows = await executor.all(`SELECT ${columns.join(", ")} FROM drift_samples WHERE model = ? AND version = ? AND time >= ? AND time < ? ORDER BY draw LIMIT ?`, [filter.model, filter.version, filter.from, filter.to, filter.limit]);
      return rows.map(toSampleRow);
    },
    async listDriftSeries(from, to) {
      const rows = await executor.all("SELECT model, version, COUNT(*) AS samples FROM drift_samples WHERE time >= ? AND time < ? GROUP BY model, version ORDER BY model, version", [from, to]);
      return rows.map((row) => ({ model: String(row["model"]), version: String(row["version"]), samples: Number(row["samples"]) }));
    },
    pruneDriftSamples: (beforeMs) => executor.run("DELETE FROM drift_samples WHERE time < ?", [beforeMs]),
  };
}

function toSampleRow(row: SqlRow): DriftSampleRow {
  return {
    id: String(row["id"]),
    model: String(row["model"]),
    version: String(row["version"]),
    time: Number(row["time"]),
    draw: Number(row["draw"]),
    prompt_tokens: Number(row["prompt_tokens"]),
    output_tokens: Number(row["output_tokens"]),
    ttft_ms: numberOrNull(row["ttft_ms"]),
    language: String(row["language"]),
    script: String(row["script"]),
    finish_reason: String(row["finish_reason"]),
    refusal: Number(row["refusal"]) === 1,
    error_type: String(row["error_type"]),
  };
}
