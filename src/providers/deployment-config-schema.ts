import { z } from "zod";

/** `models[].deployments[].weight`: share of traffic under weighted round-robin. */
export const deploymentWeight = z.number().positive().max(1_000_000).default(1);

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
  /** true: L2-normalise the upstream's embeddings; unset or false: pass them on as the upstream sent them. */
  normalize: z.boolean().optional(),
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
  /** L2-normalise embeddings (after any `dimensions` truncation), as OpenAI's are; false returns the model's raw vectors. */
  normalize: z.boolean().default(true),
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

export type DeploymentConfig = z.output<typeof deploymentSchema>;
export type TimeoutsConfig = z.output<typeof timeoutsSchema>;
