import { z } from "zod";
import { latencyBucketsMs } from "../store/latency-histogram.js";

const periods = { "28d": 28, "30d": 30 } as const;

const sliSchema = z.discriminatedUnion("kind", [
  /** Good = not a server-side failure (5xx); client errors (4xx) are neither good nor bad for the service: they count as good. */
  z.strictObject({ kind: z.literal("availability") }),
  /** Good = the measure at or under `threshold_ms`, which must be a rollup bucket bound so the count is exact. */
  z.strictObject({
    kind: z.enum(["ttft", "tpot", "latency"]),
    threshold_ms: z.number().refine((value) => latencyBucketsMs.includes(value), { message: `threshold_ms must be a histogram bucket bound, one of: ${latencyBucketsMs.join(", ")}` }),
  }),
]);

/** One SLO: which requests (one selector), what is good (the SLI), the objective and the period. */
export const sloSchema = z
  .strictObject({
    name: z.string().min(1).max(100).regex(/^[A-Za-z0-9_.:-]+$/, "SLO names use letters, digits and . : - _"),
    model: z.string().min(1).optional(),
    version: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    team: z.string().min(1).optional(),
    /** The target share of good events, in percent (e.g. 99.5). */
    objective: z.number().gt(0).lt(100),
    period: z.enum(Object.keys(periods) as ["28d", "30d"]).default("30d"),
    sli: sliSchema,
  })
  .superRefine((slo, context) => {
    const selectors = (["model", "version", "key", "team"] as const).filter((field) => slo[field] !== undefined);
    // A version is only meaningful within its model; otherwise one selector names the requests.
    const allowed = selectors.length === 1 || (selectors.length === 2 && selectors.includes("model") && selectors.includes("version"));
    if (!allowed) context.addIssue({ code: "custom", path: ["model"], message: "name the requests with exactly one of model, key or team (version goes with model)" });
  });

/** The `slos:` list; names are unique. */
export const slosConfigSchema = z
  .array(sloSchema)
  .max(1000)
  .default([])
  .superRefine((slos, context) => {
    const seen = new Set<string>();
    slos.forEach((slo, index) => {
      if (seen.has(slo.name)) context.addIssue({ code: "custom", path: [index, "name"], message: `duplicate SLO name "${slo.name}"` });
      seen.add(slo.name);
    });
  });

/** How each replica writes its per-minute request rollups (docs/slo.md). */
export const rollupsConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** How often the in-memory minute aggregates are written (an open minute is rewritten each time). */
  flush_interval_seconds: z.number().int().min(1).max(60).default(10),
  /** Rollups older than this are pruned hourly; at least the longest SLO period plus the drift reference window. */
  retention_days: z.number().int().min(1).max(3650).default(35),
  /** This replica's id in the rollup rows; default: the host name and process id. */
  replica_id: z.string().min(1).max(200).optional(),
});

export type SloConfig = z.output<typeof sloSchema>;
export type SlosConfig = z.output<typeof slosConfigSchema>;
export type RollupsConfig = z.output<typeof rollupsConfigSchema>;

/** The period's length in milliseconds. */
export function periodMs(period: SloConfig["period"]): number {
  return periods[period] * 24 * 3600 * 1000;
}
