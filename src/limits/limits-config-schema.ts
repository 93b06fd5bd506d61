import { z } from "zod";

/** Spending caps in US dollars per UTC day and month, from the models' `pricing`. */
export const budgetSchema = z.strictObject({
  daily_usd: z.number().positive().optional(),
  monthly_usd: z.number().positive().optional(),
});

/** Request, token and concurrency limits of one key or team. */
export const limitValuesSchema = z.strictObject({
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  max_concurrency: z.number().int().positive().optional(),
  budget: budgetSchema.optional(),
});

/** `limits`: where counters live and gateway-wide caps. */
export const limitsConfigSchema = z
  .strictObject({
    backend: z.enum(["memory", "redis"]).default("memory"),
    redis_url: z.string().regex(/^rediss?:\/\//, "a redis:// or rediss:// URL").optional(),
    /** Prompt tokens (counted with a BPE tokenizer) above which a request is refused with 400 prompt_too_long. */
    max_prompt_tokens: z.number().int().positive().default(128_000),
    /** Output tokens reserved against TPM when a request sets no max_tokens. */
    default_output_reservation: z.number().int().positive().default(1024),
    /** backend: redis, while Redis is down: rate limits fail open to a per-replica memory limiter; budgets fail closed (503). */
    on_redis_failure: z
      .strictObject({
        rate_limits: z.enum(["fail_open", "fail_closed"]).default("fail_open"),
        budgets: z.enum(["fail_open", "fail_closed"]).default("fail_closed"),
      })
      .prefault({}),
    /** Limits and budgets shared by every key of a team. */
    teams: z.record(z.string().min(1), limitValuesSchema).default({}),
  })
  .superRefine((limits, context) => {
    if (limits.backend === "redis" && limits.redis_url === undefined) context.addIssue({ code: "custom", path: ["redis_url"], message: "backend redis needs redis_url" });
  });

export type LimitsConfig = z.output<typeof limitsConfigSchema>;
export type RedisFailurePolicy = LimitsConfig["on_redis_failure"]["rate_limits"];
export type Budget = z.output<typeof budgetSchema>;
export type LimitValues = z.output<typeof limitValuesSchema>;
