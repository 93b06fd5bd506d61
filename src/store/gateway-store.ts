import { createBatchStore, type BatchStore } from "./batch-store.js";
import { createRequestStore, type RequestStore } from "./request-store.js";
import { createResponseStore, type ResponseStore } from "./response-store.js";
import type { SqlExecutor } from "./sql-executor.js";

/** The gateway's durable state: the request log, the stored Responses API responses and the Batch API's state. */
export type GatewayStore = RequestStore & ResponseStore & BatchStore;

/** Every store over one executor (the SQLite worker thread builds the same). */
export function createGatewayStore(executor: SqlExecutor): GatewayStore {
  return { ...createRequestStore(executor), ...createResponseStore(executor), ...createBatchStore(executor) };
}
