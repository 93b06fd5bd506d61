import { performance } from "node:perf_hooks";
import type { Llama, LlamaContext, LlamaContextSequence, LlamaEmbeddingContext, LlamaModel, Token } from "node-llama-cpp";
import { GatewayError } from "../errors/gateway-error.js";
import { resolveModelFile } from "../models/resolve-model-file.js";
import type { ProviderState } from "../pipeline/provider.js";
import type { Logger } from "../pipeline/logger.js";
import { createChatPromptRenderer, type ChatPromptRenderer } from "./chat-prompt.js";
import type { EngineLoad, EngineMetrics } from "./engine-metrics.js";
import { generateOnSequence } from "./generate-on-sequence.js";
import type { GenerationJob, GenerationOutcome } from "./generation-job.js";
import { createDecodeGate } from "./decode-gate.js";
import { createGrammarCache, type GrammarCache } from "./grammar-cache.js";
import { getLlamaRuntime } from "./llama-runtime.js";
import { createPrefillFirstStrategy } from "./prefill-first-strategy.js";
import { resolveThreads } from "./resolve-threads.js";
import { createSequencePool, type SequencePool } from "./sequence-pool.js";

/** Everything the engine needs to load and serve one GGUF model. */
export interface LlamaEngineOptions {
  /** The name clients use; labels metrics and logs. */
  readonly modelName: string;
  /** Path, `hf:` URI or URL (see models/resolve-model-file.ts). */
  readonly model: string;
  readonly sha256?: string;
  readonly cacheDir?: string;
  /** Tokens per sequence. */
  readonly contextSize: number;
  readonly parallel: number;
  readonly queueSize: number;
  readonly threads?: number;
  readonly batchSize?: number;
  readonly gpuLayers: "auto" | "max" | number;
  readonly flashAttention?: "auto" | boolean;
  readonly embeddings: boolean;
  readonly chatTemplate: string;
  readonly metrics?: EngineMetrics;
  readonly logger?: Logger;
  /** Retry-After given with a 429 when the queue is full. */
  readonly retryAfterMs?: number;
}

/** A loaded engine: what the provider calls. */
export interface ReadyEngine {
  readonly model: LlamaModel;
  /** Tokens one sequence holds (prompt + completion). */
  readonly contextSize: number;
  readonly parallel: number;
  /** Token ids run from 0 to this (exclusive); 0 when the GGUF does not say, and then token prompts are refused. */
  readonly vocabularySize: number;
  readonly chat: ChatPromptRenderer;
  readonly grammars: GrammarCache;
  /** Tokenizes a completion prompt the way llama.cpp does (BOS first when the model wants it). */
  tokenize(text: string): Token[];
  /** Queues for a sequence, then streams text deltas; returns the outcome with exact token counts. */
  generate(job: GenerationJob, signal: AbortSignal): AsyncGenerator<string, GenerationOutcome>;
  /** Embeds each input; undefined when this deployment has no embedding context. */
  readonly embed: ((inputs: readonly string[], signal: AbortSignal) => Promise<{ vectors: number[][]; promptTokens: number }>) | undefined;
  load(): EngineLoad;
}

export interface LlamaEngine {
  state(): ProviderState;
  /** Settles once loading has ended, ready or failed; never rejects. */
  readonly loaded: Promise<void>;
  /** The loaded engine; a 503 while loading or after a failed load. */
  ready(): ReadyEngine;
  close(): Promise<void>;
}

/** Starts loading a model in the background and returns at once; `state()` tells how far it got. */
export function createLlamaEngine(options: LlamaEngineOptions): LlamaEngine {
  let state: ProviderState = { state: "loading" };
  let engine: (ReadyEngine & { dispose(): Promise<void> }) | undefined;
  let closing = false;
  const loaded = load(options, () => closing).then(
    (ready) => {
      engine = ready;
      state = { state: "ready" };
      options.logger?.info({ model: options.modelName, template: ready.chat.templateName, context_size: ready.contextSize, parallel: ready.parallel }, "llama-cpp engine ready");
    },
    (error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      state = { state: "failed", reason };
      options.logger?.error({ model: options.modelName, reason }, "llama-cpp engine failed to load");
    },
  );
  return {
    state: () => state,
    loaded,
    ready() {
      if (engine !== undefined && state.state === "ready") return engine;
      const why = state.state === "failed" ? `failed to load: ${state.reason}` : closing ? "shut down" : "still loading";
      throw new GatewayError("no_deployment_available", { message: `The model "${options.modelName}" is ${why}.` });
    },
    async close() {
      closing = true;
      await loaded;
      state = { state: "failed", reason: "closed" };
      await engine?.dispose();
      engine = undefined;
    },
  };
}

async function load(options: LlamaEngineOptions, isClosing: () => boolean): Promise<ReadyEngine & { dispose(): Promise<void> }> {
  const file = await resolveModelFile(options.model, {
    ...(options.sha256 === undefined ? {} : { sha256: options.sha256 }),
    ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
  });
  const llama = await getLlamaRuntime();
  const model = await llama.loadModel({ modelPath: file.path, gpuLayers: options.gpuLayers });
  const disposables: { dispose(): Promise<void> }[] = [model];
  try {
    const { threads, lowered } = resolveThreads(options.threads, llama.cpuMathCores);
    if (lowered) options.logger?.warn({ model: options.modelName, requested: options.threads, threads }, "threads lowered to the cores this process may use");
    // Flash attention on CPU is several times slower for small attention heads; GPUs gain from it.
    const flashAttention = options.flashAttention ?? (llama.gpu === false ? false : "auto");
    const context = await model.createContext({
      contextSize: options.contextSize,
      sequences: options.parallel,
      threads,
      flashAttention,
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      batching: { itemPrioritizationStrategy: createPrefillFirstStrategy() },
      failedCreationRemedy: false,
    });
    disposables.push(context);
    const embeddingContext = options.embeddings ? await model.createEmbeddingContext({ contextSize: options.contextSize, threads }) : undefined;
    if (embeddingContext !== undefined) disposables.push(embeddingContext);
    if (isClosing()) throw new Error("closed while loading");
    return buildEngine(options, llama, model, context, embeddingContext, disposables);
  } catch (error) {
    for (const item of disposables.reverse()) await item.dispose().catch(() => undefined);
    throw error;
  }
}

function buildEngine(
  options: LlamaEngineOptions,
  llama: Llama,
  model: LlamaModel,
  context: LlamaContext,
  embeddingContext: LlamaEmbeddingContext | undefined,
  disposables: { dispose(): Promise<void> }[],
): ReadyEngine & { dispose(): Promise<void> } {
  const sequences = Array.from({ length: options.parallel }, () => context.getSequence());
  const pool: SequencePool<LlamaContextSequence> = createSequencePool({ sequences, queueSize: options.queueSize, retryAfterMs: options.retryAfterMs ?? 1000 });
  const contextSize = context.contextSize;
  const bos = model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
  const totalCells = contextSize * options.parallel;
  const load = (): EngineLoad => {
    let used = 0;
    for (const sequence of pool.leased()) used += sequence.nextTokenIndex;
    return { running: pool.running(), waiting: pool.waiting(), kvCacheUsage: totalCells === 0 ? 0 : used / totalCells };
  };
  const untrack = options.metrics?.track(options.modelName, load);
  const chat = createChatPromptRenderer(model, options.chatTemplate);
  const gate = createDecodeGate();

  async function* generate(job: GenerationJob, signal: AbortSignal): AsyncGenerator<string, GenerationOutcome> {
    const promptTokens = job.prompt.length;
    if (promptTokens === 0) throw new GatewayError("invalid_request", { message: "The prompt is empty." });
    if (promptTokens >= contextSize) {
      throw new GatewayError("context_length_exceeded", { message: `The prompt has ${promptTokens} tokens; this model's context window is ${contextSize} tokens, and at least one must be left to generate.`, param: "messages" });
    }
    if (job.maxTokens !== undefined && promptTokens + job.maxTokens > contextSize) {
      throw new GatewayError("context_length_exceeded", {
        message: `The prompt (${promptTokens} tokens) plus max_tokens (${job.maxTokens}) exceeds this model's context window of ${contextSize} tokens.`,
        param: "max_tokens",
      });
    }
    const arrivedAt = performance.now();
    const lease = await pool.acquire(job.prompt, signal);
    const startedAt = performance.now();
    let firstTokenAt: number | undefined;
    let outcome: GenerationOutcome | undefined;
    let failed = false;
    const cachedTokens = Math.min(lease.cachedPrefix, promptTokens - 1);
    try {
      const run = generateOnSequence({
        sequence: lease.sequence,
        gate,
        reuse: cachedTokens,
        job,
        maxTokens: Math.min(job.maxTokens ?? Infinity, contextSize - promptTokens),
        signal,
        batchPeers: () => pool.running() - 1,
        onFirstToken: () => {
          firstTokenAt = performance.now();
        },
        onIdle: lease.release,
      });
      for (;;) {
        const step = await run.next();
        if (step.done === true) {
          outcome = { finishReason: step.value.finishReason, promptTokens, completionTokens: step.value.completionTokens, cachedTokens };
          return outcome;
        }
        yield step.value;
      }
    } catch (error) {
      failed = !signal.aborted;
      throw error;
    } finally {
      const endedAt = performance.now();
      options.metrics?.record(options.modelName, {
        queueSeconds: (startedAt - arrivedAt) / 1000,
        ttftSeconds: firstTokenAt === undefined ? undefined : (firstTokenAt - arrivedAt) / 1000,
        e2eSeconds: (endedAt - arrivedAt) / 1000,
        promptTokens,
        generationTokens: outcome?.completionTokens ?? 0,
        cachedPromptTokens: cachedTokens,
        finishReason: outcome?.finishReason ?? (failed ? "error" : "abort"),
      });
    }
  }

  const embed =
    embeddingContext === undefined
      ? undefined
      : async (inputs: readonly string[], signal: AbortSignal): Promise<{ vectors: number[][]; promptTokens: number }> => {
          const vectors: number[][] = [];
          let promptTokens = 0;
          for (const input of inputs) {
            signal.throwIfAborted();
            const length = embeddingContext.calculateInputLength(input);
            if (length >= contextSize) throw new GatewayError("context_length_exceeded", { message: `An input has ${length} tokens; this model embeds at most ${contextSize - 1}.`, param: "input" });
            promptTokens += length;
            vectors.push([...(await embeddingContext.getEmbeddingFor(input)).vector]);
          }
          return { vectors, promptTokens };
        };

  return {
    model,
    contextSize,
    parallel: options.parallel,
    vocabularySize: model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? 0,
    chat,
    grammars: createGrammarCache(llama),
    // As llama.cpp's server does (add_special): BOS, then the text with the tokenizer's usual space prefix.
    tokenize: (text) => (bos === null ? model.tokenize(text) : [bos, ...model.tokenize(text)]),
    generate,
    embed,
    load,
    async dispose() {
      untrack?.();
      pool.close(new GatewayError("shutting_down"));
      for (const item of disposables.reverse()) await item.dispose().catch(() => undefined);
    },
  };
}
