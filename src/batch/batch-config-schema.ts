import { z } from "zod";

/** The Batch API (docs/batches.md): where files live, the limits of a batch, and how workers claim and pace its lines. */
export const batchConfigSchema = z.strictObject({
  /** Serve /v1/files and /v1/batches and run batch work on this replica (needs the database). */
  enabled: z.boolean().default(true),
  /** Uploaded and batch-written files; relative paths resolve against the working directory. Every replica must see the same directory. */
  files_dir: z.string().min(1).default("./.gantry/files"),
  /** Largest upload, in bytes (OpenAI's limit: 200 MB). */
  max_file_bytes: z.number().int().min(1).max(1024 * 1024 * 1024).default(200 * 1024 * 1024),
  /** Most lines in one batch's input file (OpenAI's limit: 50,000). */
  max_lines: z.number().int().min(1).max(1_000_000).default(50_000),
  /** Lines per chunk: the unit of work a replica leases. */
  chunk_lines: z.number().int().min(1).max(10_000).default(100),
  /** A lease not renewed for this long is taken over by another worker; renewed every third of it. */
  lease_ms: z.number().int().min(100).max(3_600_000).default(30_000),
  /** How often an idle worker looks for work. */
  poll_ms: z.number().int().min(10).max(60_000).default(1000),
  /** Chunks one replica works on at once. */
  chunks_per_worker: z.number().int().min(1).max(64).default(2),
  /** The batch concurrency budget (lines in flight per replica): AIMD between these bounds, see docs/batches.md. */
  min_concurrency: z.number().int().min(1).max(1024).default(1),
  max_concurrency: z.number().int().min(1).max(1024).default(8),
  /** Interactive requests in flight at or above which the budget halves. */
  yield_in_flight: z.number().int().min(1).max(100_000).default(4),
  /** The budget also halves when batch line latency exceeds this multiple of its best recent latency. */
  latency_factor: z.number().min(1).max(100).default(2),
  /** Share taken off the price of batch tokens in the accounting (0.5 = half price; budgets see the discounted cost). */
  discount: z.number().min(0).max(1).default(0),
});

export type BatchConfig = z.output<typeof batchConfigSchema>;
