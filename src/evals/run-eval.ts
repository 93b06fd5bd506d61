import { createHash } from "node:crypto";
import type { LiveStats } from "../bench/live-stats.js";
import type { EvalStore } from "./eval-store.js";
import { pairKey } from "./eval-store.js";
import type { EvalClient } from "./gateway-client.js";
import type { EvalItem, LoadedSuite, SuiteTarget } from "./load-suite.js";
import { scoreItem } from "./score-item.js";
import type { ScorerServices } from "./scorers/scorer.js";

export interface RunEvalOptions {
  readonly suite: LoadedSuite;
  readonly target: SuiteTarget;
  readonly store: EvalStore;
  /** The gateway client, usually wrapped by the answer cache. */
  readonly client: EvalClient;
  readonly concurrency: number;
  /** Overrides the suite's repeat and seed (a run resumed by id keeps its own). */
  readonly repeat?: number | undefined;
  readonly seed?: number | undefined;
  /** Continue this run; else an unfinished run of the same suite, target, seed and repeats, unless `fresh`. */
  readonly resumeRunId?: string | undefined;
  readonly fresh?: boolean;
  readonly live?: LiveStats;
  /** Stops handing out new items; the run stays unfinished and resumable. */
  readonly signal?: AbortSignal;
  /** Epoch milliseconds for stored timestamps. */
  readonly now?: () => number;
}

export interface RunEvalResult {
  readonly runId: string;
  readonly resumed: boolean;
  /** (item, repeat) pairs scored by this invocation. */
  readonly scored: number;
  /** Pairs already stored when it began. */
  readonly skipped: number;
  readonly finished: boolean;
}

/** The request seed of one (item, repeat): reproducible per run seed, different for each repeat. */
export function requestSeed(seed: number, itemKey: string, repeat: number): number {
  return createHash("sha256").update(`${seed}\n${itemKey}\n${repeat}`).digest().readUInt32BE(0) & 0x7fffffff;
}

function requestBody(item: EvalItem, target: SuiteTarget, seed: number): Record<string, unknown> {
  const prompt = item.request.endpoint === "chat" ? { messages: item.request.messages } : { prompt: item.request.prompt };
  return { model: target.id, ...prompt, ...target.options, seed };
}

/**
 * Runs a suite against one target: every (item, repeat) not yet stored is answered through the gateway, scored and
 * committed on its own, so an interrupted run (Ctrl-C, kill -9) resumes where it stopped and no pair is scored
 * twice (the store's unique key enforces it even for two resumers at once).
 */
export async function runEval(options: RunEvalOptions): Promise<RunEvalResult> {
  const { suite, target, store, client } = options;
  const now = options.now ?? Date.now;
  // A named run is continued as it began: its own seed and repeats, so the remaining pairs ask what the others did.
  const named = options.resumeRunId === undefined ? undefined : await store.runInfo(options.resumeRunId);
  if (options.resumeRunId !== undefined) {
    if (named === undefined) throw new Error(`no run ${options.resumeRunId}`);
    if (named.suiteHash !== suite.hash || named.target !== target.id) throw new Error(`run ${options.resumeRunId} is of another suite or target (suite ${named.suiteHash}, target ${named.target})`);
  }
  const repeats = named?.repeats ?? options.repeat ?? suite.repeat;
  const seed = named?.seed ?? options.seed ?? suite.seed;
  const identity = { suiteHash: suite.hash, target: target.id, seed, repeats };
  let runId = named?.runId ?? (options.fresh === true ? undefined : await store.findUnfinishedRun(identity));
  const resumed = runId !== undefined;
  runId ??= await store.createRun({ suiteName: suite.name, ...identity, itemCount: suite.items.length, startedAt: now() });
  const done = await store.finishedPairs(runId);
  const work = suite.items.flatMap((item) => Array.from({ length: repeats }, (_, repeat) => ({ item, repeat }))).filter(({ item, repeat }) => !done.has(pairKey(item.key, repeat)));
  const services: ScorerServices = {
    baseDir: suite.baseDir,
    defaultProvider: suite.defaultProvider,
    async judge(model, messages, repeat) {
      const answer = await client.answer("chat", { model, messages, temperature: 0, seed: requestSeed(seed, "judge", repeat) });
      if (answer.error !== undefined) throw new Error(`judge ${model}: ${answer.error}`);
      return { text: answer.output, costUsd: answer.costUsd };
    },
    embed: (model, texts) => client.embed(model, texts),
  };
  const live = options.live;
  if (live !== undefined) live.startedAt = performance.now();
  let scored = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < work.length && options.signal?.aborted !== true) {
      const pair = work[next++];
      if (pair === undefined) break;
      const { item, repeat } = pair;
      if (live !== undefined) live.inFlight++;
      const answer = await client.answer(item.request.endpoint, requestBody(item, target, requestSeed(seed, item.key, repeat)));
      const verdict =
        answer.error === undefined
          ? await scoreItem(item.assertions, { output: answer.output, vars: item.vars, latencyMs: answer.latencyMs, costUsd: answer.costUsd, repeat }, services, item.threshold)
          : { pass: false, score: 0, assertions: [], costUsd: 0 };
      const stored = await store.saveItem(
        runId,
        {
          itemKey: item.key,
          repeat,
          pass: verdict.pass,
          score: verdict.score,
          assertions: verdict.assertions,
          output: answer.output,
          ...(answer.error === undefined ? {} : { error: answer.error }),
          latencyMs: answer.latencyMs,
          promptTokens: answer.promptTokens,
          completionTokens: answer.completionTokens,
          costUsd: answer.costUsd + verdict.costUsd,
          model: answer.model,
          modelVersion: answer.modelVersion,
          deployment: answer.deployment,
          cached: answer.cached,
        },
        now(),
      );
      if (stored) scored++;
      if (live !== undefined) {
        live.inFlight--;
        if (verdict.pass) live.completed++;
        else live.failed++;
        live.outputTokens += answer.completionTokens;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, work.length)) }, worker));
  const finished = options.signal?.aborted !== true;
  if (finished) await store.finishRun(runId, now());
  return { runId, resumed, scored, skipped: done.size, finished };
}
