import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { RequestStore } from "./request-store.js";

type Reply = { id: number; result: unknown } | { id: number; error: string };

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** The embedded SQLite store, run in a worker thread; every method is a message round trip. */
export function createSqliteWorkerStore(path: string): RequestStore {
  const worker = spawnWorker(path);
  // An idle store never keeps the process alive; a pending call does (else a final flush could be cut off).
  worker.unref();
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let failure: Error | undefined;
  const failAll = (error: Error): void => {
    failure ??= error;
    for (const call of pending.values()) call.reject(error);
    pending.clear();
  };
  worker.on("message", (reply: Reply) => {
    const call = pending.get(reply.id);
    if (call === undefined) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if ("error" in reply) call.reject(new Error(reply.error));
    else call.resolve(reply.result);
  });
  worker.on("error", failAll);
  worker.on("exit", () => failAll(new Error("the SQLite store's worker has exited")));

  function call<T>(method: keyof RequestStore, ...args: unknown[]): Promise<T> {
    if (failure !== undefined) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, method, args });
    });
  }

  let closing: Promise<void> | undefined;
  return {
    migrate: () => call("migrate"),
    insertRequests: (rows) => call("insertRequests", rows),
    insertFeedback: (feedback) => call("insertFeedback", feedback),
    getRequest: (id) => call("getRequest", id),
    listRequests: (filter) => call("listRequests", filter),
    stats: (window) => call("stats", window),
    prune: (beforeMs) => call("prune", beforeMs),
    close: () =>
      (closing ??= (async () => {
        const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
        if (failure === undefined) await call("close").catch(() => undefined);
        // Held until the worker has closed the database and exited, so a shutting-down process waits for it.
        worker.ref();
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
        clearTimeout(timer);
        await worker.terminate();
      })()),
  };
}

/** Starts the worker from the compiled .js, or from the .ts source through tsx when running from source (tests, tsx). */
function spawnWorker(path: string): Worker {
  const compiled = new URL("./sqlite-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return new Worker(compiled, { workerData: { path } });
  // Running from source: register tsx inside the worker first (a worker does not inherit the parent's loaders).
  const source = new URL("./sqlite-worker.ts", import.meta.url).href;
  const tsxApi = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist/esm/api/index.mjs")).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: { path } });
}
