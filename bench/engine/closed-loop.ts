import { performance } from "node:perf_hooks";
import { summarize, type LatencySummary } from "../lib/stats.js";
import type { StreamTiming } from "./stream-client.js";

/** One concurrency level's results. */
export interface LevelResult {
  readonly concurrency: number;
  readonly requests: number;
  readonly outputTokens: number;
  readonly seconds: number;
  readonly tokensPerSecond: number;
  readonly ttftMs: LatencySummary;
}

/** Runs `concurrency` workers, each sending requests back to back until `requestsPerWorker` are done. */
export async function runClosedLoop(concurrency: number, requestsPerWorker: number, send: (worker: number, round: number) => Promise<StreamTiming>): Promise<LevelResult> {
  const timings: StreamTiming[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let round = 0; round < requestsPerWorker; round++) timings.push(await send(worker, round));
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const outputTokens = timings.reduce((sum, timing) => sum + timing.tokens, 0);
  return { concurrency, requests: timings.length, outputTokens, seconds: round(seconds), tokensPerSecond: Math.round(outputTokens / seconds), ttftMs: summarize(timings.map((timing) => timing.ttftMs)) };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
