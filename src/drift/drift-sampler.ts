import { randomUUID } from "node:crypto";
import type { AnswerStage } from "../pipeline/answer.js";
import type { JsonObject } from "../protocol/openai-responses.js";
import type { RequestContext } from "../pipeline/request-context.js";
import type { DriftSampleRow, DriftSampleStore } from "../store/drift-sample-store.js";
import type { RequestOutcomeSink } from "../telemetry/request-outcome.js";
import { storedLatency } from "../store/request-row.js";
import { answerText } from "./answer-text.js";
import type { DriftSampleDraft } from "./drift-sample.js";
import { detached, promptLanguage, promptScript, promptText } from "./prompt-features.js";
import { isRefusal, refusalPrefixChars } from "./refusal.js";
import { createReservoir, type Reservoir } from "./reservoir.js";

export interface DriftSamplerOptions {
  store: Pick<DriftSampleStore, "upsertDriftSamples" | "pruneDriftSamples">;
  /** The configured model names: only their requests are sampled (a client's unknown names cannot grow the map). */
  models: readonly string[];
  perBucket: number;
  bucketMs: number;
  flushIntervalMs: number;
  retentionMs: number;
  /** Epoch milliseconds (the gateway's clock). */
  now: () => number;
  /** Uniform in [0, 1): the reservoirs' choices and the rows' draws; injectable so tests are repeatable. */
  random?: () => number;
  /** Names this process's rows; a fresh UUID by default, so replicas never overwrite each other's slots. */
  replica?: string;
  /** Reservoirs held at most (model versions × open buckets); offers for a new one beyond it are dropped. */
  maxOpenBuckets?: number;
  onError?(error: unknown): void;
}

/** Samples finished requests into bounded reservoirs and writes them to the store off the request path. */
export interface DriftSampler {
  /** The capture stage (first in the answer stages): keeps references to the prompt and the JSON answer. */
  readonly stage: AnswerStage;
  /** The request observer's sink: offers each finished request to its reservoir. */
  readonly sink: RequestOutcomeSink;
  /** Offers one request; `build` runs only when the reservoir keeps it, so unkept requests cost nothing more. */
  record(model: string, version: string, time: number, build: () => DriftSampleDraft): void;
  /** Computes the text features of every changed slot, writes them and releases closed buckets; resolves once written. */
  flush(): Promise<void>;
  /** Stops the timer and flushes. */
  close(): Promise<void>;
  /** Samples held in memory now. */
  held(): number;
}

interface Bucket {
  /** Unique in this process: a bucket reopened by a late request gets fresh rows, never the released one's. */
  readonly serial: number;
  readonly start: number;
  readonly model: string;
  readonly version: string;
  readonly reservoir: Reservoir<DriftSampleDraft & { draw: number }>;
  readonly dirty: Set<number>;
}

interface Captured {
  readonly body: JsonObject;
  answer?: JsonObject;
}

const pruneEveryMs = 3_600_000;
/** Samples whose text features are computed between two yields to the event loop (~1 ms each with franc on 512 characters). */
const samplesPerTurn = 8;
const sampledPaths = new Set(["/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/messages"]);

/** Creates the sampler; its flush timer is unref'd, so it never holds the process open. */
export function createDriftSampler(options: DriftSamplerOptions): DriftSampler {
  const random = options.random ?? Math.random;
  const replica = options.replica ?? randomUUID();
  const maxOpenBuckets = options.maxOpenBuckets ?? 256;
  const models = new Set(options.models);
  const buckets = new Map<string, Bucket>();
  const captures = new WeakMap<RequestContext, Captured>();
  let chain: Promise<void> = Promise.resolve();
  let lastPruneAt = -Infinity;
  let serials = 0;
  const timer = setInterval(() => void write(options.now()), options.flushIntervalMs);
  timer.unref();

  function record(model: string, version: string, time: number, build: () => DriftSampleDraft): void {
    const start = Math.floor(time / options.bucketMs) * options.bucketMs;
    const key = `${start}\u0000${model}\u0000${version}`;
    let bucket = buckets.get(key);
    if (bucket === undefined) {
      if (buckets.size >= maxOpenBuckets) return;
      bucket = { serial: serials++, start, model, version, reservoir: createReservoir(options.perBucket, random), dirty: new Set() };
      buckets.set(key, bucket);
    }
    const slot = bucket.reservoir.offer();
    if (slot === -1) return;
    bucket.reservoir.set(slot, { ...build(), draw: random() });
    bucket.dirty.add(slot);
  }

  /**
   * Takes the changed slots and releases the buckets that closed before `releaseBefore`, then, in the background
   * chain, computes their text features a few samples per event-loop turn and writes them in one batch.
   */
  function write(releaseBefore: number): Promise<void> {
    const now = options.now();
    const changed: { id: string; draft: DriftSampleDraft & { draw: number } }[] = [];
    for (const [key, bucket] of buckets) {
      for (const slot of bucket.dirty) {
        const draft = bucket.reservoir.items[slot];
        if (draft !== undefined) changed.push({ id: `${replica}|${bucket.serial}|${slot}`, draft });
      }
      bucket.dirty.clear();
      if (bucket.start + options.bucketMs <= releaseBefore) buckets.delete(key);
    }
    const prune = now - lastPruneAt >= pruneEveryMs;
    if (prune) lastPruneAt = now;
    chain = chain.then(async () => {
      try {
        const rows: DriftSampleRow[] = [];
        for (const [index, { id, draft }] of changed.entries()) {
          if (index > 0 && index % samplesPerTurn === 0) await new Promise((resolve) => setImmediate(resolve));
          rows.push(toRow(id, draft));
        }
        if (rows.length > 0) await options.store.upsertDriftSamples(rows);
        if (prune) await options.store.pruneDriftSamples(now - options.retentionMs);
      } catch (error) {
        options.onError?.(error);
      }
    });
    return chain;
  }

  return {
    stage: {
      name: "drift_capture",
      run: async (context, request, next) => {
        const captured: Captured = { body: request.body };
        captures.set(context, captured);
        const answer = await next(request);
        if (answer.kind === "json") captured.answer = answer.result.body;
        return answer;
      },
    },
    sink: {
      record(outcome, context) {
        const captured = captures.get(context);
        captures.delete(context);
        const { model, version } = outcome;
        if (!models.has(model) || !sampledPaths.has(outcome.path)) return;
        // The arrival time on the gateway's own clock.
        const time = outcome.endedAt - outcome.latencyMs;
        record(model, version, time, () => ({
          time,
          model,
          version,
          promptTokens: outcome.promptTokens,
          outputTokens: outcome.completionTokens,
          ttftMs: outcome.ttftMs === undefined ? undefined : storedLatency(outcome.ttftMs),
          finishReason: outcome.finishReason === "" ? "none" : outcome.finishReason,
          errorType: outcome.errorCode === "" ? "none" : outcome.errorCode,
          prompt: captured === undefined ? "" : detached(promptText(captured.body)),
          answer: detachedAnswer(captured?.answer === undefined ? { text: (context.account?.deliveredText ?? "").slice(0, refusalPrefixChars) } : answerText(captured.answer)),
        }));
      },
    },
    record,
    flush: () => write(options.now()),
    close() {
      clearInterval(timer);
      // Everything left is written, open buckets included: a restart keeps what this process sampled.
      return write(Infinity);
    },
    held: () => [...buckets.values()].reduce((sum, bucket) => sum + bucket.reservoir.items.length, 0),
  };
}

/** The answer's start, copied; a `refusal` field is kept only when it is a string (it is then short by nature). */
function detachedAnswer(answer: { text: string; refusal?: unknown }): DriftSampleDraft["answer"] {
  return typeof answer.refusal === "string" ? { text: detached(answer.text), refusal: detached(answer.refusal.slice(0, refusalPrefixChars)) } : { text: detached(answer.text) };
}

/** The stored row, with the text features computed from the draft's prompt and answer. */
function toRow(id: string, draft: DriftSampleDraft & { draw: number }): DriftSampleRow {
  return {
    id,
    model: draft.model,
    version: draft.version,
    time: Math.round(draft.time),
    draw: draft.draw,
    prompt_tokens: draft.promptTokens,
    output_tokens: draft.outputTokens,
    ttft_ms: draft.ttftMs ?? null,
    language: draft.prompt === "" ? "und" : promptLanguage(draft.prompt),
    script: promptScript(draft.prompt),
    finish_reason: draft.finishReason.slice(0, 64),
    refusal: isRefusal(draft.answer),
    error_type: draft.errorType.slice(0, 64),
  };
}
