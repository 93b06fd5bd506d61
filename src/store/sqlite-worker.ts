// The SQLite store's own thread: better-sqlite3 is synchronous, so every write and query runs here, off the
// gateway's event loop. Messages are `{ id, method, args }`; replies are `{ id, result }` or `{ id, error }`.
import { parentPort, workerData } from "node:worker_threads";
import { createGatewayStore, type GatewayStore } from "./gateway-store.js";
import { createSqliteExecutor } from "./sqlite-executor.js";

interface Call {
  readonly id: number;
  /** A store method, `query`: one SELECT (the parallel scans of `stats`, features' reads), or `run`: one other statement. */
  readonly method: Exclude<keyof GatewayStore, "sql"> | "query" | "run";
  readonly args: unknown[];
}

const port = parentPort;
if (port === null) throw new Error("sqlite-worker.ts runs as a worker thread");
const { path } = workerData as { path: string };
const executor = createSqliteExecutor(path);
const store = createGatewayStore(executor);
const methods = store as unknown as Record<Exclude<keyof GatewayStore, "sql">, (...args: unknown[]) => Promise<unknown>>;

port.on("message", (call: Call) => {
  void (async () => {
    try {
      const result =
        call.method === "query"
          ? await executor.all(...(call.args as Parameters<typeof executor.all>))
          : call.method === "run"
            ? await executor.run(...(call.args as Parameters<typeof executor.run>))
            : await methods[call.method](...call.args);
      port.postMessage({ id: call.id, result });
      if (call.method === "close") port.close();
    } catch (error) {
      port.postMessage({ id: call.id, error: error instanceof Error ? error.message : String(error) });
    }
  })();
});
