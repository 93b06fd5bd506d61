import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate } from "../../src/store/migrations.js";
import { createSqliteExecutor } from "../../src/store/sqlite-executor.js";
import type { SqlExecutor } from "../../src/store/sql-executor.js";

/** A fresh SQLite file path in its own temporary directory. */
export function tempDatabasePath(): string {
  return join(mkdtempSync(join(tmpdir(), "gantry-alerts-")), "gantry.db");
}

/** Opens (and migrates) a SQLite database at `path`; several may share one file, as replicas would. */
export async function openSqlite(path: string): Promise<SqlExecutor> {
  const executor = createSqliteExecutor(path);
  await migrate(executor);
  return executor;
}
