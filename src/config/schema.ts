import { z } from "zod";
import { pricingSchema } from "../accounting/pricing.js";
import { breakerSchema, fastPathSchema, retrySchema, routingSchema } from "../routing/routing-config-schema.js";
import { deploymentSchema, timeoutsSchema } from "../providers/deployment-config-schema.js";
import { authConfigSchema } from "../auth/auth-config-schema.js";
import { adminConfigSchema } from "../auth/admin-config-schema.js";
import { uiConfigSchema } from "./ui-config-schema.js";
import { insecureBindProblem } from "../auth/loopback.js";
import { guardrailsConfigSchema } from "../guardrails/pii-config-schema.js";
import { corsConfigSchema } from "./cors-config-schema.js";
import { requestLimitsConfigSchema } from "../protocol/request-limits-config-schema.js";
import { limitsConfigSchema } from "../limits/limits-config-schema.js";
import { cacheSchema, modelCacheSchema } from "../cache/cache-config-schema.js";
import { databaseConfigSchema, requestLogConfigSchema, responsesConfigSchema } from "../store/store-config-schema.js";
import { batchConfigSchema } from "../batch/batch-config-schema.js";
import { metricsConfigSchema, telemetryConfigSchema } from "../telemetry/telemetry-config-schema.js";
import { alertsConfigSchema } from "../alerts/alerts-config-schema.js";
import { rollupsConfigSchema, slosConfigSchema } from "../slo/slo-config-schema.js";
import { driftConfigSchema } from "../drift/drift-config-schema.js";
import { registryConfigSchema } from "../registry/registry-config-schema.js";

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
        /** Bodies of at least this size (Content-Length, or bytes read so far when chunked) count as large. */
        large_body_bytes: z.number().int().positive().default(1024 * 1024),
        /** Large bodies read, parsed and validated at once; more wait in line, unread. */
        max_concurrent_large_bodies: z.number().int().positive().default(4),
        /** Large bodies that may wait, unread, for one of those slots; past that they get 429 server_busy with Retry-After at once. */
        max_waiting_large_bodies: z.number().int().min(0).default(16),
        /** How long a large body may wait for a slot before it gets 429 server_busy. */
        large_body_wait_ms: z.number().int().min(0).default(10_000),
        /** Large-body bytes read per second across all of them, so uploads never take more than their share of the event loop. */
        large_body_bytes_per_second: z.number().int().positive().default(32 * 1024 * 1024),
        /** Requests sent through a private copy of the gateway before it listens, so the first real ones run compiled code; 0 = none. */
        warm_up_requests: z.number().int().min(0).max(100_000).default(1500),
        /** Element counts and JSON nesting per request, checked before any expensive step. */
        request_limits: requestLimitsConfigSchema.prefault({}),
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
    /** The web dashboard at /ui (docs/dashboard.md). */
    ui: uiConfigSchema.prefault({}),
    limits: limitsConfigSchema.prefault({}),
    database: databaseConfigSchema.prefault({}),
    telemetry: telemetryConfigSchema.prefault({}),
    request_log: requestLogConfigSchema.prefault({}),
    responses: responsesConfigSchema.prefault({}),
    metrics: metricsConfigSchema.prefault({}),
    /** SLO burn-rate alerts (docs/alerts.md); absent = none are evaluated. */
    alerts: alertsConfigSchema.optional(),
    /** Per-minute request rollups: /admin/stats and the SLOs read them (docs/slo.md). */
    rollups: rollupsConfigSchema.prefault({}),
    /** Service level objectives over the rollups (docs/slo.md). */
    slos: slosConfigSchema,
    /** Drift detection (docs/drift.md): off unless present. */
    drift: driftConfigSchema.optional(),
    /** The model registry: versions, aliases, canaries (docs/registry.md). */
    registry: registryConfigSchema.prefault({}),
    /** The Batch API (docs/batches.md). */
    batch: batchConfigSchema.prefault({}),
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
