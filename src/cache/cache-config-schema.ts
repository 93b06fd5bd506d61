import { z } from "zod";

/** The gateway-wide cache settings: where answers live and how much of them. */
export const cacheSchema = z.strictObject({
  backend: z.enum(["memory", "redis"]).default("memory"),
  /** Required when `backend: redis`, e.g. `redis://127.0.0.1:6379`. */
  redis_url: z.string().regex(/^rediss?:\/\//, "a redis:// or rediss:// URL").optional(),
  /** backend: redis, while Redis is down: fail_open serves every lookup as a miss; fail_closed refuses cacheable requests with 503. */
  on_redis_failure: z.enum(["fail_open", "fail_closed"]).default("fail_open"),
  ttl_seconds: z.number().int().positive().max(30 * 24 * 3600).default(300),
  /** Memory backend only: Redis bounds itself with its own `maxmemory` policy. */
  max_entries: z.number().int().positive().max(10_000_000).default(10_000),
  max_bytes: z.number().int().positive().default(100 * 1024 * 1024),
  /** Identical cacheable requests in flight at the same time share one upstream call. */
  coalesce: z.boolean().default(true),
  /** Semantic index bounds: vectors kept per partition (tenant × parameters) and partitions kept. */
  semantic_max_entries: z.number().int().positive().max(100_000).default(1000),
  semantic_max_partitions: z.number().int().positive().max(100_000).default(256),
}).refine((cache) => cache.backend !== "redis" || cache.redis_url !== undefined, { message: "backend: redis needs redis_url", path: ["redis_url"] });

/** A model's cache policy; `off` by default. */
export const modelCacheSchema = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("off") }),
  z.strictObject({
    mode: z.literal("exact"),
    /** Also cache requests without temperature 0 or a seed (their answers would otherwise vary). */
    nondeterministic: z.boolean().default(false),
    /** Share entries across tenants (public, non-personal content only). */
    shared: z.boolean().default(false),
  }),
  z.strictObject({
    mode: z.literal("semantic"),
    nondeterministic: z.boolean().default(false),
    shared: z.boolean().default(false),
    /** A configured model that serves /v1/embeddings. */
    embedding_model: z.string().min(1),
    /** Cosine similarity at or above which a guarded neighbour counts as the same question. */
    threshold: z.number().min(0.5).max(1).default(0.95),
  }),
]);

export type CacheConfig = z.output<typeof cacheSchema>;
export type ModelCacheConfig = z.output<typeof modelCacheSchema>;
