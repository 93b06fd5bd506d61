import { createDriftSampleStore, type DriftSampleStore } from "./drift-sample-store.js";
import { createRequestStore, type RequestStore } from "./request-store.js";
import { createResponseStore, type ResponseStore } from "./response-store.js";
import { createRollupStore, type RollupStore } from "./rollup-store.js";
import type { SqlExecutor, SqlStatements } from "./sql-executor.js";

/** The gateway's durable state: the request log, its per-minute rollups, the stored Responses API responses, drift samples. */
export type GatewayStore = RequestStore &
  ResponseStore &
  RollupStore &
  DriftSampleStore & {
    /** Plain SQL for the features that keep their own tables in the same database (alerts). */
    readonly sql: SqlStatements;
  };

/** The stores over one executor (the SQLite worker thread builds the same). */
export function createGatewayStore(executor: SqlExecutor): GatewayStore {
  return { ...createRequestStore(executor), ...createResponseStore(executor), ...createRollupStore(executor), ...createDriftSampleStore(executor), sql: { all: executor.all, run: executor.run } };
}
