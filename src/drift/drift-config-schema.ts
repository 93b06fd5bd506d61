import { z } from "zod";
import { parseDuration } from "./duration.js";

const duration = z.string().transform((text, context) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    context.addIssue({ code: "custom", message: "a duration such as 30m, 1h or 7d" });
    return z.NEVER;
  }
  return ms;
});

const instant = z.string().transform((text, context) => {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    context.addIssue({ code: "custom", message: "an ISO 8601 date or time, e.g. 2026-01-01T00:00:00Z" });
    return z.NEVER;
  }
  return ms;
});

/** The reference window: the `window` before the current one, or a fixed period. */
const referenceSchema = z.union([
  z.strictObject({ window: duration }),
  z
    .strictObject({ from: instant, to: instant })
    .refine((period) => period.from < period.to, { message: "from must be before to" }),
]);

/** The `drift:` slice (docs/drift.md). Present means on: requests are sampled and /admin/drift answers. */
export const driftConfigSchema = z.strictObject({
  reference: referenceSchema.prefault({ window: "7d" }),
  current: z.strictObject({ window: duration.prefault("1h") }).prefault({}),
  /** Below this many values of a feature on either side, that feature is "not enough data", never "drift". */
  min_samples: z.number().int().min(5).default(50),
  sampling: z
    .strictObject({
      /** Reservoir size per model version and bucket: memory and rows are bounded by it, not by traffic. */
      per_bucket: z.number().int().min(10).max(10_000).default(500),
      bucket: duration.prefault("1h"),
      /** How often changed reservoir slots are written (and closed buckets released). */
      flush_interval: duration.prefault("30s"),
      /** Most samples a window's report reads (a uniform subsample above it). */
      max_window_samples: z.number().int().min(100).max(1_000_000).default(50_000),
    })
    .prefault({}),
  retention_days: z.number().int().min(1).default(30),
});

export type DriftConfig = z.output<typeof driftConfigSchema>;
