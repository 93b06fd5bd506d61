import { createHash } from "node:crypto";
import type { BatchLineRow, BatchRow, BatchStore } from "../store/batch-store.js";
import type { BatchFiles } from "./batch-files.js";

export interface FinalizeDeps {
  store: Pick<BatchStore, "readLines" | "lineCounts">;
  files: Pick<BatchFiles, "write">;
  /** Epoch milliseconds. */
  now: () => number;
}

/** The files and final counts of a finished batch. */
export interface Finalized {
  readonly output_file_id: string | null;
  readonly error_file_id: string | null;
  readonly completed: number;
  readonly failed: number;
}

const page = 1000;

/**
 * Writes a finalizing batch's output file (answered lines) and error file (failed lines, and lines it never ran, as
 * `batch_expired` or `batch_cancelled`): every custom_id exactly once across the two. File ids come from the batch id, so
 * a finalization redone after a crash rewrites the same files instead of leaving orphans.
 */
export async function finalizeBatch(batch: BatchRow, deps: FinalizeDeps): Promise<Finalized> {
  const counts = { completed: 0, failed: 0 };
  const unfinished = batch.end_status === "expired" ? { code: "batch_expired", message: "This request could not be executed before the completion window expired." } : { code: "batch_cancelled", message: "This request was not executed because the batch was cancelled." };

  async function* entries(kind: "output" | "error"): AsyncGenerator<string> {
    for (let after = 0; ; ) {
      const lines = await deps.store.readLines(batch.id, after, page);
      for (const line of lines) {
        const answered = line.state === "done" && line.outcome === "completed";
        if (answered !== (kind === "output")) continue;
        counts[answered ? "completed" : "failed"]++;
        yield `${JSON.stringify(outputLine(batch.id, line, unfinished))}\n`;
      }
      const last = lines.at(-1);
      if (last === undefined || lines.length < page) return;
      after = last.line;
    }
  }

  // Answered lines are known before writing (their count is one indexed query), so an empty file is never written.
  const answered = (await deps.store.lineCounts(batch.id)).completed;
  const created_at = Math.floor(deps.now() / 1000);
  const suffix = batch.id.replace(/^batch_/, "");
  const write = async (kind: "output" | "error", count: number): Promise<string | null> =>
    count === 0 ? null : (await deps.files.write({ id: `file-${suffix}-${kind}`, tenant: batch.tenant, purpose: "batch_output", filename: `${batch.id}_${kind}.jsonl`, created_at }, entries(kind))).id;
  const output_file_id = await write("output", answered);
  const error_file_id = await write("error", batch.total - answered);
  return { output_file_id, error_file_id, completed: counts.completed, failed: counts.failed };
}

/** One line of the output or error file, as OpenAI writes them. */
function outputLine(batchId: string, line: BatchLineRow, unfinished: { code: string; message: string }): Record<string, unknown> {
  const id = `batch_req_${createHash("sha256").update(`${batchId}:${line.line}`).digest("hex").slice(0, 24)}`;
  if (line.state !== "done" || line.result === null) return { id, custom_id: line.custom_id, response: null, error: unfinished };
  return { id, custom_id: line.custom_id, response: JSON.parse(line.result) as unknown, error: null };
}
