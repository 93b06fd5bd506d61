import { spawnModuleWorker } from "./module-worker.js";
import { batchStoreMethods, type BatchStore } from "./batch-store.js";
import type { GatewayStore } from "./gateway-store.js";
import { computeStats } from "./request-stats.js";
import type { SqlExecutor, SqlRow } from "./sql-executor.js";

type Reply = { id: number; result: unknown } | { id: number; error: string };

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** A worker thread owning one SQLite connection; `query` runs a SELECT there, `run` any other statement. */
type WorkerMethod = Exclude<keyof GatewayStore, "sql"> | "query" | "run";

interface WorkerChannel {
  call<T>(method: WorkerMethod, ...args: unknown[]): Promise<T>;
  close(): Promise<void>;
}

/**
 * The embedded SQLite store, run in worker threads; every method is a message round trip. Writes and most reads go
 * to one worker. `stats` runs its scans on two connections at once, the writer's and a second, read-only worker's,
 * so the latency and TTFT scans of a large window use both cores instead of queueing on one.
 */
export function createSqliteWorkerStore(path: string): GatewayStore {
  const writer = createWorkerChannel(path);
  let reader: WorkerChannel | undefined;
  let queries = 0;
  const statsExecutor: Pick<SqlExecutor, "all"> = {
    all: (sql, params = []) => {
      // Started on first use: most gateways never ask for stats.
      reader ??= createWorkerChannel(path);
      const channel = queries++ % 2 === 0 ? reader : writer;
      return channel.call<SqlRow[]>("query", sql, params);
    },
  };
  let closing: Promise<void> | undefined;
  return {
    migrate: () => writer.call("migrate"),
    insertRequests: (rows) => writer.call("insertRequests", rows),
    insertFeedback: (feedback, owner) => writer.call("insertFeedback", feedback, owner),
    getRequest: (id) => writer.call("getRequest", id),
    listRequests: (filter) => writer.call("listRequests", filter),
    stats: (window) => computeStats(statsExecutor, window),
    prune: (beforeMs) => writer.call("prune", beforeMs),
    putResponse: (row) => writer.call("putResponse", row),
    getResponse: (id, tenant, now) => writer.call("getResponse", id, tenant, now),
    deleteResponse: (id, tenant) => writer.call("deleteResponse", id, tenant),
    pruneResponses: (now) => writer.call("pruneResponses", now),
    // On the writer: a feature's reads see its own writes.
    sql: { all: (sql, params = []) => writer.call("query", sql, params), run: (sql, params = []) => writer.call("run", sql, params) },
    upsertRollups: (level, rows) => writer.call("upsertRollups", level, rows),
    // Decoding histograms is CPU work: it runs in the second (reader) worker, beside the writes, off the event loop.
    rollupStats: (window) => (reader ??= createWorkerChannel(path)).call("rollupStats", window),
    rollupEvents: (selector, from, to, histogram) => (reader ??= createWorkerChannel(path)).call("rollupEvents", selector, from, to, histogram),
    rollupErrorTypes: (selector, from, to, limit) => (reader ??= createWorkerChannel(path)).call("rollupErrorTypes", selector, from, to, limit),
    pruneRollups: (beforeMs) => writer.call("pruneRollups", beforeMs),
    upsertDriftSamples: (rows) => writer.call("upsertDriftSamples", rows),
    listDriftSamples: (filter) => writer.call("listDriftSamples", filter),
    listDriftSeries: (from, to) => writer.call("listDriftSeries", from, to),
    pruneDriftSamples: (beforeMs) => writer.call("pruneDriftSamples", beforeMs),
    registryStamp: () => writer.call("registryStamp"),
    loadRegistry: () => writer.call("loadRegistry"),
    createModelVersion: (version) => writer.call("createModelVersion", version),
    syncConfigVersion: (version) => writer.call("syncConfigVersion", version),
    setModelAlias: (change) => writer.call("setModelAlias", change),
    setModelSplit: (change) => writer.call("setModelSplit", change),
    previousAliasVersion: (model, alias) => writer.call("previousAliasVersion", model, alias),
    modelHistory: (model, at, limit) => writer.call("modelHistory", model, at, limit),
    aliasAt: (model, alias, at) => writer.call("aliasAt", model, alias, at),
    ...(Object.fromEntries(batchStoreMethods.map((method) => [method, (...args: unknown[]) => writer.call(method, ...args)])) as unknown as BatchStore),
    close: () => (closing ??= Promise.all([writer.close(), reader?.close()]).then(() => undefined)),
  };
}

function createWorkerChannel(path: string): WorkerChannel {
  const worker = spawnModuleWorker(import.meta.url, "sqlite-worker", { path }, "gantry-sqlite");
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

  function call<T>(method: WorkerMethod, ...args: unknown[]): Promise<T> {
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
    call,
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

