import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** A live view of one engine, read at scrape time. */
export interface EngineLoad {
  readonly running: number;
  readonly waiting: number;
  /** Fraction (0–1) of KV cells held by running sequences. */
  readonly kvCacheUsage: number;
}

/** One finished request, as the engine measured it. */
export interface EngineRequestRecord {
  readonly queueSeconds: number;
  /** Undefined when no token came (aborted or failed before the first one). */
  readonly ttftSeconds: number | undefined;
  readonly e2eSeconds: number;
  readonly promptTokens: number;
  readonly generationTokens: number;
  readonly cachedPromptTokens: number;
  readonly finishReason: "stop" | "length" | "abort" | "error";
}

/** The engine's Prometheus metrics, named as vLLM names them so inference routers and dashboards read them as-is. */
export interface EngineMetrics {
  readonly registry: Registry;
  /** Registers an engine whose load the gauges report under `model_name`. */
  track(modelName: string, load: () => EngineLoad): () => void;
  record(modelName: string, request: EngineRequestRecord): void;
}

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
// Tiny CPU models produce tokens in well under a millisecond, big ones in tens: cover both.
const perTokenBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5];
const tokenBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000];

/** Creates the metrics on their own registry (the engine server's /metrics serves exactly this). */
export function createEngineMetrics(registry: Registry = new Registry()): EngineMetrics {
  const engines = new Map<string, () => EngineLoad>();
  const labelNames = ["model_name"] as const;
  const gauge = (name: string, help: string, read: (load: EngineLoad) => number): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const [model, load] of engines) this.set({ model_name: model }, read(load()));
      },
    });
  };
  gauge("vllm:num_requests_running", "Requests running on a sequence.", (load) => load.running);
  gauge("vllm:num_requests_waiting", "Requests queued for a free sequence.", (load) => load.waiting);
  gauge("vllm:kv_cache_usage_perc", "KV-cache usage of running requests; 1 means 100 percent.", (load) => load.kvCacheUsage);

  const histogram = (name: string, help: string, buckets: number[]): Histogram<"model_name"> => new Histogram({ name, help, labelNames, buckets, registers: [registry] });
  const ttft = histogram("vllm:time_to_first_token_seconds", "Time from arrival to the first generated token.", latencyBuckets);
  const tpot = histogram("vllm:time_per_output_token_seconds", "Mean time per output token after the first, per request.", perTokenBuckets);
  const e2e = histogram("vllm:e2e_request_latency_seconds", "Time from arrival to the last token.", latencyBuckets);
  const queue = histogram("vllm:request_queue_time_seconds", "Time waiting for a free sequence.", latencyBuckets);
  const promptTokens = histogram("vllm:request_prompt_tokens", "Prompt tokens per request.", tokenBuckets);
  const generationTokens = histogram("vllm:request_generation_tokens", "Generated tokens per request.", tokenBuckets);
  const promptTotal = new Counter({ name: "vllm:prompt_tokens_total", help: "Prompt tokens processed.", labelNames, registers: [registry] });
  const cachedTotal = new Counter({ name: "vllm:prefix_cache_hits_total", help: "Prompt tokens served from a sequence's KV cache.", labelNames, registers: [registry] });
  const generationTotal = new Counter({ name: "vllm:generation_tokens_total", help: "Tokens generated.", labelNames, registers: [registry] });
  const success = new Counter({ name: "vllm:request_success_total", help: "Finished requests by finish reason.", labelNames: ["model_name", "finished_reason"], registers: [registry] });

  return {
    registry,
    track(modelName, load) {
      engines.set(modelName, load);
      return () => {
        if (engines.get(modelName) === load) engines.delete(modelName);
      };
    },
    record(modelName, request) {
      const labels = { model_name: modelName };
      queue.observe(labels, request.queueSeconds);
      e2e.observe(labels, request.e2eSeconds);
      promptTokens.observe(labels, request.promptTokens);
      generationTokens.observe(labels, request.generationTokens);
      promptTotal.inc(labels, request.promptTokens);
      cachedTotal.inc(labels, request.cachedPromptTokens);
      generationTotal.inc(labels, request.generationTokens);
      if (request.ttftSeconds !== undefined) {
        ttft.observe(labels, request.ttftSeconds);
        if (request.generationTokens > 1) tpot.observe(labels, (request.e2eSeconds - request.ttftSeconds) / (request.generationTokens - 1));
      }
      success.inc({ model_name: modelName, finished_reason: request.finishReason }, 1);
    },
  };
}
