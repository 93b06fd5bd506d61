// The slice of better-sqlite3's API the store uses (the package ships no types; @types/better-sqlite3 is not installed).
declare module "better-sqlite3" {
  namespace Database {
    interface RunResult {
      changes: number;
      lastInsertRowid: number | bigint;
    }
    interface Statement {
      run(...params: unknown[]): RunResult;
      get(...params: unknown[]): unknown;
      all(...params: unknown[]): unknown[];
    }
    interface Database {
      prepare(sql: string): Statement;
      exec(sql: string): this;
      pragma(source: string, options?: { simple?: boolean }): unknown;
      transaction<Args extends unknown[], Result>(fn: (...args: Args) => Result): (...args: Args) => Result;
      close(): this;
    }
  }
  const Database: new (filename: string, options?: { readonly?: boolean; timeout?: number }) => Database.Database;
  export default Database;
}
