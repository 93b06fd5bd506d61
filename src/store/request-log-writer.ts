import type { RequestRow } from "./request-row.js";
import type { RequestStore } from "./request-store.js";

/** Queues request-log rows on the hot path and writes them to the store in batches, off it. */
export interface RequestLogWriter {
  /** Never blocks and never throws: when the queue is full the row is dropped and counted. */
  append(row: RequestRow): void;
  /** Resolves once every row appended so far is written (or dropped). */
  flush(): Promise<void>;
  /** Flushes, then refuses further rows. */
  close(): Promise<void>;
  /** Rows dropped so far (queue full or a failed write). */
  dropped(): number;
}

export interface RequestLogWriterOptions {
  store: Pick<RequestStore, "insertRequests">;
  /** Rows queued or being written at most; more are dropped. */
  queueSize: number;
  batchSize?: number;
  /** How long a row may wait for its batch to fill. */
  flushIntervalMs?: number;
  onDrop?(count: number, reason: "queue_full" | "write_failed", error?: unknown): void;
}

/** Creates the batching writer; its timer is unref'd, so it never holds the process open. */
export function createRequestLogWriter(options: RequestLogWriterOptions): RequestLogWriter {
  const batchSize = options.batchSize ?? 500;
  const intervalMs = options.flushIntervalMs ?? 100;
  let queue: RequestRow[] = [];
  let writing = 0;
  let droppedRows = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();

  const drop = (count: number, reason: "queue_full" | "write_failed", error?: unknown): void => {
    droppedRows += count;
    options.onDrop?.(count, reason, error);
  };

  // One batch at a time, in order: the store sees rows as they were appended.
  function writeBatch(): Promise<void> {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (queue.length === 0) return chain;
    const batch = queue.length <= batchSize ? queue : queue.slice(0, batchSize);
    queue = queue.length <= batchSize ? [] : queue.slice(batchSize);
    writing += batch.length;
    chain = chain.then(async () => {
      try {
        await options.store.insertRequests(batch);
      } catch (error) {
        drop(batch.length, "write_failed", error);
      } finally {
        writing -= batch.length;
      }
    });
    if (queue.length > 0) return writeBatch();
    return chain;
  }

  return {
    append(row) {
      if (closed || queue.length + writing >= options.queueSize) return drop(1, "queue_full");
      queue.push(row);
      if (queue.length >= batchSize) void writeBatch();
      else if (timer === undefined) {
        timer = setTimeout(() => void writeBatch(), intervalMs);
        timer.unref();
      }
    },
    async flush() {
      await writeBatch();
    },
    async close() {
      await writeBatch();
      closed = true;
    },
    dropped: () => droppedRows,
  };
}
