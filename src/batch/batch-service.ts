import { randomBytes } from "node:crypto";
import { z } from "zod";
import { GatewayError } from "../errors/gateway-error.js";
import { validateRequest } from "../protocol/validate-request.js";
import type { BatchRow, BatchStore, ListPage } from "../store/batch-store.js";
import { batchEndpoints } from "./batch-endpoints.js";
import type { BatchFiles } from "./batch-files.js";

/** OpenAI's metadata limits: 16 pairs, keys up to 64 characters, values up to 512. */
const metadataSchema = z
  .record(z.string().max(64), z.string().max(512))
  .refine((value) => Object.keys(value).length <= 16, "metadata has at most 16 pairs");

/** POST /v1/batches' body. */
export const createBatchSchema = z.strictObject({
  input_file_id: z.string().min(1),
  endpoint: z.string().refine((value) => batchEndpoints.has(value), `endpoint must be one of ${[...batchEndpoints.keys()].join(", ")}`),
  completion_window: z.literal("24h"),
  metadata: metadataSchema.nullish(),
});

const windowSeconds = 24 * 3600;
/** Statuses a batch can still be cancelled from. */
const cancellable = ["validating", "in_progress"];
/** Statuses whose request counts still move: read them live from the lines. */
const running = new Set(["in_progress", "cancelling", "finalizing"]);

/** The Batch API's operations for one tenant's batches. */
export interface BatchService {
  create(tenant: string, principal: string | null, body: unknown): Promise<BatchRow>;
  get(id: string, tenant: string): Promise<{ row: BatchRow; counts: { completed: number; failed: number } }>;
  list(tenant: string, after: string | undefined, limit: number): Promise<ListPage<BatchRow>>;
  /** Stops new lines from being claimed; lines in flight finish, then the batch ends `cancelled` with what it has. */
  cancel(id: string, tenant: string): Promise<BatchRow>;
}

export interface BatchServiceDeps {
  store: Pick<BatchStore, "insertBatch" | "getBatch" | "listBatches" | "updateBatch" | "lineCounts">;
  files: Pick<BatchFiles, "get">;
  /** Epoch milliseconds. */
  now: () => number;
  /** Called after a change a worker should act on at once (a new batch, a cancel). */
  wake: () => void;
}

/** Creates the service; the work itself is the batch worker's. */
export function createBatchService(deps: BatchServiceDeps): BatchService {
  async function load(id: string, tenant: string): Promise<BatchRow> {
    const row = await deps.store.getBatch(id, tenant);
    if (row === undefined) throw new GatewayError("batch_not_found", { message: `No such Batch object: ${id}`, param: "batch_id" });
    return row;
  }

  return {
    async create(tenant, principal, body) {
      const request = validateRequest(createBatchSchema, body);
      const file = await deps.files.get(request.input_file_id, tenant);
      if (file.purpose !== "batch") throw new GatewayError("invalid_request", { message: `File ${file.id} has purpose '${file.purpose}'; a batch reads a file with purpose 'batch'.`, param: "input_file_id" });
      const now = Math.floor(deps.now() / 1000);
      const row: BatchRow = {
        id: `batch_${randomBytes(12).toString("hex")}`,
        tenant,
        principal,
        endpoint: request.endpoint,
        input_file_id: file.id,
        completion_window: request.completion_window,
        status: "validating",
        end_status: null,
        metadata: request.metadata === undefined || request.metadata === null ? null : JSON.stringify(request.metadata),
        errors: null,
        output_file_id: null,
        error_file_id: null,
        total: 0,
        completed: 0,
        failed: 0,
        created_at: now,
        expires_at: now + windowSeconds,
        in_progress_at: null,
        finalizing_at: null,
        completed_at: null,
        failed_at: null,
        expired_at: null,
        cancelling_at: null,
        cancelled_at: null,
        lease_owner: null,
        lease_expires_at: 0,
      };
      await deps.store.insertBatch(row);
      deps.wake();
      return row;
    },

    async get(id, tenant) {
      const row = await load(id, tenant);
      return { row, counts: running.has(row.status) ? await deps.store.lineCounts(id) : row };
    },

    list: (tenant, after, limit) => deps.store.listBatches(tenant, after, limit),

    async cancel(id, tenant) {
      const row = await load(id, tenant);
      if (row.status === "cancelling" || row.status === "cancelled") return row;
      if (!(await deps.store.updateBatch(id, { status: "cancelling", cancelling_at: Math.floor(deps.now() / 1000) }, cancellable))) {
        throw new GatewayError("batch_not_cancellable", { message: `Batch ${id} is ${(await load(id, tenant)).status} and cannot be cancelled.` });
      }
      deps.wake();
      return load(id, tenant);
    },
  };
}
