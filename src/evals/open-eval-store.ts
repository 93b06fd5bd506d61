import { createPostgresExecutor } from "../store/postgres-executor.js";
import { createSqliteExecutor } from "../store/sqlite-executor.js";
import { migrate } from "../store/migrations.js";
import { createEvalStore, type EvalStore } from "./eval-store.js";

/**
 * Opens and migrates the eval database: PostgreSQL when `url` is set, else the SQLite file. SQLite runs on this
 * thread: the eval CLI is a batch tool whose writes are one small row per answer, not a request path.
 */
export async function openEvalStore(database: { path: string; url?: string | undefined }): Promise<EvalStore> {
  const executor = database.url === undefined ? createSqliteExecutor(database.path) : createPostgresExecutor(database.url);
  try {
    await migrate(executor);
  } catch (error) {
    await executor.close().catch(() => undefined);
    throw error;
  }
  return createEvalStore(executor);
}
