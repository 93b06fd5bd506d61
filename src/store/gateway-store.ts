import { createDriftSampleStore, type DriftSampleStore } from "./drift-sample-store.js";
import { createRequestStore, type RequestStore } from "./request-store.js";
import { createResponseStore, type ResponseStore } from "./response-store.js";
import type { SqlExecutor } from "./sql-executor.js";

/** The gateway's durable state: the request log, the stored Responses API responses and the drift samples. */
export type GatewayStore = RequestStore & ResponseStore & DriftSampleStore;

/** Both stores over one executor (the SQLite worker thread builds the same). */
export function createGatewayStore(executor: SqlExecutor): GatewayStore {
  return { ...createRequestStore(executor), ...createResponseStore(executor), ...createDriftSampleStore(executor) };
}
