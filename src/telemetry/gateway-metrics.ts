import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { BreakerState } from "../routing/circuit-breaker.js";
import type { RoutingTable } from "../routing/routing-table.js";

/** What one finished API request contributes to the metrics; every label value is already bounded. */
export interface RequestMeasurement {
  readonly operation: string;
  readonly provider: string;
  readonly model: string;
  readonly deployment: string;
  readonly team: string;
  readonly status: number;
  /** Empty when the request succeeded. */
  readonly errorCode: string;
  readonly durationSeconds: number;
  readonly ttftSeconds: number | undefined;
  /** Mean time per output token after the first (streams with two or more output tokens). */
  readonly tpotSeconds: number | undefined;
  readonly overheadSeconds: number | undefined;
  readonly inputTokens: number | undefined;
  readonly outputTokens: number | undefined;
  readonly cachedTokens: number | undefined;
  readonly costUsd: number;
  /** Tokens and dollars the cache or a shared in-flight call saved (0 otherwise). */
  readonly savedTokens: number;
  readonly savedUsd: number;
  /** The cache's verdict when a cache stage ran. */
  readonly cache: string | undefined;
}

/** One Redis connection's health as the composition root reports it, read at scrape time. */
export interface RedisHealthSample {
  readonly use: string;
  readonly server: string;
  readonly up: boolean;
  readonly failures: number;
}

/** The gateway's Prometheus metrics (docs/observability.md). */
export interface GatewayMetrics {
  readonly registry: Registry;
  record(measurement: RequestMeasurement): void;
  requestStarted(): void;
  requestEnded(): void;
  requestLogDropped(count: number): void;
}

// LLM requests range from a cached 5 ms answer to a two-minute generation. Every bound here is also a rollup bucket
// bound (store/latency-histogram.ts), so the metrics and the rollups agree on what is under a threshold.
const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];
const ttftBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const perTokenBuckets = [0.001, 0.005, 0.01, 0.02, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5];
const tokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304];
// The gateway's own share: sub-millisecond when healthy, milliseconds when something queues.
const overheadBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const breakerValues: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };

const genAiLabels = ["gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model", "error_type"] as const;
const gatewayLabels = ["model", "deployment", "team", "status_class", "error_code"] as const;

/**
 * Creates the metrics on `registry`, with prom-client's process metrics (`process_*`, `nodejs_*`: event-loop lag,
 * heap, GC, handles); the breaker and in-flight-per-deployment gauges read `routing`, and the Redis ones `redis`, at
 * scrape time.
 */
export function createGatewayMetrics(
  registry: Registry,
  routing: RoutingTable | undefined,
  redis: () => readonly RedisHealthSample[] = () => [],
  sloThresholdsMs: Readonly<Record<"latency" | "ttft" | "tpot", readonly number[]>> = { latency: [], ttft: [], tpot: [] },
): GatewayMetrics {
  const registers = [registry];
  // On the gateway's own registry, never the global one, so several gateways in one process each have theirs.
  collectDefaultMetrics({ register: registry });
  // Every latency SLO's threshold is a bucket, so Prometheus rules (gantry slo rules) count good events exactly.
  const withThresholds = (buckets: readonly number[], thresholdsMs: readonly number[]): number[] => [...new Set([...buckets, ...thresholdsMs.map((ms) => ms / 1000)])].sort((a, b) => a - b);
  const duration = new Histogram({ name: "gen_ai_server_request_duration_seconds", help: "Time from request arrival to the last byte of the answer.", labelNames: genAiLabels, buckets: withThresholds(latencyBuckets, sloThresholdsMs.latency), registers });
  const ttft = new Histogram({ name: "gen_ai_server_time_to_first_token_seconds", help: "Time from request arrival to the first streamed token sent.", labelNames: genAiLabels, buckets: withThresholds(ttftBuckets, sloThresholdsMs.ttft), registers });
  const tpot = new Histogram({ name: "gen_ai_server_time_per_output_token_seconds", help: "Mean time per output token after the first, per streamed request.", labelNames: genAiLabels, buckets: withThresholds(perTokenBuckets, sloThresholdsMs.tpot), registers });
  const tokens = new Histogram({ name: "gen_ai_client_token_usage", help: "Tokens per request by type (input, output, cached input).", labelNames: [...genAiLabels, "gen_ai_token_type"], buckets: tokenBuckets, registers });
  const requests = new Counter({ name: "gantry_requests_total", help: "API requests finished.", labelNames: gatewayLabels, registers });
  const errors = new Counter({ name: "gantry_errors_total", help: "API requests that ended in an error.", labelNames: gatewayLabels, registers });
  const overhead = new Histogram({ name: "gantry_overhead_seconds", help: "Time spent in the gateway: request duration minus time waiting on upstreams.", labelNames: ["model"], buckets: overheadBuckets, registers });
  const cost = new Counter({ name: "gantry_cost_usd_total", help: "Spend in US dollars from per-model pricing.", labelNames: ["model", "team"], registers });
  const savedTokens = new Counter({ name: "gantry_saved_tokens_total", help: "Tokens no upstream had to process because the cache or a shared in-flight call answered.", labelNames: ["model", "team"], registers });
  const savedCost = new Counter({ name: "gantry_saved_cost_usd_total", help: "What the saved tokens would have cost at the answering model's pricing, in US dollars.", labelNames: ["model", "team"], registers });
  const cache = new Counter({ name: "gantry_cache_requests_total", help: "Requests the answer cache looked up, by result.", labelNames: ["model", "result"], registers });
  const inFlight = new Gauge({ name: "gantry_requests_in_flight", help: "API requests being handled now.", registers });
  const dropped = new Counter({ name: "gantry_request_log_dropped_total", help: "Request-log rows dropped (queue full or write failed).", registers });
  new Gauge({
    name: "gantry_circuit_breaker_state",
    help: "Circuit breaker per deployment: 0 closed, 1 half-open, 2 open.",
    labelNames: ["model", "deployment"],
    registers,
    collect() {
      for (const router of routing?.list() ?? []) for (const state of router.states) this.set({ model: router.model.name, deployment: state.deployment.id }, breakerValues[state.breaker.state()]);
    },
  });
  new Gauge({
    name: "gantry_deployment_in_flight",
    help: "Upstream attempts in flight per deployment (the gateway's queue towards each upstream).",
    labelNames: ["model", "deployment"],
    registers,
    collect() {
      for (const router of routing?.list() ?? []) for (const state of router.states) this.set({ model: router.model.name, deployment: state.deployment.id }, state.inFlight);
    },
  });
  new Gauge({
    name: "gantry_redis_up",
    help: "Whether each Redis connection is usable: 1 connected with its breaker closed, 0 down (docs/operations.md).",
    labelNames: ["use", "server"],
    registers,
    collect() {
      for (const sample of redis()) this.set({ use: sample.use, server: sample.server }, sample.up ? 1 : 0);
    },
  });
  new Counter({
    name: "gantry_redis_failures_total",
    help: "Redis commands that failed for lack of Redis (timeouts, lost connection, refused while the breaker was open).",
    labelNames: ["use", "server"],
    registers,
    collect() {
      // The connection keeps the running count; a counter cannot be set, so it is rebuilt from it at each scrape.
      this.reset();
      for (const sample of redis()) this.inc({ use: sample.use, server: sample.server }, sample.failures);
    },
  });

  // Label children are looked up once per label combination; the set is bounded by config, so the map is too.
  const children = new Map<string, RecordChildren>();
  function childrenFor(m: RequestMeasurement): RecordChildren {
    const key = `${m.operation}\u0000${m.provider}\u0000${m.model}\u0000${m.deployment}\u0000${m.team}\u0000${m.status}\u0000${m.errorCode}`;
    let bound = children.get(key);
    if (bound === undefined) {
      const genAi = { gen_ai_operation_name: m.operation, gen_ai_provider_name: m.provider, gen_ai_request_model: m.model, error_type: m.errorCode };
      const gateway = { model: m.model, deployment: m.deployment, team: m.team, status_class: `${Math.floor(m.status / 100)}xx`, error_code: m.errorCode };
      bound = {
        duration: duration.labels(genAi),
        ttft: ttft.labels(genAi),
        tpot: tpot.labels(genAi),
        input: tokens.labels({ ...genAi, gen_ai_token_type: "input" }),
        output: tokens.labels({ ...genAi, gen_ai_token_type: "output" }),
        cached: tokens.labels({ ...genAi, gen_ai_token_type: "cached" }),
        requests: requests.labels(gateway),
        errors: m.errorCode === "" && m.status < 400 ? undefined : errors.labels(gateway),
        overhead: overhead.labels({ model: m.model }),
        cost: cost.labels({ model: m.model, team: m.team }),
        savedTokens: savedTokens.labels({ model: m.model, team: m.team }),
        savedCost: savedCost.labels({ model: m.model, team: m.team }),
      };
      children.set(key, bound);
    }
    return bound;
  }

  return {
    registry,
    record(m) {
      const bound = childrenFor(m);
      bound.requests.inc();
      bound.errors?.inc();
      bound.duration.observe(m.durationSeconds);
      if (m.ttftSeconds !== undefined) bound.ttft.observe(m.ttftSeconds);
      if (m.tpotSeconds !== undefined) bound.tpot.observe(m.tpotSeconds);
      if (m.inputTokens !== undefined) bound.input.observe(m.inputTokens);
      if (m.outputTokens !== undefined) bound.output.observe(m.outputTokens);
      if (m.cachedTokens !== undefined && m.cachedTokens > 0) bound.cached.observe(m.cachedTokens);
      if (m.overheadSeconds !== undefined) bound.overhead.observe(m.overheadSeconds);
      if (m.costUsd > 0) bound.cost.inc(m.costUsd);
      if (m.savedTokens > 0) bound.savedTokens.inc(m.savedTokens);
      if (m.savedUsd > 0) bound.savedCost.inc(m.savedUsd);
      if (m.cache !== undefined) cache.inc({ model: m.model, result: m.cache });
    },
    requestStarted: () => inFlight.inc(),
    requestEnded: () => inFlight.dec(),
    requestLogDropped: (count) => dropped.inc(count),
  };
}

interface RecordChildren {
  readonly duration: Histogram.Internal<string>;
  readonly ttft: Histogram.Internal<string>;
  readonly tpot: Histogram.Internal<string>;
  readonly input: Histogram.Internal<string>;
  readonly output: Histogram.Internal<string>;
  readonly cached: Histogram.Internal<string>;
  readonly requests: Counter.Internal;
  readonly errors: Counter.Internal | undefined;
  readonly overhead: Histogram.Internal<string>;
  readonly cost: Counter.Internal;
  readonly savedTokens: Counter.Internal;
  readonly savedCost: Counter.Internal;
}
