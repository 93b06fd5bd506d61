import { createPostgresExecutor } from "./postgres-executor.js";
import { createRequestStore, type RequestStore } from "./request-store.js";
import { createSqliteWorkerStore } from "./sqlite-worker-store.js";
import type { DatabaseConfig } from "./store-config-schema.js";

/** Opens the configured database (PostgreSQL when `url` is set, else the embedded SQLite file) and migrates it. */
export async function openStore(config: Pick<DatabaseConfig, "path" | "url">): Promise<RequestStore> {
  const store = config.url === undefined ? createSqliteWorkerStore(config.path) : createRequestStore(createPostgresExecutor(config.url));
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
