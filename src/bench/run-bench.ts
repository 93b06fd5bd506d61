import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { createArrivalSchedule } from "./arrivals.js";
import type { BenchPrompt } from "./bench-prompt.js";
import { startClientLoadMonitor, type ClientLoad } from "./client-load.js";
import { createLiveStats, type LiveStats } from "./live-stats.js";
import type { RequestOutcome } from "./request-outcome.js";
import type { SendRequest } from "./request-runner.js";
import { createSeededRandom } from "./seeded-random.js";
import { createSemaphore } from "./semaphore.js";

export interface LoadOptions {
  /** Stop after this many requests; undefined means no count limit (then durationMs must be set). */
  numPrompts: number | undefined;
  /** Stop issuing requests this long after the start; requests already sent run to completion. */
  durationMs: number | undefined;
  /** Requests per second; Infinity sends as fast as the concurrency limit allows. */
  requestRate: number;
  burstiness: number;
  maxConcurrency: number | undefined;
  /** Requests sent (and waited for) before the measured part, then discarded. */
  warmup: number;
  seed: number;
}

/** One measured request: its outcome plus where it sat in the load. */
export interface RequestRecord extends RequestOutcome {
  index: number;
  /** When the arrival process wanted it sent (performance.now() ms). */
  scheduledAt: number;
  /** How long it waited for a concurrency slot before being sent. */
  queuedMs: number;
  /** The prompt's input length by the bench's tokenizer. */
  promptInputTokens: number;
}

export interface BenchRun {
  /** performance.now() at the start of the measured part, and after the last request ended. */
  startedAt: number;
  endedAt: number;
  /** Ordered by index; failed requests included. */
  records: RequestRecord[];
  client: ClientLoad;
  /** How late the arrival timers fired (open-loop runs only): a late timer means a busy client. */
  scheduleLagMs: { mean: number; max: number };
  warmupFailures: number;
  /** True when the run was stopped from outside (Ctrl-C) before it finished. */
  interrupted: boolean;
}

export interface RunDependencies {
  send: SendRequest;
  live?: LiveStats;
  signal?: AbortSignal;
}

/** Drives the load: warmup, then arrivals per the schedule, each request behind the concurrency semaphore. */
export async function runBench(prompts: readonly BenchPrompt[], options: LoadOptions, dependencies: RunDependencies): Promise<BenchRun> {
  const { send } = dependencies;
  // One signal of our own, linked to the caller's by a single listener: every in-flight request listens to it,
  // which would otherwise trip Node's 10-listener leak warning on the caller's signal.
  const cancel = new AbortController();
  setMaxListeners(0, cancel.signal);
  if (dependencies.signal?.aborted === true) cancel.abort();
  const onCallerAbort = (): void => cancel.abort();
  dependencies.signal?.addEventListener("abort", onCallerAbort, { once: true });
  const signal = cancel.signal;
  const live = dependencies.live ?? createLiveStats();
  if (prompts.length === 0) throw new Error("no prompts to send");
  if (options.numPrompts === undefined && options.durationMs === undefined) throw new Error("give a number of prompts or a duration");
  const concurrency = options.maxConcurrency ?? Infinity;
  const promptAt = (index: number): BenchPrompt => prompts[index % prompts.length] as BenchPrompt;

  const warmupFailures = await runWarmup(options.warmup, Math.min(concurrency, Math.max(options.warmup, 1)), promptAt, send, signal);

  const semaphore = createSemaphore(concurrency);
  const arrivals = createArrivalSchedule({ requestRate: options.requestRate, burstiness: options.burstiness, random: createSeededRandom(options.seed) });
  // At an infinite rate the loop waits for a free slot before making the next request, so a duration run stays bounded.
  const closedLoop = options.requestRate === Infinity;
  const records: RequestRecord[] = [];
  const pending: Array<Promise<void>> = [];
  let lagSum = 0;
  let lagMax = 0;
  let lagCount = 0;

  const launch = async (index: number, scheduledAt: number, arrivedAt: number, holdsSlot: boolean): Promise<void> => {
    if (!holdsSlot) await semaphore.acquire();
    const prompt = promptAt(index);
    live.started++;
    live.inFlight++;
    live.peakInFlight = Math.max(live.peakInFlight, live.inFlight);
    const outcome = await send(prompt, signal);
    live.inFlight--;
    semaphore.release();
    if (outcome.ok) {
      live.completed++;
      live.outputTokens += outcome.completionTokens ?? outcome.tokenChunkTimes.length;
      const first = outcome.tokenChunkTimes[0];
      if (first !== undefined) live.ttftSumMs += first - outcome.sentAt;
    } else {
      live.failed++;
    }
    records.push({ ...outcome, index, scheduledAt, queuedMs: Math.max(0, outcome.sentAt - arrivedAt), promptInputTokens: prompt.inputTokens });
  };

  // A function, not a property read: TypeScript would otherwise narrow `aborted` to false after the first check.
  const aborted = (): boolean => signal.aborted;
  const monitor = startClientLoadMonitor();
  const startedAt = performance.now();
  live.startedAt = startedAt;
  for (let index = 0; options.numPrompts === undefined || index < options.numPrompts; index++) {
    if (aborted()) break;
    const scheduledAt = startedAt + arrivals.next();
    if (options.durationMs !== undefined && scheduledAt - startedAt >= options.durationMs) break;
    const wait = scheduledAt - performance.now();
    if (wait >= 1) await sleep(wait, undefined, { signal }).catch(() => undefined);
    if (aborted()) break;
    const arrivedAt = performance.now();
    if (closedLoop) {
      await semaphore.acquire();
      if (aborted() || (options.durationMs !== undefined && performance.now() - startedAt >= options.durationMs)) {
        semaphore.release();
        break;
      }
    } else {
      const lag = Math.max(0, arrivedAt - scheduledAt);
      lagSum += lag;
      lagMax = Math.max(lagMax, lag);
      lagCount++;
    }
    pending.push(launch(index, scheduledAt, arrivedAt, closedLoop));
  }
  await Promise.all(pending);
  const endedAt = performance.now();
  dependencies.signal?.removeEventListener("abort", onCallerAbort);
  return {
    startedAt,
    endedAt,
    records: records.sort((a, b) => a.index - b.index),
    client: monitor.stop(),
    scheduleLagMs: { mean: lagCount === 0 ? 0 : lagSum / lagCount, max: lagMax },
    warmupFailures,
    interrupted: aborted(),
  };
}

async function runWarmup(count: number, concurrency: number, promptAt: (index: number) => BenchPrompt, send: SendRequest, signal: AbortSignal | undefined): Promise<number> {
  let next = 0;
  let failures = 0;
  const worker = async (): Promise<void> => {
    while (next < count && signal?.aborted !== true) {
      const outcome = await send(promptAt(next++), signal);
      if (!outcome.ok) failures++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(count, concurrency) }, worker));
  return failures;
}
