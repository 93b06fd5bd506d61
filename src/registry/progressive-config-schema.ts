import { z } from "zod";
import { durationSchema } from "../alerts/duration.js";

/** A version number or an alias name, as splits and pins name versions. */
const versionTarget = z.union([z.number().int().positive(), z.string().regex(/^([a-z][a-z0-9_-]{0,63}|[1-9]\d{0,8})$/, "an alias or a version number")]).transform(String);

/** Shadow traffic for one model (docs/registry.md#shadow-traffic): a share of its answered requests mirrored to a candidate. */
export const shadowConfigSchema = z.strictObject({
  /** The candidate: a version number or an alias. */
  version: versionTarget.default("shadow"),
  /** Share of the model's answered requests mirrored, 0–100. */
  percent: z.number().min(0).max(100),
  /** Shadow calls in flight at most (per replica); a request that finds them all busy is not mirrored (counted). */
  max_concurrency: z.number().int().min(1).max(1000).default(4),
  /** Spend on shadow calls per UTC day (per replica); once reached, no more are sent that day (counted). */
  budget_usd_per_day: z.number().min(0).default(1),
  /** How the two answers are compared: `exact` (equals), `similarity` (Levenshtein) or `judge` (llm-rubric). */
  scorer: z.enum(["exact", "similarity", "judge"]).default("similarity"),
  /** Least similarity or judge score that counts as agreement. */
  threshold: z.number().min(0).max(1).default(0.8),
  /** The model that judges (`scorer: judge`); a configured model name. */
  judge_model: z.string().min(1).optional(),
  /** One shadow call's time limit. */
  timeout_ms: z.number().int().min(1).default(60_000),
  /** Characters of each answer kept in a stored comparison. */
  max_stored_chars: z.number().int().min(0).max(1_000_000).default(8000),
});

/** Automatic canary analysis for one model (docs/registry.md#automatic-canary-analysis). */
export const canaryConfigSchema = z.strictObject({
  /** The candidate: a version number or an alias (its own, not `prod`). */
  version: versionTarget,
  /** Percent added to the canary's share at each passed step; the first step starts here. */
  step_weight: z.number().min(0.1).max(100).default(10),
  /** The share at which the canary is held (or promoted, with `promote`). */
  max_weight: z.number().min(0.1).max(100).default(50),
  /** Time between analyses (each step lasts at least this long). */
  interval: durationSchema.default(300_000),
  /** Promote the candidate to prod once it has passed at `max_weight`. */
  promote: z.boolean().default(false),
  /** Failed analyses tolerated; one more rolls back (Argo Rollouts' failureLimit: 0 = the first failure). */
  failure_limit: z.number().int().min(0).max(100).default(0),
  /** Consecutive analyses with too little data after which the canary is shown as paused (it is never rolled back for it). */
  inconclusive_limit: z.number().int().min(1).max(1000).default(6),
  /** Error-rate increase over prod that counts as worse (absolute, 0.01 = one point). */
  max_error_rate_delta: z.number().min(0).max(1).default(0.01),
  /** Posterior probability that the increase exceeds the delta at which the canary fails. */
  confidence: z.number().min(0.5).max(0.9999).default(0.95),
  /** Canary requests needed before an analysis can pass. */
  min_requests: z.number().int().min(1).default(20),
  /** Relative p95 increase (TTFT and end to end) over prod that counts as worse; 0.25 = 25%. */
  max_latency_increase: z.number().min(0).default(0.25),
  /** Absolute p95 slack in ms on top of the relative one (histogram buckets are coarse). */
  latency_slack_ms: z.number().min(0).default(50),
  /** Successful requests each side needs before its p95 is compared. */
  min_latency_samples: z.number().int().min(1).default(20),
  /** Promotion precondition: the shadow agreement rate of this candidate must be at least this (needs `shadow`). */
  min_shadow_agreement: z.number().min(0).max(1).optional(),
  /** Comparisons needed before the shadow agreement counts. */
  min_shadow_comparisons: z.number().int().min(1).default(50),
});

/** Preconditions of every promotion of one model, by hand or by a canary (docs/registry.md#promotion-preconditions). */
export const promotionConfigSchema = z.strictObject({
  /** Promotion needs the newest stored `gantry eval gate` verdict of the candidate version against this baseline to be `pass`. */
  require_eval_gate: z.strictObject({ baseline: z.string().min(1) }).optional(),
});

export type ShadowConfig = z.output<typeof shadowConfigSchema>;
export type PromotionConfig = z.output<typeof promotionConfigSchema>;
export type CanaryConfig = z.output<typeof canaryConfigSchema>;
/** The canary config as the admin API takes it (durations as text, defaults not yet filled). */
export type CanaryConfigInput = z.input<typeof canaryConfigSchema>;

/** Progressive delivery per model: shadow traffic and canary analysis, keyed by model name. */
export const progressiveConfigSchema = {
  shadow: z.record(z.string().min(1), shadowConfigSchema).default({}),
  canary: z.record(z.string().min(1), canaryConfigSchema).default({}),
  promotion: z.record(z.string().min(1), promotionConfigSchema).default({}),
  /** How often the analysis job looks at running canaries (one replica, under a lease). */
  analysis_tick: durationSchema.default(30_000),
};
