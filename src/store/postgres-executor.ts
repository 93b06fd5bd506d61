import pg from "pg";
import type { SqlExecutor, SqlValue } from "./sql-executor.js";

// PostgreSQL caps a statement at 65,535 parameters.
const maxParameters = 60_000;
// Any fixed key: serialises concurrent migrations of the same database across gateway replicas.
const migrationLockKey = 7_461_029;
const int8Oid = 20;
const numericOid = 1700;

/** PostgreSQL through a small pg pool; bigint and numeric come back as numbers (counts, sums and epoch ms fit). */
export function createPostgresExecutor(url: string, options: { maxConnections?: number } = {}): SqlExecutor {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 4,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === int8Oid || oid === numericOid ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection must not crash the gateway; the next query reconnects.
  pool.on("error", () => undefined);
  return {
    dialect: "postgres",
    all: async (sql, params = []) => (await pool.query(numbered(sql), [...params])).rows as Record<string, unknown>[],
    run: async (sql, params = []) => (await pool.query(numbered(sql), [...params])).rowCount ?? 0,
    async insertMany(table, columns, rows) {
      const perStatement = Math.max(1, Math.floor(maxParameters / columns.length));
      for (let start = 0; start < rows.length; start += perStatement) {
        const chunk = rows.slice(start, start + perStatement);
        const values: SqlValue[] = [];
        const tuples = chunk.map((row) => {
          const first = values.length;
          values.push(...row);
          return `(${row.map((_value, index) => `$${first + index + 1}`).join(", ")})`;
        });
        await pool.query(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ${tuples.join(", ")} ON CONFLICT (id) DO NOTHING`, values);
      }
    },
    async withMigrationLock(apply) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query("BEGIN");
        try {
          // Held until COMMIT or ROLLBACK: nothing can leave the lock held on a pooled connection.
          await client.query("SELECT pg_advisory_xact_lock($1)", [migrationLockKey]);
          await apply({
            all: async (sql, params = []) => (await client.query(numbered(sql), [...params])).rows as Record<string, unknown>[],
            run: async (sql, params = []) => (await client.query(numbered(sql), [...params])).rowCount ?? 0,
          });
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK").catch(() => (broken = true));
          throw error;
        }
      } finally {
        // A connection whose rollback failed is in an unknown state: destroy it rather than pool it.
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

/** `?` placeholders to PostgreSQL's `$n` (the store's SQL has no `?` inside literals). */
function numbered(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}
