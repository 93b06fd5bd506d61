import { z } from "zod";

/** Where durable state lives: an embedded SQLite file by default, PostgreSQL when `url` is set. */
export const databaseConfigSchema = z.strictObject({
  /** The SQLite file (WAL mode); relative paths resolve against the working directory. */
  path: z.string().min(1).default("./.gantry/gantry.db"),
  /** A PostgreSQL connection URL (`postgres://…`); when set, `path` is ignored. */
  url: z.string().regex(/^postgres(ql)?:\/\//, "a postgres:// or postgresql:// URL").optional(),
  /** Request-log rows (and their feedback) older than this are pruned. */
  retention_days: z.number().int().min(1).max(3650).default(30),
});

/** The per-request log written to the database off the hot path. */
export const requestLogConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Store the forwarded (already redacted) prompt and the answer, each capped at `max_body_bytes`. */
  bodies: z.boolean().default(false),
  max_body_bytes: z.number().int().min(0).max(1024 * 1024).default(8192),
  /** Rows waiting to be written; beyond this rows are dropped and counted (`gantry_request_log_dropped_total`). */
  queue_size: z.number().int().min(1).max(1_000_000).default(10_000),
});

export type DatabaseConfig = z.output<typeof databaseConfigSchema>;
export type RequestLogConfig = z.output<typeof requestLogConfigSchema>;

/** Stored Responses API responses (`POST /v1/responses` with `store`, which defaults to true). */
export const responsesConfigSchema = z.strictObject({
  /** Keep responses for GET /v1/responses/:id and previous_response_id; false = nothing is stored (as if every request said store: false). */
  store: z.boolean().default(true),
  /** Stored responses are gone (404) this many days after creation, and pruned hourly. */
  ttl_days: z.number().int().min(1).max(3650).default(30),
});

export type ResponsesConfig = z.output<typeof responsesConfigSchema>;
