import { z } from "zod";

/** The routing strategies a model may choose (docs/routing.md). */
export const routingStrategies = ["round-robin", "least-outstanding", "latency", "prefix-affinity", "session"] as const;

/**
 * `models[].routing.health_check`: active probes of each openai-compatible deployment. On with these defaults when a
 * model has more than one openai-compatible deployment; `enabled: false` turns them off.
 */
export const healthCheckSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** GET this path relative to the deployment's base_url (`/models` → `<base_url>/models`); any 2xx is healthy. */
  path: z.string().startsWith("/").default("/models"),
  interval_ms: z.number().int().min(10).max(3_600_000).default(5_000),
  timeout_ms: z.number().int().positive().max(600_000).default(1_000),
  /** Failed probes in a row that take the deployment out of rotation. */
  unhealthy_after: z.number().int().min(1).max(100).default(2),
  /** Passed probes in a row that bring it back. */
  healthy_after: z.number().int().min(1).max(100).default(1),
  /**
   * Prometheus path on the server root (vLLM, `gantry engine`): `vllm:num_requests_waiting` + `_running` are read at
   * each probe and count as load for `least-outstanding` and `prefix-affinity`. Off when absent.
   */
  metrics_path: z.string().startsWith("/").optional(),
});

/**
 * `models[].routing.ejection`: passive outlier ejection. A deployment that fails `consecutive_failures` requests in a
 * row (one, for a connection refused, reset or timed out) leaves rotation for `base_ms`, doubling per ejection in a
 * row up to `max_ms`, but only while another deployment of the model can take its traffic.
 */
export const ejectionSchema = z.strictObject({
  enabled: z.boolean().default(true),
  consecutive_failures: z.number().int().min(1).max(100).default(2),
  base_ms: z.number().int().positive().default(5_000),
  max_ms: z.number().int().positive().default(60_000),
});

/** `models[].routing`: how a request picks among a model's deployments. */
export const routingSchema = z.strictObject({
  strategy: z.enum(routingStrategies).default("round-robin"),
  /** `session`: the request header whose value keeps a client on one deployment. */
  session_header: z
    .string()
    .min(1)
    .regex(/^[\w-]+$/, "a header name")
    .transform((name) => name.toLowerCase())
    .default("x-session-id"),
  /** `prefix-affinity`: in-flight requests above which the affine deployment counts as busy. */
  busy_threshold: z.number().int().positive().max(100_000).default(16),
  /** `latency`: how fast old latency observations fade (peak-EWMA time constant). */
  decay_ms: z.number().int().positive().default(10_000),
  health_check: healthCheckSchema.optional(),
  ejection: ejectionSchema.prefault({}),
});

/** `models[].retry`: attempts per request and the retry budget that stops retry storms. */
export const retrySchema = z.strictObject({
  /** Upstream attempts per request on this model, the first included; 1 turns retries off. */
  max_attempts: z.number().int().min(1).max(10).default(3),
  base_delay_ms: z.number().int().min(0).default(50),
  /** The longest single wait, backoff or Retry-After; a longer Retry-After ends the retries. */
  max_delay_ms: z.number().int().min(0).default(2_000),
  /** Retries allowed as a fraction of requests over `budget_window_ms`. */
  budget_ratio: z.number().min(0).max(10).default(0.2),
  /** Retries always allowed per second of the window (Finagle's floor), so an outage is retried before the breaker opens. */
  budget_min_retries_per_second: z.number().min(0).max(10_000).default(10),
  /** A fixed floor per window instead of the per-second one (the key older configs used). */
  budget_min_retries: z.number().int().min(0).optional(),
  budget_window_ms: z.number().int().positive().default(10_000),
  /**
   * An attempt with no first byte after this long (stream: first part; otherwise the answer) is abandoned and retried
   * on another deployment, when one is available and attempts remain; the last attempt waits for the deployment's own
   * `timeouts.first_byte_ms`. Applies only where the model has more than one deployment; 0 turns it off.
   */
  first_byte_ms: z.number().int().min(0).default(10_000),
  /** The deadline above grows to this multiple of the slowest of the model's recent first bytes of the same kind. */
  first_byte_multiple: z.number().min(1).max(100).default(3),
});

/** `models[].breaker`: the per-deployment circuit breaker. */
export const breakerSchema = z.strictObject({
  enabled: z.boolean().default(true),
  consecutive_failures: z.number().int().min(1).default(5),
  error_rate: z.number().gt(0).max(1).default(0.5),
  window_ms: z.number().int().positive().default(30_000),
  min_requests: z.number().int().min(1).default(10),
  cooldown_ms: z.number().int().positive().default(15_000),
  half_open_probes: z.number().int().min(1).default(1),
});

/** `models[].fast_path`: rules that answer before any deployment is called. */
export const fastPathSchema = z.strictObject({
  /** Relative paths resolve against the working directory. */
  rules_file: z.string().min(1),
  /**
   * Answer a matching question even when the request's `stop` or `max_tokens` would cut the rule's answer (it is cut,
   * with a truthful finish_reason); by default such requests go to the model.
   */
  serve_any: z.boolean().default(false),
});


export type RoutingConfig = z.output<typeof routingSchema>;
export type RetryConfig = z.output<typeof retrySchema>;
export type BreakerConfig = z.output<typeof breakerSchema>;
export type EjectionConfig = z.output<typeof ejectionSchema>;
export type HealthCheckConfig = z.output<typeof healthCheckSchema>;
export type RoutingStrategyName = (typeof routingStrategies)[number];
export type FastPathConfig = z.output<typeof fastPathSchema>;
