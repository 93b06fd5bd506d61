import { z } from "zod";
import { pricingSchema } from "../accounting/pricing.js";
import { breakerSchema, deploymentWeight, fastPathSchema, retrySchema, routingSchema } from "../routing/routing-config-schema.js";
import { authConfigSchema } from "../auth/auth-config-schema.js";
import { adminConfigSchema } from "../auth/admin-config-schema.js";
import { insecureBindProblem } from "../auth/loopback.js";
import { guardrailsConfigSchema } from "../guardrails/pii-config-schema.js";
import { corsConfigSchema } from "../http/cors-config-schema.js";
import { limitsConfigSchema } from "../limits/limits-config-schema.js";
import { cacheSchema, modelCacheSchema } from "../cache/cache-config-schema.js";
import { databaseConfigSchema, requestLogConfigSchema } from "../store/store-config-schema.js";
import { metricsConfigSchema, telemetryConfigSchema } from "../telemetry/telemetry-config-schema.js";

const positiveMs = z.number().int().positive();

/** Upstream timeouts in milliseconds; any may be set globally and overridden per deployment. */
export const timeoutsSchema = z.strictObject({
  connect_ms: positiveMs.optional(),
  first_byte_ms: positiveMs.optional(),
  idle_ms: positiveMs.optional(),
  total_ms: positiveMs.optional(),
});

const openAiCompatibleDeployment = z.strictObject({
  provider: z.literal("openai-compatible"),
  base_url: z.url({ protocol: /^https?$/ }),
  upstream_model: z.string().min(1).optional(),
  api_key: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  max_connections: z.number().int().positive().max(10_000).default(128),
  /** Ask the upstream for usage on every stream (for accounting), hiding it from clients that did not ask. */
  stream_usage: z.boolean().default(true),
  timeouts: timeoutsSchema.optional(),
  weight: deploymentWeight,
});

/** The embedded llama.cpp engine (docs/engine.md): one GGUF model, `parallel` sequences batched in one context. */
const llamaCppDeployment = z.strictObject({
  provider: z.literal("llama-cpp"),
  /** A path (relative paths resolve against the working directory), an `hf:user/repo/file.gguf` URI or an http(s) URL. */
  model: z.string().min(1),
  /** Expected sha256 of the model file (hex); verified on load and recorded for downloads. */
  sha256: z.string().regex(/^[a-fA-F0-9]{64}$/, "a sha256 is 64 hex digits").optional(),
  /** Where downloaded models go; default $GANTRY_CACHE_DIR/models or ~/.cache/gantry/models. */
  cache_dir: z.string().min(1).optional(),
  /** Tokens per sequence (prompt + completion). */
  context_size: z.number().int().min(64).max(1_048_576).default(2048),
  /** Concurrent sequences batched together. */
  parallel: z.number().int().min(1).max(256).default(4),
  /** Requests waiting for a sequence beyond `parallel`; more get 429. */
  queue_size: z.number().int().min(0).max(100_000).default(64),
  /** CPU threads; default the physical cores, never more than this process may use. */
  threads: z.number().int().min(1).max(1024).optional(),
  /** Tokens decoded per step across all sequences; default min(512, context_size × parallel). */
  batch_size: z.number().int().min(1).max(65_536).optional(),
  gpu_layers: z.union([z.enum(["auto", "max"]), z.number().int().min(0)]).default("auto"),
  /** Default: off on CPU (slower there for small heads), auto on GPU. */
  flash_attention: z.union([z.literal("auto"), z.boolean()]).optional(),
  /** Serve /v1/embeddings from this model (loads an embedding context beside the generation one). */
  embeddings: z.boolean().default(false),
  /** `auto` (the GGUF's template, else the fallback), `fallback`, or a node-llama-cpp chat wrapper name such as `chatML`. */
  chat_template: z.string().min(1).default("auto"),
  timeouts: timeoutsSchema.optional(),
  weight: deploymentWeight,
});

/** The rules provider (docs/routing.md): canned answers from a rules YAML file, no model behind it. */
const rulesDeployment = z.strictObject({
  provider: z.literal("rules"),
  /** Relative paths resolve against the working directory. */
  rules_file: z.string().min(1),
  weight: deploymentWeight,
});

export const deploymentSchema = z.discriminatedUnion("provider", [openAiCompatibleDeployment, llamaCppDeployment, rulesDeployment]);

export const modelSchema = z.strictObject({
  name: z.string().min(1).regex(/^[\w.:/@+-]+$/, "model names use letters, digits and . : / @ + - _"),
  deployments: z.array(deploymentSchema).min(1),
  /** Prices per million tokens for cost and budgets; absent = free (local models). */
  pricing: pricingSchema.optional(),
  routing: routingSchema.prefault({}),
  /** Other model names tried in order once this model's deployments are exhausted (not transitive). */
  fallbacks: z.array(z.string().min(1)).max(16).default([]),
  /** Default: on (schema defaults) when the model has another deployment or a fallback, else one attempt. */
  retry: retrySchema.optional(),
  /** Default: on (schema defaults) when the model has another deployment or a fallback, else off. */
  breaker: breakerSchema.optional(),
  fast_path: fastPathSchema.optional(),
  /** PII guardrails for this model (docs/security.md). */
  guardrails: guardrailsConfigSchema.optional(),
  /** Answer caching for this model (docs/caching.md); off when absent. */
  cache: modelCacheSchema.optional(),
  /** Overrides the global timeouts for this model's deployments; a deployment's own still win. */
  timeouts: timeoutsSchema.optional(),
});

export const configSchema = z
  .strictObject({
    server: z
      .strictObject({
        host: z.string().min(1).default("127.0.0.1"),
        port: z.number().int().min(0).max(65_535).default(4000),
        body_limit_bytes: z.number().int().positive().default(4 * 1024 * 1024),
        max_header_bytes: z.number().int().min(1024).max(1024 * 1024).default(16 * 1024),
        shutdown_grace_ms: z.number().int().min(0).default(10_000),
        keep_alive_timeout_ms: z.number().int().positive().default(65_000),
        /** Host names (no port) clients may send in Host; `*` = any. Default: the bound address, localhost, 127.0.0.1, [::1]; any name on a wildcard bind. */
        allowed_hosts: z.array(z.string().min(1).regex(/^(\*|\[[\da-fA-F:.]+\]|[^\s:/[\]]+)$/, "a host name or IP address without a port, or *")).min(1).optional(),
        /** Browser origins allowed to call the gateway; absent = CORS off. */
        cors: corsConfigSchema.optional(),
      })
      .prefault({}),
    timeouts: timeoutsSchema.prefault({}),
    logging: z
      .strictObject({
        level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
        requests: z.boolean().default(true),
      })
      .prefault({}),
    cache: cacheSchema.prefault({}),
    /** Authentication (docs/security.md); absent = no auth, allowed on loopback only. */
    auth: authConfigSchema.optional(),
    /** The admin API's access (docs/security.md). */
    admin: adminConfigSchema.prefault({}),
    limits: limitsConfigSchema.prefault({}),
    database: databaseConfigSchema.prefault({}),
    telemetry: telemetryConfigSchema.prefault({}),
    request_log: requestLogConfigSchema.prefault({}),
    metrics: metricsConfigSchema.prefault({}),
    models: z.array(modelSchema).min(1),
  })
  .superRefine((config, context) => {
    const bindProblem = insecureBindProblem(config.server.host, config.auth, config.admin);
    if (bindProblem !== undefined) context.addIssue({ code: "custom", path: ["auth"], message: bindProblem });
    const seen = new Set<string>();
    config.models.forEach((model, index) => {
      if (seen.has(model.name)) {
        context.addIssue({ code: "custom", path: ["models", index, "name"], message: `duplicate model name "${model.name}"` });
      }
      seen.add(model.name);
    });
    const names = new Set(config.models.map((model) => model.name));
    config.models.forEach((model, index) => {
      if (model.cache?.mode === "semantic" && !names.has(model.cache.embedding_model)) {
        context.addIssue({ code: "custom", path: ["models", index, "cache", "embedding_model"], message: `unknown model "${model.cache.embedding_model}"` });
      }
    });
    config.models.forEach((model, index) => {
      model.fallbacks.forEach((fallback, position) => {
        const path = ["models", index, "fallbacks", position];
        if (fallback === model.name) context.addIssue({ code: "custom", path, message: "a model cannot fall back to itself" });
        else if (!names.has(fallback)) context.addIssue({ code: "custom", path, message: `unknown model "${fallback}"` });
        else if (model.fallbacks.indexOf(fallback) !== position) context.addIssue({ code: "custom", path, message: `"${fallback}" is listed twice` });
      });
    });
  });

export type GatewayConfig = z.output<typeof configSchema>;
export type ModelConfig = GatewayConfig["models"][number];
export type DeploymentConfig = ModelConfig["deployments"][number];
export type TimeoutsConfig = z.output<typeof timeoutsSchema>;
