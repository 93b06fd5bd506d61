import { z } from "zod";

/** OpenTelemetry tracing over OTLP/HTTP; off unless `otlp_endpoint` is set. */
export const telemetryConfigSchema = z.strictObject({
  /** The collector's base URL (`http://collector:4318`); spans go to `<endpoint>/v1/traces`. */
  otlp_endpoint: z.url({ protocol: /^https?$/ }).optional(),
  service_name: z.string().min(1).default("gantry"),
  /** Share of new traces sampled; a sampled incoming `traceparent` is always followed. */
  sample_ratio: z.number().min(0).max(1).default(1),
});

/** Prometheus metrics at GET /metrics. */
export const metricsConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Teams that get their own `team` label value; every other team is counted as "other" (bounded cardinality). */
  per_team_labels: z.array(z.string().min(1)).max(200).default([]),
});

export type TelemetryConfig = z.output<typeof telemetryConfigSchema>;
export type MetricsConfig = z.output<typeof metricsConfigSchema>;
