import { z } from "zod";

/** The longest a fault may last: a drill that is forgotten ends on its own. */
export const maxFaultSeconds = 600;

const target = {
  /** One deployment, by its id (`<model>/<index>`, as in the `x-gantry-deployment` header). */
  deployment: z.string().min(1).max(200).optional(),
  /** Every deployment of a model. */
  model: z.string().min(1).max(200).optional(),
};
const milliseconds = z.number().int().min(0).max(120_000);

const latency = z.object({ kind: z.literal("latency"), ...target, latency_ms: milliseconds, jitter_ms: milliseconds.default(0) }).strict();
const error = z
  .object({
    kind: z.literal("error"),
    ...target,
    status: z.number().int().min(400).max(599).default(503),
    rate: z.number().min(0).max(1).default(1),
    retry_after_s: z.number().int().min(0).max(3600).optional(),
  })
  .strict();
const hang = z.object({ kind: z.literal("hang"), ...target }).strict();
const reset = z.object({ kind: z.literal("reset"), ...target, after_chunks: z.number().int().min(0).max(100_000).default(0) }).strict();
const down = z.object({ kind: z.literal("down"), ...target }).strict();
const redisDown = z.object({ kind: z.literal("redis_down") }).strict();
const duration = { duration_s: z.number().positive().max(maxFaultSeconds) };

/** What a fault does, with its target but without its duration (a scenario step supplies that). */
export const faultEffectSchema = z.discriminatedUnion("kind", [latency, error, hang, reset, down, redisDown]).superRefine(checkTarget);

/** The body of `POST /admin/faults`: a fault, its target and how long it lasts. */
export const faultSpecSchema = z
  .discriminatedUnion("kind", [latency.extend(duration), error.extend(duration), hang.extend(duration), reset.extend(duration), down.extend(duration), redisDown.extend(duration)])
  .superRefine(checkTarget);

export type FaultEffect = z.output<typeof faultEffectSchema>;
export type FaultSpec = z.output<typeof faultSpecSchema>;

/** Deployment faults name exactly one target; a Redis outage names none. */
function checkTarget(fault: { kind: string; deployment?: string | undefined; model?: string | undefined }, context: z.RefinementCtx): void {
  if (fault.kind === "redis_down") return;
  if ((fault.deployment === undefined) === (fault.model === undefined)) {
    context.addIssue({ code: "custom", path: ["deployment"], message: "name exactly one of deployment or model" });
  }
}

/** A fault in force: what it does, the deployments it hits, and when (epoch ms) it started and ends. */
export interface ActiveFault {
  readonly id: string;
  readonly spec: FaultSpec;
  /** Deployment ids; empty for a Redis outage. */
  readonly deployments: readonly string[];
  readonly createdAt: number;
  readonly expiresAt: number;
}
