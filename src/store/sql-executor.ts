/** A value bound to a SQL parameter. */
export type SqlValue = string | number | null;

/** A result row as the driver returns it. */
export type SqlRow = Readonly<Record<string, unknown>>;

/**
 * Plain statements: those run inside a transaction (on its one connection), or a feature's own tables in the gateway's
 * database (alerts), through the executor itself or the SQLite worker store's proxy.
 */
export type SqlStatements = Pick<SqlExecutor, "all" | "run">;

/**
 * The little the request store needs from a database. SQL uses `?` placeholders and runs unchanged on SQLite
 * and PostgreSQL; the few dialect differences (placeholders, bulk insert, migration lock) live in the executors.
 */
export interface SqlExecutor {
  readonly dialect: "sqlite" | "postgres";
  all(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  /** Runs a statement; resolves with the rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Inserts many rows in one transaction, skipping rows whose `id` already exists. */
  insertMany(table: string, columns: readonly string[], rows: readonly (readonly SqlValue[])[]): Promise<void>;
  /**
   * Runs `apply` in one transaction holding a lock that other processes migrating the same database wait for;
   * `apply` must issue its statements through `transaction`. Commits when it resolves, rolls back when it throws.
   */
  withMigrationLock(apply: (transaction: SqlStatements) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}
