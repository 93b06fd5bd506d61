import type { SqlExecutor, SqlRow, SqlValue } from "./sql-executor.js";

/** An uploaded (or batch-written) file's metadata; its bytes live in the files directory. */
export interface BatchFileRow {
  readonly id: string;
  readonly tenant: string;
  readonly purpose: string;
  readonly filename: string;
  readonly bytes: number;
  /** Epoch seconds. */
  readonly created_at: number;
}

/** One batch as stored: column names as in the `batches` table; times are epoch seconds, the lease's epoch ms. */
export interface BatchRow {
  readonly id: string;
  readonly tenant: string;
  /** The owner's principal as JSON (null when auth is off): every line runs as it. */
  readonly principal: string | null;
  readonly endpoint: string;
  readonly input_file_id: string;
  readonly completion_window: string;
  readonly status: string;
  /** What `finalizing` ends in: completed, expired or cancelled. */
  readonly end_status: string | null;
  readonly metadata: string | null;
  readonly errors: string | null;
  readonly output_file_id: string | null;
  readonly error_file_id: string | null;
  readonly total: number;
  readonly completed: number;
  readonly failed: number;
  readonly created_at: number;
  readonly expires_at: number;
  readonly in_progress_at: number | null;
  readonly finalizing_at: number | null;
  readonly completed_at: number | null;
  readonly failed_at: number | null;
  readonly expired_at: number | null;
  readonly cancelling_at: number | null;
  readonly cancelled_at: number | null;
  readonly lease_owner: string | null;
  readonly lease_expires_at: number;
}

/** One input line as stored; its result is written into the same row, in the same statement that marks it done. */
export interface BatchLineRow {
  readonly id: string;
  readonly batch_id: string;
  readonly line: number;
  readonly chunk: number;
  readonly custom_id: string;
  readonly body_hash: string;
  readonly body: string;
  readonly state: "pending" | "done";
  readonly outcome: string | null;
  readonly result: string | null;
}

/** A claimed chunk of a batch's lines. */
export interface ChunkClaim {
  readonly id: string;
  readonly batch_id: string;
  readonly chunk: number;
}

/** A page of listed rows, newest first, keyed by id for `after`. */
export interface ListPage<T> {
  readonly rows: readonly T[];
  readonly hasMore: boolean;
}

/** Durable Batch API state: files, batches, lines and the chunk lease table; every method is one atomic statement. */
export interface BatchStore {
  insertFile(row: BatchFileRow): Promise<void>;
  /** The file when `tenant` may see it (undefined tenant = any, for the batch worker). */
  getFile(id: string, tenant: string | undefined): Promise<BatchFileRow | undefined>;
  listFiles(tenant: string, purpose: string | undefined, after: string | undefined, limit: number): Promise<ListPage<BatchFileRow>>;
  deleteFile(id: string, tenant: string): Promise<boolean>;
  insertBatch(row: BatchRow): Promise<void>;
  getBatch(id: string, tenant: string | undefined): Promise<BatchRow | undefined>;
  listBatches(tenant: string, after: string | undefined, limit: number): Promise<ListPage<BatchRow>>;
  /** Sets `fields` when the batch is in one of `statuses` (and, when given, its step lease is `owner`'s); false otherwise. */
  updateBatch(id: string, fields: Partial<BatchRow>, statuses: readonly string[], owner?: string): Promise<boolean>;
  /** Leases the oldest batch that is validating or finalizing and whose step lease is free or expired. */
  claimBatchStep(owner: string, nowMs: number, leaseMs: number): Promise<BatchRow | undefined>;
  /**
   * Moves batches on: past their window → finalizing (expired); cancelling with no live chunk lease → finalizing
   * (cancelled); in progress with every chunk done → finalizing (completed). Resolves with how many moved.
   */
  advanceBatches(nowMs: number): Promise<number>;
  insertLines(rows: readonly BatchLineRow[]): Promise<void>;
  insertChunks(batchId: string, count: number): Promise<void>;
  /** Leases one pending chunk of an in-progress batch whose lease is free or expired (SKIP LOCKED on PostgreSQL). */
  claimChunk(owner: string, nowMs: number, leaseMs: number): Promise<ChunkClaim | undefined>;
  /** Extends `owner`'s chunk lease; `held` false when another worker has taken it over. */
  renewChunk(id: string, owner: string, untilMs: number): Promise<{ held: boolean; batchStatus: string | undefined }>;
  pendingLines(batchId: string, chunk: number): Promise<BatchLineRow[]>;
  /** Commits one answer for every still-pending line of the batch with this body hash while the batch runs; resolves with how many. */
  completeLines(batchId: string, bodyHash: string, outcome: string, result: string): Promise<number>;
  /** Marks `owner`'s chunk done when none of its lines is pending; else releases it for another claim. */
  finishChunk(claim: ChunkClaim, owner: string): Promise<void>;
  lineCounts(batchId: string): Promise<{ completed: number; failed: number }>;
  /** Lines after `afterLine` in order, for writing the output and error files. */
  readLines(batchId: string, afterLine: number, limit: number): Promise<BatchLineRow[]>;
}

/** The Batch store methods by name, so the SQLite worker's proxy can forward each one. */
export const batchStoreMethods = [
  "insertFile",
  "getFile",
  "listFiles",
  "deleteFile",
  "insertBatch",
  "getBatch",
  "listBatches",
  "updateBatch",
  "claimBatchStep",
  "advanceBatches",
  "insertLines",
  "insertChunks",
  "claimChunk",
  "renewChunk",
  "pendingLines",
  "completeLines",
  "finishChunk",
  "lineCounts",
  "readLines",
] as const satisfies readonly (keyof BatchStore)[];

const batchColumns = [
  "id", "tenant", "principal", "endpoint", "input_file_id", "completion_window", "status", "end_status", "metadata", "errors", "output_file_id", "error_file_id",
  "total", "completed", "failed", "created_at", "expires_at", "in_progress_at", "finalizing_at", "completed_at", "failed_at", "expired_at", "cancelling_at",
  "cancelled_at", "lease_owner", "lease_expires_at",
] as const satisfies readonly (keyof BatchRow)[];
const numberColumns = new Set<string>(["total", "completed", "failed", "created_at", "expires_at", "in_progress_at", "finalizing_at", "completed_at", "failed_at", "expired_at", "cancelling_at", "cancelled_at", "lease_expires_at"]);
const lineColumns = ["id", "batch_id", "line", "chunk", "custom_id", "body_hash", "body", "state", "outcome", "result"] as const satisfies readonly (keyof BatchLineRow)[];
const fileColumns = ["id", "tenant", "purpose", "filename", "bytes", "created_at"] as const satisfies readonly (keyof BatchFileRow)[];

/** The Batch store over any SQL executor: the same SQL on SQLite and PostgreSQL, SKIP LOCKED only where it exists. */
export function createBatchStore(executor: SqlExecutor): BatchStore {
  // SQLite has one writer at a time, so its claim statement needs no row locks; PostgreSQL skips rows another claim holds.
  const skipLocked = executor.dialect === "postgres" ? " FOR UPDATE SKIP LOCKED" : "";
  const selectBatch = `SELECT ${batchColumns.join(", ")} FROM batches`;

  async function page<T>(sql: string, params: SqlValue[], limit: number, read: (row: SqlRow) => T): Promise<ListPage<T>> {
    const rows = await executor.all(`${sql} ORDER BY created_at DESC, id DESC LIMIT ?`, [...params, limit + 1]);
    return { rows: rows.slice(0, limit).map(read), hasMore: rows.length > limit };
  }
  // Keyset pagination after a row id: rows strictly older than it (ties broken by id).
  const afterClause = (table: string): string => ` AND (created_at < (SELECT created_at FROM ${table} WHERE id = ?) OR (created_at = (SELECT created_at FROM ${table} WHERE id = ?) AND id < ?))`;

  return {
    async insertFile(row) {
      await executor.run(`INSERT INTO batch_files (${fileColumns.join(", ")}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, fileColumns.map((column) => row[column]));
    },
    async getFile(id, tenant) {
      const rows = await executor.all(`SELECT ${fileColumns.join(", ")} FROM batch_files WHERE id = ?${tenant === undefined ? "" : " AND tenant = ?"}`, tenant === undefined ? [id] : [id, tenant]);
      return rows[0] === undefined ? undefined : readFile(rows[0]);
    },
    listFiles(tenant, purpose, after, limit) {
      let sql = `SELECT ${fileColumns.join(", ")} FROM batch_files WHERE tenant = ?`;
      const params: SqlValue[] = [tenant];
      if (purpose !== undefined) {
        sql += " AND purpose = ?";
        params.push(purpose);
      }
      if (after !== undefined) {
        sql += afterClause("batch_files");
        params.push(after, after, after);
      }
      return page(sql, params, limit, readFile);
    },
    async deleteFile(id, tenant) {
      return (await executor.run("DELETE FROM batch_files WHERE id = ? AND tenant = ?", [id, tenant])) > 0;
    },
    async insertBatch(row) {
      await executor.run(`INSERT INTO batches (${batchColumns.join(", ")}) VALUES (${batchColumns.map(() => "?").join(", ")})`, batchColumns.map((column) => row[column]));
    },
    async getBatch(id, tenant) {
      const rows = await executor.all(`${selectBatch} WHERE id = ?${tenant === undefined ? "" : " AND tenant = ?"}`, tenant === undefined ? [id] : [id, tenant]);
      return rows[0] === undefined ? undefined : readBatch(rows[0]);
    },
    listBatches(tenant, after, limit) {
      let sql = `${selectBatch} WHERE tenant = ?`;
      const params: SqlValue[] = [tenant];
      if (after !== undefined) {
        sql += afterClause("batches");
        params.push(after, after, after);
      }
      return page(sql, params, limit, readBatch);
    },
    async updateBatch(id, fields, statuses, owner) {
      const names = Object.keys(fields).filter((name): name is (typeof batchColumns)[number] => (batchColumns as readonly string[]).includes(name));
      const values = names.map((name) => fields[name] ?? null);
      let sql = `UPDATE batches SET ${names.map((name) => `${name} = ?`).join(", ")} WHERE id = ? AND status IN (${statuses.map(() => "?").join(", ")})`;
      const params: SqlValue[] = [...values, id, ...statuses];
      if (owner !== undefined) {
        sql += " AND lease_owner = ?";
        params.push(owner);
      }
      return (await executor.run(sql, params)) > 0;
    },
    async claimBatchStep(owner, nowMs, leaseMs) {
      const rows = await executor.all(
        `UPDATE batches SET lease_owner = ?, lease_expires_at = ? WHERE id = (SELECT id FROM batches WHERE status IN ('validating', 'finalizing') AND lease_expires_at < ? ORDER BY created_at, id LIMIT 1${skipLocked}) RETURNING ${batchColumns.join(", ")}`,
        [owner, nowMs + leaseMs, nowMs],
      );
      return rows[0] === undefined ? undefined : readBatch(rows[0]);
    },
    async advanceBatches(nowMs) {
      const now = Math.floor(nowMs / 1000);
      const expired = await executor.run("UPDATE batches SET status = 'finalizing', end_status = 'expired', finalizing_at = ?, lease_expires_at = 0 WHERE status IN ('validating', 'in_progress') AND expires_at <= ?", [now, now]);
      const cancelled = await executor.run(
        "UPDATE batches SET status = 'finalizing', end_status = 'cancelled', finalizing_at = ?, lease_expires_at = 0 WHERE status = 'cancelling' AND NOT EXISTS (SELECT 1 FROM batch_chunks WHERE batch_chunks.batch_id = batches.id AND batch_chunks.state = 'pending' AND batch_chunks.lease_expires_at >= ?)",
        [now, nowMs],
      );
      const completed = await executor.run(
        "UPDATE batches SET status = 'finalizing', end_status = 'completed', finalizing_at = ?, lease_expires_at = 0 WHERE status = 'in_progress' AND NOT EXISTS (SELECT 1 FROM batch_chunks WHERE batch_chunks.batch_id = batches.id AND batch_chunks.state = 'pending')",
        [now],
      );
      return expired + cancelled + completed;
    },
    insertLines: (rows) => executor.insertMany("batch_lines", lineColumns, rows.map((row) => lineColumns.map((column) => row[column]))),
    insertChunks: (batchId, count) =>
      executor.insertMany(
        "batch_chunks",
        ["id", "batch_id", "chunk", "state", "owner", "lease_expires_at"],
        Array.from({ length: count }, (_unused, chunk) => [`${batchId}:${chunk}`, batchId, chunk, "pending", null, 0]),
      ),
    async claimChunk(owner, nowMs, leaseMs) {
      const rows = await executor.all(
        `UPDATE batch_chunks SET owner = ?, lease_expires_at = ? WHERE id = (SELECT id FROM batch_chunks WHERE state = 'pending' AND lease_expires_at < ? AND batch_id IN (SELECT id FROM batches WHERE status = 'in_progress') ORDER BY batch_id, chunk LIMIT 1${skipLocked}) RETURNING id, batch_id, chunk`,
        [owner, nowMs + leaseMs, nowMs],
      );
      const row = rows[0];
      return row === undefined ? undefined : { id: String(row["id"]), batch_id: String(row["batch_id"]), chunk: Number(row["chunk"]) };
    },
    async renewChunk(id, owner, untilMs) {
      const held = (await executor.run("UPDATE batch_chunks SET lease_expires_at = ? WHERE id = ? AND owner = ? AND state = 'pending'", [untilMs, id, owner])) > 0;
      const rows = await executor.all("SELECT status FROM batches WHERE id = (SELECT batch_id FROM batch_chunks WHERE id = ?)", [id]);
      return { held, batchStatus: rows[0] === undefined ? undefined : String(rows[0]["status"]) };
    },
    async pendingLines(batchId, chunk) {
      return (await executor.all(`SELECT ${lineColumns.join(", ")} FROM batch_lines WHERE batch_id = ? AND chunk = ? AND state = 'pending' ORDER BY line`, [batchId, chunk])).map(readLine);
    },
    // Only while the batch still runs: once it is finalizing its lines are a fixed snapshot for the output files.
    completeLines: (batchId, bodyHash, outcome, result) =>
      executor.run(
        "UPDATE batch_lines SET state = 'done', outcome = ?, result = ? WHERE batch_id = ? AND body_hash = ? AND state = 'pending' AND EXISTS (SELECT 1 FROM batches WHERE id = ? AND status IN ('in_progress', 'cancelling'))",
        [outcome, result, batchId, bodyHash, batchId],
      ),
    async finishChunk(claim, owner) {
      const done = await executor.run(
        "UPDATE batch_chunks SET state = 'done', owner = NULL WHERE id = ? AND owner = ? AND NOT EXISTS (SELECT 1 FROM batch_lines WHERE batch_id = ? AND chunk = ? AND state = 'pending')",
        [claim.id, owner, claim.batch_id, claim.chunk],
      );
      if (done === 0) await executor.run("UPDATE batch_chunks SET owner = NULL, lease_expires_at = 0 WHERE id = ? AND owner = ?", [claim.id, owner]);
    },
    async lineCounts(batchId) {
      const rows = await executor.all("SELECT outcome, COUNT(*) AS count FROM batch_lines WHERE batch_id = ? AND state = 'done' GROUP BY outcome", [batchId]);
      const count = (outcome: string): number => Number(rows.find((row) => row["outcome"] === outcome)?.["count"] ?? 0);
      return { completed: count("completed"), failed: count("failed") };
    },
    async readLines(batchId, afterLine, limit) {
      return (await executor.all(`SELECT ${lineColumns.join(", ")} FROM batch_lines WHERE batch_id = ? AND line > ? ORDER BY line LIMIT ?`, [batchId, afterLine, limit])).map(readLine);
    },
  };
}

function readFile(row: SqlRow): BatchFileRow {
  return { id: String(row["id"]), tenant: String(row["tenant"]), purpose: String(row["purpose"]), filename: String(row["filename"]), bytes: Number(row["bytes"]), created_at: Number(row["created_at"]) };
}

function readBatch(row: SqlRow): BatchRow {
  const out: Record<string, unknown> = {};
  for (const column of batchColumns) {
    const value = row[column];
    out[column] = value === null || value === undefined ? null : numberColumns.has(column) ? Number(value) : String(value);
  }
  return out as unknown as BatchRow;
}

function readLine(row: SqlRow): BatchLineRow {
  return {
    id: String(row["id"]),
    batch_id: String(row["batch_id"]),
    line: Number(row["line"]),
    chunk: Number(row["chunk"]),
    custom_id: String(row["custom_id"]),
    body_hash: String(row["body_hash"]),
    body: String(row["body"]),
    state: row["state"] === "done" ? "done" : "pending",
    outcome: row["outcome"] === null ? null : String(row["outcome"]),
    result: row["result"] === null ? null : String(row["result"]),
  };
}
