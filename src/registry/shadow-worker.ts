// The shadow thread: calls candidate versions and scores their answers on its own event loop and heap, so the
// mirrored traffic's allocations and parsing never pause the main thread (docs/registry.md#shadow-traffic).
import { constants, setPriority } from "node:os";
import { parentPort } from "node:worker_threads";
import { closeModelEntries, createModelRegistry } from "../providers/model-registry.js";
import type { ModelRouter } from "../routing/model-router.js";
import { createRoutingTable, type RoutingTable } from "../routing/routing-table.js";
import { runShadowJob, shadowScorerServices, type ShadowOutcome } from "./shadow-job.js";
import { failedShadow, shadowBatchWaitMs, type ShadowTarget, type ShadowThreadBatch, type ShadowThreadReplies } from "./shadow-thread.js";

interface Built {
  readonly routing: RoutingTable;
  readonly router: ModelRouter;
  /** Jobs running on it: closing its providers would abort them. */
  inFlight: number;
  close(): Promise<void>;
}

/** Candidate versions this thread keeps routers for; beyond this the least recently used idle ones are closed. */
const maxTargets = 64;
const port = parentPort;
if (port === null) throw new Error("shadow-worker runs as a worker thread");
// Shadow calls run at low priority: on Linux a thread's nice value is its own, so the lowest CPU priority here lets the
// client's requests on the main thread go first whenever the cores are busy. Elsewhere setpriority would renice the whole
// process, so the thread keeps the default there.
if (process.platform === "linux") {
  try {
    setPriority(constants.priority.PRIORITY_LOW);
  } catch {
    // Not permitted in this sandbox: normal priority.
  }
}
/** Built targets, or why one could not be built. */
const targets = new Map<string, Built | Error>();
/** Each job ends by its own deadline; the thread ends by termination, which stops every job with it. */
const running = new AbortController().signal;
// The judge is a configured model on the main thread: judged shadows never come here.
const services = shadowScorerServices(() => Promise.reject(new Error("the shadow thread does not judge")), undefined);

/** The candidate's deployments and router under its model's routing policy, without fallbacks (the answer must be its own). */
function build(target: ShadowTarget): Built {
  const model = { name: target.model, deployments: target.deployments, timeouts: target.timeouts };
  const registry = createModelRegistry({ timeouts: target.globalTimeouts, models: [model] });
  const routing = createRoutingTable({ timeouts: target.globalTimeouts, models: [{ ...model, routing: target.routing, retry: target.retry, breaker: target.breaker, fallbacks: [] }] }, registry);
  const router = routing.get(target.model);
  if (router === undefined) throw new Error(`no router for ${target.model}`);
  return { routing, router, inFlight: 0, close: () => closeModelEntries(registry.list()) };
}

/** Outcomes waiting to share a message to the main thread. */
let replies: { id: number; outcome: ShadowOutcome }[] = [];
let timer: NodeJS.Timeout | undefined;
const reply = (id: number, outcome: ShadowOutcome): void => {
  replies.push({ id, outcome });
  timer ??= setTimeout(() => {
    timer = undefined;
    const sending: ShadowThreadReplies = replies;
    replies = [];
    port.postMessage(sending);
  }, shadowBatchWaitMs);
};

/** The target of `key`, built from the batch's copy when missing (a failure is kept as its error); a use makes it the newest. */
function acquire(key: string, carried: ShadowTarget | undefined): Built | Error | undefined {
  let built = targets.get(key);
  if (built === undefined && carried !== undefined) {
    try {
      built = build(carried);
    } catch (error) {
      built = error instanceof Error ? error : new Error(String(error));
    }
  }
  if (built === undefined) return undefined;
  targets.delete(key);
  targets.set(key, built);
  return built;
}

/** Closes the least recently used targets beyond the bound, skipping those with jobs running. */
function trim(): void {
  let excess = targets.size - maxTargets;
  for (const [key, built] of targets) {
    if (excess <= 0) return;
    if (!(built instanceof Error) && built.inFlight > 0) continue;
    targets.delete(key);
    excess--;
    if (!(built instanceof Error)) void built.close();
  }
}

port.on("message", (batch: ShadowThreadBatch) => {
  const carried = new Map(batch.targets.map((target) => [target.key, target]));
  for (const { id, key, job } of batch.jobs) {
    const built = acquire(key, carried.get(key));
    if (built === undefined || built instanceof Error) {
      reply(id, failedShadow(built?.message ?? "the batch did not carry this job's version"));
      continue;
    }
    built.inFlight++;
    void runShadowJob(built.routing, built.router, job, running, services).then((outcome) => {
      built.inFlight--;
      reply(id, outcome);
      trim();
    });
  }
  trim();
});
