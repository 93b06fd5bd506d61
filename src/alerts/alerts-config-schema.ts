import { z } from "zod";
import { durationSchema } from "./duration.js";

const httpUrl = z.string().regex(/^https?:\/\/\S+$/, "an http:// or https:// URL");

/** Where notifications go; `log` writes them to the gateway's log, the others POST to `url`. */
export const alertSinkSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("log") }),
  z.strictObject({
    kind: z.enum(["webhook", "slack", "alertmanager"]),
    /** The receiver: the webhook URL, the Slack incoming-webhook URL, or Alertmanager's base URL (`/api/v2/alerts` is appended). */
    url: httpUrl,
    /** Extra request headers, e.g. an Authorization header. */
    headers: z.record(z.string().min(1), z.string()).default({}),
  }),
]);

/** One burn-rate alert: fires when both windows burn the error budget at least `factor` times too fast. */
export const burnRateWindowSchema = z.strictObject({
  severity: z.enum(["page", "ticket"]),
  factor: z.number().positive(),
  long: durationSchema,
  short: durationSchema,
});

/** The Google SRE workbook's windows for a 30-day SLO period (2%, 5%, 10% and 10% of the budget). */
export const defaultBurnRateWindows = [
  { severity: "page", factor: 14.4, long: 3_600_000, short: 300_000 },
  { severity: "page", factor: 6, long: 21_600_000, short: 1_800_000 },
  { severity: "ticket", factor: 3, long: 86_400_000, short: 7_200_000 },
  { severity: "ticket", factor: 1, long: 259_200_000, short: 21_600_000 },
] as const satisfies readonly z.output<typeof burnRateWindowSchema>[];

/** How notifications are delivered: a bounded queue per sink, retried with exponential backoff and full jitter. */
export const alertDeliverySchema = z.strictObject({
  /** Attempts per notification (the first included) before it is dropped and logged. */
  max_attempts: z.number().int().min(1).max(20).default(5),
  initial_backoff_ms: z.number().int().min(1).default(1000),
  max_backoff_ms: z.number().int().min(1).default(60_000),
  /** One attempt's time limit. */
  timeout_ms: z.number().int().min(1).default(10_000),
  /** Notifications waiting per sink; beyond this new ones are dropped and logged. */
  queue_size: z.number().int().min(1).max(100_000).default(1000),
});

/** SLO burn-rate alerting (docs/alerts.md); absent = no alerts are evaluated. */
export const alertsConfigSchema = z
  .strictObject({
    sinks: z.array(alertSinkSchema).default([{ kind: "log" }]),
    /** Replaces the four default windows (docs/alerts.md). */
    windows: z.array(burnRateWindowSchema).min(1).max(16).default([...defaultBurnRateWindows]),
    /** Low-traffic guard: an alert fires only when its long window holds at least this many events. */
    min_events: z.number().int().min(1).default(20),
    evaluation_interval: durationSchema.default(30_000),
    /** A firing alert is sent again after this long; resolves are sent once. */
    repeat_interval: durationSchema.default(14_400_000),
    /** Prefix for links in notifications (request explorer, Alertmanager generatorURL), e.g. https://gantry.example.com. */
    external_url: httpUrl.optional(),
    delivery: alertDeliverySchema.prefault({}),
  })
  .superRefine((config, context) => {
    config.windows.forEach((window, index) => {
      if (window.short >= window.long) context.addIssue({ code: "custom", path: ["windows", index, "short"], message: "the short window must be shorter than the long one" });
    });
    if (config.delivery.initial_backoff_ms > config.delivery.max_backoff_ms) {
      context.addIssue({ code: "custom", path: ["delivery", "initial_backoff_ms"], message: "must not exceed max_backoff_ms" });
    }
  });

export type AlertsConfig = z.output<typeof alertsConfigSchema>;
export type AlertSinkConfig = z.output<typeof alertSinkSchema>;
export type BurnRateWindow = z.output<typeof burnRateWindowSchema>;
export type AlertDeliveryConfig = z.output<typeof alertDeliverySchema>;
