import { isAscii, isUtf8 } from "node:buffer";
import { Worker } from "node:worker_threads";
import { decodeJsonBody, type DecodedJson } from "./decode-json-body.js";

/** Decodes and parses large bodies on worker threads (ADR 0010, second addendum). */
export interface JsonParseWorkers {
  /**
   * Decodes and parses `bytes` on a worker when they live in a SharedArrayBuffer (the worker reads them in place, no
   * copy); other bytes, or a closed pool, are parsed on the calling thread.
   */
  decode(bytes: Uint8Array): Promise<DecodedJson>;
  /** Stops the workers; later calls parse on the calling thread. */
  close(): Promise<void>;
}

interface Task {
  bytes: Uint8Array;
  resolve(outcome: DecodedJson): void;
}

interface Thread {
  worker: Worker;
  tasks: Map<number, Task>;
}

const checks = { isAscii, isUtf8 };

/**
 * The worker's whole program: the same decode function the main thread uses for small bodies, from its source text,
 * so the worker loads no module of ours (it runs alike under dist, tsx and vitest).
 */
const workerSource = `
const { parentPort } = require("node:worker_threads");
const checks = require("node:buffer");
const decodeJsonBody = (${decodeJsonBody.toString()});
parentPort.on("message", (task) => {
  parentPort.postMessage({ id: task.id, outcome: decodeJsonBody(new Uint8Array(task.buffer, task.offset, task.length), checks) });
});
`;

/**
 * Creates the pool. Threads start on first use (most processes never see a large body) and are unref'd, so an idle
 * pool never holds the process open. A thread that dies hands its bodies back to the calling thread and is replaced.
 */
export function createJsonParseWorkers(options: { threads: number }): JsonParseWorkers {
  const threads: (Thread | undefined)[] = Array.from({ length: Math.max(1, options.threads) }, () => undefined);
  let nextId = 0;
  let closed = false;

  const start = (index: number): Thread => {
    const thread: Thread = { worker: new Worker(workerSource, { eval: true, name: "gantry-json-parse" }), tasks: new Map() };
    thread.worker.unref();
    thread.worker.on("message", (reply: { id: number; outcome: DecodedJson }) => {
      const task = thread.tasks.get(reply.id);
      thread.tasks.delete(reply.id);
      task?.resolve(reply.outcome);
    });
    const died = (): void => {
      if (threads[index] !== thread) return;
      threads[index] = undefined;
      for (const task of thread.tasks.values()) task.resolve(decodeJsonBody(task.bytes, checks));
      thread.tasks.clear();
    };
    thread.worker.on("error", died);
    thread.worker.on("exit", died);
    threads[index] = thread;
    return thread;
  };

  /** The thread with the fewest bodies in hand, started if it is not running. */
  const pick = (): Thread => {
    let best = 0;
    for (let index = 1; index < threads.length; index++) {
      if ((threads[index]?.tasks.size ?? 0) < (threads[best]?.tasks.size ?? 0)) best = index;
    }
    return threads[best] ?? start(best);
  };

  return {
    decode(bytes) {
      if (closed || !(bytes.buffer instanceof SharedArrayBuffer)) return Promise.resolve(decodeJsonBody(bytes, checks));
      const thread = pick();
      const id = nextId++;
      return new Promise((resolve) => {
        thread.tasks.set(id, { bytes, resolve });
        thread.worker.postMessage({ id, buffer: bytes.buffer, offset: bytes.byteOffset, length: bytes.byteLength });
      });
    },
    async close() {
      closed = true;
      const running = threads.filter((thread): thread is Thread => thread !== undefined);
      threads.fill(undefined);
      for (const thread of running) for (const task of thread.tasks.values()) task.resolve(decodeJsonBody(task.bytes, checks));
      await Promise.all(running.map((thread) => thread.worker.terminate()));
    },
  };
}
