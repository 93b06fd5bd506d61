import { z } from "zod";

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
});

export const deploymentSchema = z.discriminatedUnion("provider", [openAiCompatibleDeployment]);

export const modelSchema = z.strictObject({
  name: z.string().min(1).regex(/^[\w.:/@+-]+$/, "model names use letters, digits and . : / @ + - _"),
  deployments: z.array(deploymentSchema).min(1),
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
      })
      .prefault({}),
    timeouts: timeoutsSchema.prefault({}),
    logging: z
      .strictObject({
        level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
        requests: z.boolean().default(true),
      })
      .prefault({}),
    models: z.array(modelSchema).min(1),
  })
  .superRefine((config, context) => {
    const seen = new Set<string>();
    config.models.forEach((model, index) => {
      if (seen.has(model.name)) {
        context.addIssue({ code: "custom", path: ["models", index, "name"], message: `duplicate model name "${model.name}"` });
      }
      seen.add(model.name);
    });
  });

export type GatewayConfig = z.output<typeof configSchema>;
export type ModelConfig = GatewayConfig["models"][number];
export type DeploymentConfig = ModelConfig["deployments"][number];
export type TimeoutsConfig = z.output<typeof timeoutsSchema>;
