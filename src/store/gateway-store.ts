import { createBatchStore, type BatchStore } from "./batch-store.js";
import { createDriftSampleStore, type DriftSampleStore } from "./drift-sample-store.js";
import { createRequestStore, type RequestStore } from "./request-store.js";
import { createResponseStore, type ResponseStore } from "./response-store.js";
import { createRegistryStore, type RegistryStore } from "./registry-store.js";
import { createRollupStore, type RollupStore } from "./rollup-store.js";
import type { SqlExecutor, SqlStatements } from "./sql-executor.js";

/** The gateway's durable state: the request log, its rollups, stored Responses API responses, drift samples, the model registry, the Batch API's state. */
export type GatewayStore = RequestStore &
  ResponseStore &
  RollupStore &
  DriftSampleStore &
  RegistryStore &
  BatchStore & {
    /** Plain SQL for the features that keep their own tables in the same database (alerts). */
    readonly sql: SqlStatements;
  };

/** Every store over one executor (the SQLite worker thread builds the same). */
export function createGatewayStore(executor: SqlExecutor): GatewayStore {
  return {
    ...createRequestStore(executor),
    ...createResponseStore(executor),
    ...createRollupStore(executor),
    ...createDriftSampleStore(executor),
    ...createRegistryStore(executor),
    ...createBatchStore(executor),
    sql: { all: executor.all, run: executor.run },
  };
}
