import { bucketIndex, emptyHistogram, encodeHistogram, type LatencyHistogram } from "../store/latency-histogram.js";
import { rollupId, type RollupLevel, type RollupOutcome, type RollupRow } from "../store/rollup-row.js";
import type { RollupStore } from "../store/rollup-store.js";
import type { Schedule } from "../routing/clock.js";
import type { RequestOutcome, RequestOutcomeSink } from "../telemetry/request-outcome.js";

/** Aggregates finished requests per minute in memory and writes them as rollup rows in the background. */
export interface RollupAggregator extends RequestOutcomeSink {
  /** Adds a finished request to its minute's series (the request's context is not needed). */
  record(outcome: RequestOutcome): void;
  /** Writes every series changed since the last flush; minutes that have closed are forgotten once written. */
  flush(): Promise<void>;
  /** Stops the timer and flushes what is left. */
  close(): Promise<void>;
}

export interface RollupAggregatorOptions {
  store: Pick<RollupStore, "upsertRollups">;
  /** This replica's id: its rows never collide with another replica's. */
  replica: string;
  /** Epoch milliseconds. */
  now: () => number;
  /** How often the background flush runs; 0 = only when `flush` is called. */
  flushIntervalMs: number;
  schedule: Schedule;
  /** Series held in memory at most; requests of further series are dropped and counted (bounds memory). */
  maxSeries?: number;
  onError(error: unknown): void;
  onDrop?(count: number): void;
}

interface Series {
  readonly level: RollupLevel;
  readonly row: Omit<RollupRow, "requests" | "prompt_tokens" | "completion_tokens" | "cached_tokens" | "cost_usd" | "latency_hist" | "ttft_hist" | "tpot_hist">;
  requests: number;
  prompt: number;
  completion: number;
  cached: number;
  cost: number;
  readonly latency: LatencyHistogram;
  readonly ttft: LatencyHistogram;
  readonly tpot: LatencyHistogram;
  dirty: boolean;
}

const minuteMs = 60_000;

/** Requests are binned by the minute they ended in, so a minute only ever closes going forward. */
export function createRollupAggregator(options: RollupAggregatorOptions): RollupAggregator {
  const maxSeries = options.maxSeries ?? 20_000;
  const series = new Map<string, Series>();
  let chain: Promise<void> = Promise.resolve();
  let cancel: (() => void) | undefined;
  let closed = false;

  const arm = (): void => {
    if (options.flushIntervalMs <= 0 || closed) return;
    cancel = options.schedule(() => {
      void flush().finally(arm);
    }, options.flushIntervalMs);
  };

  function flush(): Promise<void> {
    chain = chain.then(async () => {
      const openMinute = Math.floor(options.now() / minuteMs) * minuteMs;
      const batch = [...series.values()].filter((item) => item.dirty);
      // Snapshot and mark clean before the write: requests recorded meanwhile mark their series dirty again.
      const rows = { series: batch.filter((item) => item.level === "series").map(toRow), model: batch.filter((item) => item.level === "model").map(toRow) };
      for (const item of batch) item.dirty = false;
      try {
        if (rows.series.length > 0) await options.store.upsertRollups("series", rows.series);
        if (rows.model.length > 0) await options.store.upsertRollups("model", rows.model);
      } catch (error) {
        for (const item of batch) item.dirty = true;
        options.onError(error);
        return;
      }
      for (const [id, item] of series) if (item.row.minute < openMinute && !item.dirty) series.delete(id);
    });
    return chain;
  }

  function seriesFor(level: RollupLevel, row: Series["row"]): Series | undefined {
    const id = `${level}\u001f${rollupId(row)}`;
    let item = series.get(id);
    if (item === undefined) {
      if (series.size >= maxSeries) return undefined;
      item = { level, row, requests: 0, prompt: 0, completion: 0, cached: 0, cost: 0, latency: emptyHistogram(), ttft: emptyHistogram(), tpot: emptyHistogram(), dirty: true };
      series.set(id, item);
    }
    return item;
  }

  arm();
  return {
    record(outcome) {
      const row = seriesOf(outcome, options.replica);
      const model = { ...row, deployment: "", key_id: "", team: "", error_type: "" };
      const full = seriesFor("series", row);
      // The model level is counted even when the full series is dropped, so model SLOs and /admin/stats stay whole.
      if (full !== undefined) accumulate(full, outcome);
      const summed = seriesFor("model", model);
      if (summed !== undefined) accumulate(summed, outcome);
      if (full === undefined || summed === undefined) options.onDrop?.(1);
    },
    flush,
    async close() {
      closed = true;
      cancel?.();
      await flush();
    },
  };
}

/** ok below 400; 4xx (499 included: the client went away) are the client's; 5xx the service's. */
export function outcomeOf(status: number): RollupOutcome {
  return status < 400 ? "ok" : status < 500 ? "client_error" : "server_error";
}

function seriesOf(outcome: RequestOutcome, replica: string): Series["row"] {
  const kind = outcomeOf(outcome.status);
  return {
    minute: Math.floor(outcome.endedAt / minuteMs) * minuteMs,
    replica,
    model: outcome.model,
    version: outcome.version,
    deployment: outcome.deployment,
    key_id: outcome.keyId,
    team: outcome.team,
    outcome: kind,
    error_type: kind === "ok" ? "" : outcome.errorCode.slice(0, 64),
  };
}

function accumulate(item: Series, outcome: RequestOutcome): void {
  item.requests++;
  item.prompt += outcome.promptTokens;
  item.completion += outcome.completionTokens;
  item.cached += outcome.cachedTokens;
  item.cost += outcome.costUsd;
  add(item.latency, outcome.latencyMs);
  if (outcome.ttftMs !== undefined) add(item.ttft, outcome.ttftMs);
  if (outcome.tpotMs !== undefined) add(item.tpot, outcome.tpotMs);
  item.dirty = true;
}

function add(histogram: LatencyHistogram, ms: number): void {
  const index = bucketIndex(ms);
  histogram[index] = (histogram[index] ?? 0) + 1;
}

function toRow(item: Series): RollupRow {
  return {
    ...item.row,
    requests: item.requests,
    prompt_tokens: item.prompt,
    completion_tokens: item.completion,
    cached_tokens: item.cached,
    cost_usd: item.cost,
    latency_hist: encodeHistogram(item.latency),
    ttft_hist: encodeHistogram(item.ttft),
    tpot_hist: encodeHistogram(item.tpot),
  };
}
