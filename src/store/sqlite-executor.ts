import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { SqlExecutor, SqlStatements, SqlValue } from "./sql-executor.js";

/**
 * SQLite through better-sqlite3. Its calls are synchronous, so this executor belongs inside the store's worker
 * thread (sqlite-worker.ts), never on the gateway's event loop.
 */
export function createSqliteExecutor(path: string): SqlExecutor {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last transactions.
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  // Stats scan whole covering indexes; reading them through a memory map instead of read() calls is ~20% faster.
  db.pragma("mmap_size = 268435456");
  const prepared = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let statement = prepared.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      prepared.set(sql, statement);
    }
    return statement;
  };
  const statements: SqlStatements = {
    all: async (sql, params = []) => prepare(sql).all(...params) as Record<string, unknown>[],
    run: async (sql, params = []) => (/^\s*(CREATE|DROP|ALTER)\b/i.test(sql) ? (db.exec(sql), 0) : prepare(sql).run(...params).changes),
  };
  return {
    dialect: "sqlite",
    ...statements,
    async insertMany(table, columns, rows) {
      const statement = prepare(`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")}) ON CONFLICT (id) DO NOTHING`);
      db.transaction((batch: readonly (readonly SqlValue[])[]) => {
        for (const row of batch) statement.run(...row);
      })(rows);
    },
    async withMigrationLock(apply) {
      // IMMEDIATE takes the write lock up front, so a second process waits (busy_timeout) instead of racing. The
      // connection is this thread's only one, so the transaction's statements are the executor's own.
      db.exec("BEGIN IMMEDIATE");
      try {
        await apply(statements);
        db.exec("COMMIT");
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
    },
    async close() {
      prepared.clear();
      db.close();
    },
  };
}
