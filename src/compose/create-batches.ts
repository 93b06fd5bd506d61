import { createAimdBudget } from "../batch/aimd-budget.js";
import type { BatchConfig } from "../batch/batch-config-schema.js";
import type { BatchDispatch } from "../batch/batch-dispatch.js";
import { createBatchFiles } from "../batch/batch-files.js";
import { createBatchService } from "../batch/batch-service.js";
import { startBatchWorker, type BatchWorker } from "../batch/batch-worker.js";
import { createBatchesRoutes } from "../http/routes/batches-route.js";
import { createFilesRoutes } from "../http/routes/files-route.js";
import type { MethodHandlers } from "../http/route-table.js";
import type { Logger } from "../pipeline/logger.js";
import type { Schedule } from "../routing/clock.js";
import type { BatchStore } from "../store/batch-store.js";

export interface BatchesDeps {
  config: BatchConfig;
  store: BatchStore;
  dispatch: BatchDispatch;
  /** The gateway's interactive requests in flight (the app's count): batch work yields to them. */
  interactiveInFlight: () => number;
  /** Epoch milliseconds. */
  now: () => number;
  schedule: Schedule;
  logger: Logger;
}

/** The Batch API: its routes and this replica's worker. */
export interface Batches {
  readonly routes: ReadonlyMap<string, MethodHandlers>;
  /** Builds and starts the worker; call once the app is built (its in-flight count is the worker's signal). */
  start(): BatchWorker;
}

/** Builds /v1/files, /v1/batches and the worker that runs batches from the shared database. */
export function createBatches(deps: BatchesDeps): Batches {
  const { config } = deps;
  const files = createBatchFiles({ store: deps.store, dir: config.files_dir, maxBytes: config.max_file_bytes });
  let worker: BatchWorker | undefined;
  const service = createBatchService({ store: deps.store, files, now: deps.now, wake: () => worker?.wake() });
  return {
    routes: new Map([...createFilesRoutes({ files, now: deps.now }), ...createBatchesRoutes(service)]),
    start() {
      const budget = createAimdBudget({
        min: config.min_concurrency,
        max: Math.max(config.min_concurrency, config.max_concurrency),
        interactiveInFlight: deps.interactiveInFlight,
        yieldInFlight: config.yield_in_flight,
        latencyFactor: config.latency_factor,
      });
      worker = startBatchWorker({ store: deps.store, files, dispatch: deps.dispatch, budget, config, now: deps.now, schedule: deps.schedule, logger: deps.logger });
      return worker;
    },
  };
}
