import { Worker } from "node:worker_threads";
import { decodeJsonBody, type DecodedJson } from "./decode-json-body.js";
import { jsonScannerSource, type JsonScanLimits, type JsonScanProblem } from "./prescan-json.js";

/** What a body streamed to a worker gave: the decoded value, why it is not JSON, or the scan limit it crossed. */
export type StreamedOutcome = DecodedJson | { ok: false; problem: JsonScanProblem | "worker_failed"; message: string };

/** One body on its way to a worker: chunks go over as they arrive; the worker scans them, then decodes and parses. */
export interface StreamedBody {
  /** Hands over the next chunk (copied: the caller's buffer is not kept). */
  push(chunk: Uint8Array): void;
  /** Every chunk is in: resolves with the outcome, or with the scan problem already reported. */
  end(): Promise<StreamedOutcome>;
  /** The body was refused or its client left: the worker drops it. */
  abort(): void;
}

/** Scans, decodes and parses large bodies on worker threads (ADR 0010, second and third addenda). */
export interface JsonParseWorkers {
  /**
   * Starts a body of about `sizeHint` bytes. `onProblem` runs as soon as the worker's scan finds the body crossing
   * `limits` (chunks go over 256 KiB at a time), while it is still uploading, so the reader can refuse it without waiting
   * for the rest. Undefined once the pool is closed (the caller then reads and parses on its own thread).
   */
  open(limits: JsonScanLimits, sizeHint: number, onProblem: (problem: JsonScanProblem) => void): StreamedBody | undefined;
  /** Stops the workers; bodies in hand resolve as `worker_failed`. */
  close(): Promise<void>;
}

interface Task {
  onProblem(problem: JsonScanProblem): void;
  /** Set once `end` was called. */
  resolve?: (outcome: StreamedOutcome) => void;
  /** The scan problem reported before `end`, if any. */
  problem?: JsonScanProblem;
}

interface Thread {
  worker: Worker;
  tasks: Map<number, Task>;
}

/** Bytes of a body sent to its worker in one message: a copy of ~1 ms here, with its page faults. */
const batchBytes = 256 * 1024;

type Reply = { id: number; problem: JsonScanProblem } | { id: number; outcome: DecodedJson };

/**
 * The worker's whole program: the same scanner and decode function the main thread uses for small bodies, from their
 * source text, so the worker loads no module of ours (it runs alike under dist, tsx and vitest). `__name` stands in
 * for the helper esbuild's keep-names mode (tsx, vitest) wraps inner functions with. A body's bytes are kept in the
 * worker's own memory: the main thread only copies each chunk into a transferred buffer, and a fresh 4 MiB of memory
 * costs ~14 ms of page faults on the hosts measured, now on this thread rather than the event loop's. Parsed values go
 * back one at a time, the next after the main thread's ack: node deserialises every message waiting on a port in one
 * turn, and eight 4 MiB images finishing together were one 120 ms stall (bench/body-blocking).
 */
const workerSource = `
const { parentPort } = require("node:worker_threads");
const checks = require("node:buffer");
const __name = (target) => target;
${jsonScannerSource()}
const decodeJsonBody = (${decodeJsonBody.toString()});
const bodies = new Map();
const outbox = [];
let awaitingAck = false;
const sendOutcome = (reply) => {
  if (awaitingAck) return void outbox.push(reply);
  awaitingAck = true;
  parentPort.postMessage(reply);
};
parentPort.on("message", (message) => {
  const body = bodies.get(message.id);
  if (message.type === "ack") {
    awaitingAck = false;
    const next = outbox.shift();
    if (next !== undefined) sendOutcome(next);
  } else if (message.type === "open") {
    bodies.set(message.id, { bytes: Buffer.allocUnsafe(message.sizeHint), size: 0, scanner: createJsonScanner(message.limits), failed: false });
  } else if (message.type === "chunk") {
    if (body === undefined || body.failed) return;
    const chunk = new Uint8Array(message.buffer);
    const problem = body.scanner.push(chunk);
    if (problem !== undefined) {
      body.failed = true;
      body.bytes = undefined;
      parentPort.postMessage({ id: message.id, problem });
      return;
    }
    if (body.size + chunk.length > body.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(body.bytes.length * 2, body.size + chunk.length));
      body.bytes.copy(grown, 0, 0, body.size);
      body.bytes = grown;
    }
    body.bytes.set(chunk, body.size);
    body.size += chunk.length;
  } else if (message.type === "end") {
    bodies.delete(message.id);
    if (body === undefined || body.failed) return;
    sendOutcome({ id: message.id, outcome: decodeJsonBody(body.bytes.subarray(0, body.size), checks) });
  } else {
    bodies.delete(message.id);
  }
});
`;

const workerFailed: StreamedOutcome = { ok: false, problem: "worker_failed", message: "The thread parsing the request body stopped." };

/**
 * Creates the pool. Threads start on first use (most processes never see a large body) and are unref'd, so an idle
 * pool never holds the process open. A thread that dies fails its bodies in hand and is replaced on next use.
 */
export function createJsonParseWorkers(options: { threads: number }): JsonParseWorkers {
  const threads: (Thread | undefined)[] = Array.from({ length: Math.max(1, options.threads) }, () => undefined);
  let nextId = 0;
  let closed = false;

  const failAll = (thread: Thread): void => {
    for (const task of thread.tasks.values()) task.resolve?.(workerFailed);
    thread.tasks.clear();
  };

  const start = (index: number): Thread => {
    const thread: Thread = { worker: new Worker(workerSource, { eval: true, name: "gantry-json-parse" }), tasks: new Map() };
    thread.worker.unref();
    thread.worker.on("message", (reply: Reply) => {
      const task = thread.tasks.get(reply.id);
      if ("outcome" in reply) {
        // The next parsed value comes in a later turn than this one's deserialisation.
        setImmediate(() => {
          if (threads[index] === thread) thread.worker.postMessage({ type: "ack" });
        });
        thread.tasks.delete(reply.id);
        task?.resolve?.(reply.outcome);
        return;
      }
      if (task === undefined) return;
      thread.tasks.delete(reply.id);
      task.problem = reply.problem;
      if (task.resolve === undefined) task.onProblem(reply.problem);
      else task.resolve(scanFailure(reply.problem));
    });
    const died = (): void => {
      if (threads[index] !== thread) return;
      threads[index] = undefined;
      failAll(thread);
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
    open(limits, sizeHint, onProblem) {
      if (closed) return undefined;
      const thread = pick();
      const id = nextId++;
      const task: Task = { onProblem };
      thread.tasks.set(id, task);
      thread.worker.postMessage({ type: "open", id, limits, sizeHint: Math.max(1, sizeHint) });
      // Chunks wait here until a batch is full (or the body ends), then go over as one copy the worker takes over. A
      // message per 64 KiB socket read cost ~40 µs of main thread each under load, more than the copy: each wakes the
      // worker thread, which on a busy two-core host takes a core from the event loop.
      let pending: Uint8Array[] = [];
      let pendingBytes = 0;
      const flush = (): void => {
        if (pendingBytes === 0 || !thread.tasks.has(id)) return;
        // A buffer of its own, not Buffer.concat: a small result of that is a slice of node's shared pool, whose
        // whole ArrayBuffer the transfer would take away.
        const batch = new Uint8Array(pendingBytes);
        let offset = 0;
        for (const chunk of pending) {
          batch.set(chunk, offset);
          offset += chunk.length;
        }
        pending = [];
        pendingBytes = 0;
        thread.worker.postMessage({ type: "chunk", id, buffer: batch.buffer }, [batch.buffer]);
      };
      return {
        push(chunk) {
          if (!thread.tasks.has(id)) return;
          // Node never reuses a socket read's memory, so holding the view until the flush is safe.
          pending.push(chunk);
          pendingBytes += chunk.length;
          if (pendingBytes >= batchBytes) flush();
        },
        end() {
          flush();
          if (task.problem !== undefined) return Promise.resolve(scanFailure(task.problem));
          if (!thread.tasks.has(id)) return Promise.resolve(workerFailed);
          return new Promise((resolve) => {
            task.resolve = resolve;
            thread.worker.postMessage({ type: "end", id });
          });
        },
        abort() {
          pending = [];
          pendingBytes = 0;
          if (!thread.tasks.delete(id)) return;
          thread.worker.postMessage({ type: "abort", id });
        },
      };
    },
    async close() {
      closed = true;
      const running = threads.filter((thread): thread is Thread => thread !== undefined);
      threads.fill(undefined);
      for (const thread of running) failAll(thread);
      await Promise.all(running.map((thread) => thread.worker.terminate()));
    },
  };
}

function scanFailure(problem: JsonScanProblem): StreamedOutcome {
  return { ok: false, problem, message: problem === "too_deep" ? "nested too deeply" : "too many elements" };
}

