import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Logger } from "../pipeline/logger.js";
import type { Principal } from "../pipeline/principal.js";
import type { JsonObject } from "../protocol/openai-responses.js";
import type { Schedule } from "../routing/clock.js";
import type { BatchLineRow, BatchRow, BatchStore, ChunkClaim } from "../store/batch-store.js";
import type { AimdBudget } from "./aimd-budget.js";
import type { BatchConfig } from "./batch-config-schema.js";
import type { BatchDispatch } from "./batch-dispatch.js";
import { batchEndpoints } from "./batch-endpoints.js";
import type { BatchFiles } from "./batch-files.js";
import { finalizeBatch } from "./finalize-batch.js";
import { validateBatch } from "./validate-batch.js";

export interface BatchWorkerDeps {
  store: BatchStore;
  files: BatchFiles;
  dispatch: BatchDispatch;
  budget: AimdBudget;
  config: Pick<BatchConfig, "chunk_lines" | "lease_ms" | "poll_ms" | "chunks_per_worker" | "max_lines">;
  /** Epoch milliseconds (leases, expiry). */
  now: () => number;
  schedule: Schedule;
  logger: Logger;
}

/** This replica's batch worker. */
export interface BatchWorker {
  /** Looks for work now instead of at the next poll. */
  wake(): void;
  /** Stops claiming, lets lines in flight finish and releases their chunks. */
  stop(): Promise<void>;
}

/**
 * Starts the worker: each round it moves batches between statuses, runs one validating or finalizing step it can
 * lease, and claims chunks up to `chunks_per_worker`. A chunk's lease is renewed every third of `lease_ms` while its
 * lines run; a worker that dies stops renewing, and any replica takes the chunk over once the lease has lapsed. Each
 * line's answer is committed in the statement that marks the line done, so a takeover redoes only unanswered lines.
 */
export function startBatchWorker(deps: BatchWorkerDeps): BatchWorker {
  const owner = `worker-${randomBytes(8).toString("hex")}`;
  const { config, store, logger } = deps;
  const active = new Set<Promise<void>>();
  const stopping = new AbortController();
  let round: Promise<void> | undefined;
  let again = false;
  let cancelTimer: (() => void) | undefined;

  function wake(): void {
    if (stopping.signal.aborted) return;
    if (round !== undefined) {
      again = true;
      return;
    }
    cancelTimer?.();
    round = runRound()
      .catch((error: unknown) => logger.warn({ err: error }, "batch worker round failed"))
      .finally(() => {
        round = undefined;
        if (again) {
          again = false;
          wake();
        } else if (!stopping.signal.aborted) cancelTimer = deps.schedule(wake, config.poll_ms);
      });
  }

  async function runRound(): Promise<void> {
    await store.advanceBatches(deps.now());
    const step = await store.claimBatchStep(owner, deps.now(), config.lease_ms);
    if (step !== undefined) {
      await runStep(step);
      again = true;
    }
    while (active.size < config.chunks_per_worker && !stopping.signal.aborted) {
      const claim = await store.claimChunk(owner, deps.now(), config.lease_ms);
      if (claim === undefined) break;
      const work = runChunk(claim)
        .catch((error: unknown) => logger.warn({ err: error, batch_id: claim.batch_id, chunk: claim.chunk }, "batch chunk failed; its lease will lapse and another worker takes it over"))
        .finally(() => {
          active.delete(work);
          wake();
        });
      active.add(work);
    }
  }

  /** Validates or finalizes a leased batch. */
  async function runStep(batch: BatchRow): Promise<void> {
    const now = (): number => Math.floor(deps.now() / 1000);
    if (batch.status === "validating") {
      const input = await deps.files.get(batch.input_file_id, undefined);
      const result = await validateBatch(batch, { store, open: () => deps.files.open(input), maxLines: config.max_lines, chunkLines: config.chunk_lines });
      const fields: Partial<BatchRow> =
        "lines" in result
          ? { status: "in_progress", in_progress_at: now(), total: result.lines, lease_owner: null, lease_expires_at: 0 }
          : { status: "failed", failed_at: now(), errors: JSON.stringify({ object: "list", data: result.errors }), lease_owner: null, lease_expires_at: 0 };
      await store.updateBatch(batch.id, fields, ["validating"], owner);
      return;
    }
    const finished = await finalizeBatch(batch, { store, files: deps.files, now: deps.now });
    const end = batch.end_status ?? "completed";
    await store.updateBatch(batch.id, { ...finished, status: end, [`${end}_at`]: now(), lease_owner: null, lease_expires_at: 0 }, ["finalizing"], owner);
  }

  /** Runs a claimed chunk's pending lines (identical requests once), renewing its lease until done or told to stop. */
  async function runChunk(claim: ChunkClaim): Promise<void> {
    const batch = await store.getBatch(claim.batch_id, undefined);
    const endpoint = batch === undefined ? undefined : batchEndpoints.get(batch.endpoint);
    if (batch === undefined || endpoint === undefined) return;
    const principal = batch.principal === null ? undefined : (JSON.parse(batch.principal) as Principal);
    // Stops launching lines: the lease was lost, the batch left in_progress (cancelled, expired) or the gateway is closing.
    const halt = new AbortController();
    const onStop = (): void => halt.abort();
    stopping.signal.addEventListener("abort", onStop);
    let cancelRenew: (() => void) | undefined;
    const renew = (): void => {
      cancelRenew = deps.schedule(() => {
        void store
          .renewChunk(claim.id, owner, deps.now() + config.lease_ms)
          .then(({ held, batchStatus }) => {
            if (!held || batchStatus !== "in_progress") halt.abort();
            else if (!halt.signal.aborted) renew();
          })
          .catch((error: unknown) => logger.warn({ err: error, batch_id: claim.batch_id }, "renewing a batch chunk lease failed"));
      }, config.lease_ms / 3);
    };
    renew();
    try {
      const groups = new Map<string, BatchLineRow>();
      for (const line of await store.pendingLines(claim.batch_id, claim.chunk)) if (!groups.has(line.body_hash)) groups.set(line.body_hash, line);
      const running = new Set<Promise<void>>();
      let failure: unknown;
      for (const line of groups.values()) {
        const release = await deps.budget.acquire();
        if (halt.signal.aborted) {
          release();
          break;
        }
        const started = performance.now();
        // A cancel lets lines in flight finish; only closing the gateway aborts them, and then nothing is committed.
        const call = deps
          .dispatch({ principal, operation: endpoint.operation, body: JSON.parse(line.body) as JsonObject, signal: stopping.signal })
          .then(async (reply) => {
            if (stopping.signal.aborted) return;
            deps.budget.observe(performance.now() - started);
            const result = JSON.stringify({ status_code: reply.statusCode, request_id: reply.requestId, body: reply.body, ...(reply.modelVersion === undefined ? {} : { model_version: reply.modelVersion }) });
            await store.completeLines(claim.batch_id, line.body_hash, reply.statusCode < 400 ? "completed" : "failed", result);
          })
          .catch((error: unknown) => {
            failure ??= error;
            halt.abort();
          })
          .finally(() => {
            release();
            running.delete(call);
          });
        running.add(call);
      }
      await Promise.all(running);
      if (failure !== undefined) throw failure;
    } finally {
      cancelRenew?.();
      stopping.signal.removeEventListener("abort", onStop);
      await store.finishChunk(claim, owner);
    }
  }

  cancelTimer = deps.schedule(wake, 0);
  logger.info({ worker: owner }, "batch worker started");
  return {
    wake,
    async stop() {
      stopping.abort();
      cancelTimer?.();
      await round;
      await Promise.allSettled([...active]);
    },
  };
}
