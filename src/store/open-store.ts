import { createGatewayStore, type GatewayStore } from "./gateway-store.js";
import { createPostgresExecutor } from "./postgres-executor.js";
import { createSqliteWorkerStore } from "./sqlite-worker-store.js";
import type { DatabaseConfig } from "./store-config-schema.js";

/** Opens the configured database (PostgreSQL when `url` is set, else the embedded SQLite file) and migrates it. */
export async function openStore(config: Pick<DatabaseConfig, "path" | "url">): Promise<GatewayStore> {
  const store = config.url === undefined ? createSqliteWorkerStore(config.path) : createGatewayStore(createPostgresExecutor(config.url));
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
