import type { BatchFileRow, BatchRow } from "../store/batch-store.js";

/** A file as OpenAI's API shows it. */
export function fileObject(row: BatchFileRow): Record<string, unknown> {
  return { id: row.id, object: "file", bytes: row.bytes, created_at: row.created_at, filename: row.filename, purpose: row.purpose, status: "processed", status_details: null };
}

/** A batch as OpenAI's API shows it; `counts` are live counts while lines are still running. */
export function batchObject(row: BatchRow, counts: { completed: number; failed: number } = row): Record<string, unknown> {
  return {
    id: row.id,
    object: "batch",
    endpoint: row.endpoint,
    errors: row.errors === null ? null : (JSON.parse(row.errors) as unknown),
    input_file_id: row.input_file_id,
    completion_window: row.completion_window,
    status: row.status,
    output_file_id: row.output_file_id,
    error_file_id: row.error_file_id,
    created_at: row.created_at,
    in_progress_at: row.in_progress_at,
    expires_at: row.expires_at,
    finalizing_at: row.finalizing_at,
    completed_at: row.completed_at,
    failed_at: row.failed_at,
    expired_at: row.expired_at,
    cancelling_at: row.cancelling_at,
    cancelled_at: row.cancelled_at,
    request_counts: { total: row.total, completed: counts.completed, failed: counts.failed },
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as unknown),
  };
}
