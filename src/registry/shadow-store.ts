import { randomUUID } from "node:crypto";
import type { SqlStatements, SqlValue } from "../store/sql-executor.js";

/** One mirrored request: both answers and how they compared. */
export interface ShadowComparison {
  readonly model: string;
  readonly primary_version: string;
  readonly shadow_version: string;
  readonly at: number;
  readonly scorer: string;
  /** Null when the shadow call failed. */
  readonly score: number | null;
  readonly agree: boolean | null;
  readonly request: string;
  readonly primary_output: string;
  readonly shadow_output: string | null;
  readonly shadow_latency_ms: number;
  readonly shadow_cost_usd: number;
  readonly error: string | null;
}

/** The stored comparisons (table `shadow_comparisons`, migration 10). */
export interface ShadowStore {
  insert(comparison: ShadowComparison): Promise<void>;
  /** Newest first. */
  list(model: string, limit: number): Promise<ShadowComparison[]>;
  /** Writes the comparisons still waiting for their batch now (shutdown). */
  flush(): Promise<void>;
  /** Agreement over the scored comparisons of one candidate version (failed shadow calls are not counted). */
  agreement(model: string, version: string): Promise<{ rate: number | null; comparisons: number; failed: number }>;
}

const columns = ["id", "model", "primary_version", "shadow_version", "at", "scorer", "score", "agree", "request", "primary_output", "shadow_output", "shadow_latency_ms", "shadow_cost_usd", "error"] as const;

/** Rows written in one statement at most (14 parameters a row stays far below SQLite's and PostgreSQL's limits). */
const maxBatchRows = 64;
/** How long a row waits for others to share its statement. */
const batchWaitMs = 200;
const rowPlaceholders = `(${columns.map(() => "?").join(", ")})`;

/**
 * The shadow store over the gateway database. A row waits up to `batchWaitMs` for others, then they are written
 * by one multi-row statement (at most `maxBatchRows`), one statement at a time: each write is a message to the
 * database thread and a wake-up of it, and one per comparison (150 a second with shadow at 100%) cost the event loop
 * more than the shadow calls' own HTTP work (bench/shadow, profiled).
 */
export function createShadowStore(sql: SqlStatements): ShadowStore {
  const queued: { row: readonly SqlValue[]; done: () => void; failed: (error: unknown) => void }[] = [];
  let writing = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const write = (): Promise<void> => (current = writeQueued());
  const writeQueued = async (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    writing = true;
    while (queued.length > 0) {
      const batch = queued.splice(0, maxBatchRows);
      try {
        await sql.run(`INSERT INTO shadow_comparisons (${columns.join(", ")}) VALUES ${batch.map(() => rowPlaceholders).join(", ")}`, batch.flatMap((entry) => entry.row));
        for (const entry of batch) entry.done();
      } catch (error) {
        for (const entry of batch) entry.failed(error);
      }
    }
    writing = false;
  };
  return {
    insert(row) {
      const agree = row.agree === null ? null : row.agree ? 1 : 0;
      const values: SqlValue[] = [randomUUID(), row.model, row.primary_version, row.shadow_version, row.at, row.scorer, row.score, agree, row.request, row.primary_output, row.shadow_output, row.shadow_latency_ms, row.shadow_cost_usd, row.error];
      return new Promise<void>((done, failed) => {
        queued.push({ row: values, done, failed });
        if (writing) return;
        if (queued.length >= maxBatchRows) void write();
        else if (timer === undefined) {
          timer = setTimeout(() => void write(), batchWaitMs);
          timer.unref();
        }
      });
    },
    flush() {
      if (!writing && queued.length > 0) return write();
      return current;
    },
    async list(model, limit) {
      const rows = await sql.all(`SELECT ${columns.slice(1).join(", ")} FROM shadow_comparisons WHERE model = ? ORDER BY at DESC, id LIMIT ?`, [model, limit]);
      return rows.map((row) => ({
        model: String(row["model"]),
        primary_version: String(row["primary_version"]),
        shadow_version: String(row["shadow_version"]),
        at: Number(row["at"]),
        scorer: String(row["scorer"]),
        score: row["score"] === null ? null : Number(row["score"]),
        agree: row["agree"] === null ? null : Number(row["agree"]) === 1,
        request: String(row["request"]),
        primary_output: String(row["primary_output"]),
        shadow_output: row["shadow_output"] === null ? null : String(row["shadow_output"]),
        shadow_latency_ms: Number(row["shadow_latency_ms"]),
        shadow_cost_usd: Number(row["shadow_cost_usd"]),
        error: row["error"] === null ? null : String(row["error"]),
      }));
    },
    async agreement(model, version) {
      const [row] = await sql.all("SELECT COUNT(agree) AS scored, SUM(agree) AS agreed, COUNT(*) AS total FROM shadow_comparisons WHERE model = ? AND shadow_version = ?", [model, version]);
      const scored = Number(row?.["scored"] ?? 0);
      return { rate: scored === 0 ? null : Number(row?.["agreed"] ?? 0) / scored, comparisons: scored, failed: Number(row?.["total"] ?? 0) - scored };
    },
  };
}
