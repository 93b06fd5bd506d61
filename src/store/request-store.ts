import { migrate } from "./migrations.js";
import { requestColumns, type FeedbackRow, type RequestRow } from "./request-row.js";
import type { SqlExecutor, SqlRow, SqlValue } from "./sql-executor.js";
import { computeStats, type StatsWindow, type WindowStats } from "./request-stats.js";
import { numberOrNull, textOrNull } from "./row-values.js";

/** Filters for listing the request log; every field is optional. */
export interface RequestFilter {
  readonly from?: number;
  readonly to?: number;
  readonly model?: string;
  /** The registry version that served the request. */
  readonly version?: string;
  readonly key?: string;
  readonly team?: string;
  /** The client's `x-request-id`. */
  readonly clientRequestId?: string;
  /** An exact status (`404`) or a class (`5` for 5xx). */
  readonly status?: { readonly exact: number } | { readonly class: number };
  readonly minLatencyMs?: number;
  readonly maxLatencyMs?: number;
  /** The error type (`error_code`), e.g. `upstream_timeout`. */
  readonly errorCode?: string;
  /** Keyset cursor: rows strictly older than this (time, id). */
  readonly before?: { readonly time: number; readonly id: string };
  readonly limit: number;
}

/** A request row without its bodies, as listings return it. */
export type RequestSummary = Omit<RequestRow, "request_body" | "response_body">;

/** A request with the feedback given on it. */
export type RequestDetail = RequestRow & { readonly feedback: FeedbackRow[] };

/** Feedback as a client sends it; the store links it to the request and its model. */
export type NewFeedback = Omit<FeedbackRow, "model">;

/**
 * Whose requests a caller may give feedback on, as authentication knows it. The tenant is the team when there is
 * one, else the key, else the open gateway's anonymous caller: the same partition as `tenantOf` in auth/principal.ts.
 */
export interface RequestOwner {
  readonly team: string | null;
  readonly keyId: string | null;
}

/** Durable request log, feedback and the queries over them. */
export interface RequestStore {
  migrate(): Promise<void>;
  insertRequests(rows: readonly RequestRow[]): Promise<void>;
  /** False when no request of `owner`'s tenant has this id (another tenant's request is as unknown as a missing one). */
  insertFeedback(feedback: NewFeedback, owner: RequestOwner): Promise<boolean>;
  getRequest(id: string): Promise<RequestDetail | undefined>;
  listRequests(filter: RequestFilter): Promise<RequestSummary[]>;
  stats(window: StatsWindow): Promise<WindowStats>;
  /** Deletes requests and feedback older than `beforeMs`; resolves with the requests deleted. */
  prune(beforeMs: number): Promise<number>;
  close(): Promise<void>;
}

const summaryColumns = requestColumns.filter((column) => column !== "request_body" && column !== "response_body").join(", ");

/** The request store over any SQL executor: the same SQL on SQLite and PostgreSQL. */
export function createRequestStore(executor: SqlExecutor): RequestStore {
  return {
    migrate: () => migrate(executor),

    insertRequests(rows) {
      return executor.insertMany("requests", requestColumns, rows.map(toValues));
    },

    async insertFeedback(feedback, owner) {
      // One statement links the feedback to its request and model, and tells an unknown id (or another tenant's) by
      // zero rows inserted.
      const [tenant, tenantParams] = tenantCondition(owner);
      const changed = await executor.run(
        `INSERT INTO feedback (id, request_id, time, model, score, thumbs, label, comment)
         SELECT CAST(? AS TEXT), id, CAST(? AS BIGINT), model, CAST(? AS DOUBLE PRECISION), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT) FROM requests WHERE id = ? AND ${tenant}`,
        [feedback.id, feedback.time, feedback.score, feedback.thumbs, feedback.label, feedback.comment, feedback.request_id, ...tenantParams],
      );
      return changed > 0;
    },

    async getRequest(id) {
      const rows = await executor.all(`SELECT ${requestColumns.join(", ")} FROM requests WHERE id = ?`, [id]);
      const row = rows[0];
      if (row === undefined) return undefined;
      const feedback = await executor.all("SELECT id, request_id, time, model, score, thumbs, label, comment FROM feedback WHERE request_id = ? ORDER BY time, id", [id]);
      return { ...toRequestRow(row), feedback: feedback.map(toFeedbackRow) };
    },

    async listRequests(filter) {
      const where: string[] = [];
      const params: SqlValue[] = [];
      const add = (clause: string, ...values: SqlValue[]): void => {
        where.push(clause);
        params.push(...values);
      };
      if (filter.from !== undefined) add("time >= ?", filter.from);
      if (filter.to !== undefined) add("time < ?", filter.to);
      // SQLite keeps no statistics here and, given model = ?, reads every row of the model through a model index to
      // sort them (over a second at 1M rows); `+model` leaves it the time index, newest first, which fills a page
      // within a few hundred rows for a model with traffic, as the status filters do. With a version,
      // (model, model_version, time) gives time order itself; PostgreSQL plans from its statistics.
      if (filter.model !== undefined) add(executor.dialect === "sqlite" && filter.version === undefined ? "+model = ?" : "model = ?", filter.model);
      if (filter.version !== undefined) add("model_version = ?", filter.version);
      if (filter.key !== undefined) add("key_id = ?", filter.key);
      if (filter.team !== undefined) add("team = ?", filter.team);
      if (filter.clientRequestId !== undefined) add("client_request_id = ?", filter.clientRequestId);
      if (filter.status !== undefined) {
        if ("exact" in filter.status) add("status = ?", filter.status.exact);
        else add("status >= ? AND status < ?", filter.status.class * 100, filter.status.class * 100 + 100);
      }
      if (filter.minLatencyMs !== undefined) add("latency_ms >= ?", filter.minLatencyMs);
      if (filter.maxLatencyMs !== undefined) add("latency_ms <= ?", filter.maxLatencyMs);
      if (filter.errorCode !== undefined) add("error_code = ?", filter.errorCode);
      // A range on time (not an OR around it), so a page deep in the log seeks to its cursor instead of walking to it.
      if (filter.before !== undefined) add("time <= ? AND (time < ? OR id < ?)", filter.before.time, filter.before.time, filter.before.id);
      const sql = `SELECT ${summaryColumns} FROM requests ${where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`} ORDER BY time DESC, id DESC LIMIT ?`;
      const rows = await executor.all(sql, [...params, filter.limit]);
      return rows.map((row) => {
        const { request_body: _request, response_body: _response, ...summary } = toRequestRow(row);
        return summary;
      });
    },

    stats: (window) => computeStats(executor, window),

    async prune(beforeMs) {
      await executor.run("DELETE FROM feedback WHERE time < ?", [beforeMs]);
      return executor.run("DELETE FROM requests WHERE time < ?", [beforeMs]);
    },

    close: () => executor.close(),
  };
}

/** The rows of `owner`'s tenant: its team's, else its key's outside any team, else those logged without auth. */
function tenantCondition(owner: RequestOwner): [string, SqlValue[]] {
  if (owner.team !== null) return ["team = ?", [owner.team]];
  if (owner.keyId !== null) return ["team IS NULL AND key_id = ?", [owner.keyId]];
  return ["team IS NULL AND key_id IS NULL", []];
}

function toValues(row: RequestRow): SqlValue[] {
  return requestColumns.map((column) => {
    const value = row[column];
    return typeof value === "boolean" ? (value ? 1 : 0) : value;
  });
}


function toRequestRow(row: SqlRow): RequestRow {
  return {
    id: String(row["id"]),
    client_request_id: textOrNull(row["client_request_id"]),
    time: Number(row["time"]),
    path: String(row["path"]),
    key_id: textOrNull(row["key_id"]),
    team: textOrNull(row["team"]),
    model: textOrNull(row["model"]),
    model_version: textOrNull(row["model_version"]),
    deployment: textOrNull(row["deployment"]),
    answered_by: textOrNull(row["answered_by"]),
    stream: Number(row["stream"]) === 1,
    attempts: Number(row["attempts"]),
    status: Number(row["status"]),
    error_code: textOrNull(row["error_code"]),
    prompt_tokens: Number(row["prompt_tokens"]),
    completion_tokens: Number(row["completion_tokens"]),
    cached_tokens: Number(row["cached_tokens"]),
    cost_usd: Number(row["cost_usd"]),
    ttft_ms: numberOrNull(row["ttft_ms"]),
    latency_ms: Number(row["latency_ms"]),
    upstream_ms: numberOrNull(row["upstream_ms"]),
    cache: textOrNull(row["cache"]),
    finish_reason: textOrNull(row["finish_reason"]),
    request_body: textOrNull(row["request_body"]),
    response_body: textOrNull(row["response_body"]),
  };
}

function toFeedbackRow(row: SqlRow): FeedbackRow {
  const thumbs = row["thumbs"];
  return {
    id: String(row["id"]),
    request_id: String(row["request_id"]),
    time: Number(row["time"]),
    model: textOrNull(row["model"]),
    score: numberOrNull(row["score"]),
    thumbs: thumbs === "up" || thumbs === "down" ? thumbs : null,
    label: textOrNull(row["label"]),
    comment: textOrNull(row["comment"]),
  };
}
