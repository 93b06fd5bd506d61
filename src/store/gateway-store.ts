import { createRequestStore, type RequestStore } from "./request-store.js";
import { createResponseStore, type ResponseStore } from "./response-store.js";
import { createRollupStore, type RollupStore } from "./rollup-store.js";
import type { SqlExecutor } from "./sql-executor.js";

/** The gateway's durable state: the request log, its per-minute rollups and the stored Responses API responses. */
export type GatewayStore = RequestStore & ResponseStore & RollupStore;

/** The stores over one executor (the SQLite worker thread builds the same). */
export function createGatewayStore(executor: SqlExecutor): GatewayStore {
  return { ...createRequestStore(executor), ...createResponseStore(executor), ...createRollupStore(executor) };
}
