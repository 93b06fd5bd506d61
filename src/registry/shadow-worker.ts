// The shadow thread: calls candidate versions and scores their answers on its own event loop and heap, so the
// mirrored traffic's allocations and parsing never pause the main thread (docs/registry.md#shadow-traffic).
import { constants, setPriority } from "node:os";
import { parentPort } from "node:worker_threads";
import { closeModelEntries, createModelRegistry } from "../providers/model-registry.js";
import type { ModelRouter } from "../routing/model-router.js";
import { createRoutingTable, type RoutingTable } from "../routing/routing-table.js";
import type { ScorerServices } from "../evals/scorers/scorer.js";
import { runShadowJob, type ShadowOutcome } from "./shadow-job.js";
import { failedShadow, shadowBatchWaitMs, type ShadowTarget, type ShadowThreadBatch, type ShadowThreadReplies } from "./shadow-thread.js";

interface Built {
  readonly routing: RoutingTable;
  readonly router: ModelRouter;
  close(): Promise<void>;
}

/** Candidate versions this thread keeps routers for; the oldest is closed beyond this. */
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
const services: ScorerServices = {
  judge: () => Promise.reject(new Error("the shadow thread does not judge")),
  embed: () => Promise.reject(new Error("shadow scorers do not embed")),
  baseDir: ".",
  defaultProvider: undefined,
};

/** The candidate's deployments and router under its model's routing policy, without fallbacks (the answer must be its own). */
function build(target: ShadowTarget): Built {
  const model = { name: target.model, deployments: target.deployments, timeouts: target.timeouts };
  const registry = createModelRegistry({ timeouts: target.globalTimeouts, models: [model] });
  const routing = createRoutingTable({ timeouts: target.globalTimeouts, models: [{ ...model, routing: target.routing, retry: target.retry, breaker: target.breaker, fallbacks: [] }] }, registry);
  const router = routing.get(target.model);
  if (router === undefined) throw new Error(`no router for ${target.model}`);
  return { routing, router, close: () => closeModelEntries(registry.list()) };
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

/** Builds a target once; one that cannot be built is remembered as its error. */
function learn(target: ShadowTarget): void {
  if (targets.has(target.key)) return;
  try {
    targets.set(target.key, build(target));
  } catch (error) {
    targets.set(target.key, error instanceof Error ? error : new Error(String(error)));
  }
  for (const [key, built] of targets) {
    if (targets.size <= maxTargets) break;
    targets.delete(key);
    if (!(built instanceof Error)) void built.close();
  }
}

port.on("message", (batch: ShadowThreadBatch) => {
  for (const target of batch.targets) learn(target);
  for (const { id, key, job } of batch.jobs) {
    const built = targets.get(key);
    if (built === undefined || built instanceof Error) reply(id, failedShadow(built?.message ?? "the shadow thread does not know this version"));
    else void runShadowJob(built.routing, built.router, job, running, services).then((outcome) => reply(id, outcome));
  }
});
