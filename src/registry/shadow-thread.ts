import type { Worker } from "node:worker_threads";
import type { DeploymentConfig, TimeoutsConfig } from "../providers/deployment-config-schema.js";
import type { BreakerConfig, RetryConfig, RoutingConfig } from "../routing/routing-config-schema.js";
import { spawnModuleWorker } from "../store/module-worker.js";
import type { ShadowJob, ShadowOutcome } from "./shadow-job.js";

/** A candidate version as the shadow thread builds it: plain config, so it crosses threads. */
export interface ShadowTarget {
  /** Names this version's deployments and policy; a new key gets new routers, an old one reuses them. */
  readonly key: string;
  readonly model: string;
  readonly deployments: readonly DeploymentConfig[];
  readonly routing: RoutingConfig;
  readonly retry: RetryConfig | undefined;
  readonly breaker: BreakerConfig | undefined;
  readonly timeouts: TimeoutsConfig | undefined;
  readonly globalTimeouts: TimeoutsConfig;
}

/**
 * Main thread to shadow thread: the targets of this batch's jobs, then the jobs. Every batch carries its targets (a
 * few hundred bytes each), so a thread that has dropped or never built one builds it again without asking.
 */
export interface ShadowThreadBatch {
  readonly targets: readonly ShadowTarget[];
  readonly jobs: readonly { readonly id: number; readonly key: string; readonly job: ShadowJob }[];
}
/** Shadow thread to main thread: outcomes of jobs, by id. */
export type ShadowThreadReplies = readonly { readonly id: number; readonly outcome: ShadowOutcome }[];

/** Runs shadow jobs on a worker thread of their own (docs/registry.md#shadow-traffic). */
export interface ShadowThread {
  /** Starts the thread ahead of the first job, so that job does not wait for the thread to load. */
  warm(): void;
  run(target: ShadowTarget, job: ShadowJob): Promise<ShadowOutcome>;
  /** Ends the thread; jobs in flight end with an error outcome. */
  close(): Promise<void>;
}

/**
 * How long a job waits for others to share its message. Each message costs the sending thread a copy and a wake-up
 * of the other one; shadow calls are not urgent, so a few milliseconds here spare the main thread most of them.
 */
export const shadowBatchWaitMs = 20;

/** A job's outcome when the thread could not run it. */
export const failedShadow = (error: string): ShadowOutcome => ({ output: null, usage: undefined, score: null, agree: null, scoringCostUsd: 0, error, latencyMs: 0 });

/**
 * Creates the thread's handle. The thread starts on `warm` or the first job and is unref'd (an idle one never holds the
 * process open); one that dies fails its jobs in flight and is replaced on the next.
 */
export function createShadowThread(): ShadowThread {
  let worker: Worker | undefined;
  const pending = new Map<number, (outcome: ShadowOutcome) => void>();
  let targets = new Map<string, ShadowTarget>();
  let jobs: { id: number; key: string; job: ShadowJob }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let nextId = 0;
  let closed = false;

  const failAll = (error: string): void => {
    for (const resolve of pending.values()) resolve(failedShadow(error));
    pending.clear();
  };
  const start = (): Worker => {
    const thread = spawnModuleWorker(import.meta.url, "shadow-worker", undefined, "gantry-shadow");
    thread.unref();
    thread.on("message", (replies: ShadowThreadReplies) => {
      for (const { id, outcome } of replies) {
        pending.get(id)?.(outcome);
        pending.delete(id);
      }
    });
    const lost = (reason: string): void => {
      if (worker !== thread) return;
      worker = undefined;
      // The queued jobs are failed with the rest: their promises are settled, so they are not sent.
      targets = new Map();
      jobs = [];
      failAll(reason);
    };
    thread.on("error", (error) => lost(`the shadow thread failed: ${error.message}`));
    thread.on("exit", () => lost("the shadow thread stopped"));
    return thread;
  };
  const send = (): void => {
    timer = undefined;
    if (jobs.length === 0) return;
    const batch: ShadowThreadBatch = { targets: [...targets.values()], jobs };
    targets = new Map();
    jobs = [];
    (worker ??= start()).postMessage(batch);
  };

  return {
    warm() {
      if (!closed) worker ??= start();
    },
    run(target, job) {
      if (closed) return Promise.resolve(failedShadow("shadow traffic stopped"));
      worker ??= start();
      targets.set(target.key, target);
      const id = nextId++;
      jobs.push({ id, key: target.key, job });
      if (timer === undefined) {
        timer = setTimeout(send, shadowBatchWaitMs);
        timer.unref();
      }
      return new Promise((resolve) => pending.set(id, resolve));
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      const thread = worker;
      worker = undefined;
      failAll("shadow traffic stopped");
      await thread?.terminate();
    },
  };
}
