import { z } from "zod";

/** JWT bearer tokens: verified with an HS256 secret or a JWKS URL, claims mapped to a team and scopes. */
export const jwtConfigSchema = z
  .strictObject({
    secret: z.string().min(32, "an HS256 secret needs at least 32 characters").optional(),
    jwks_url: z.url({ protocol: /^https?$/ }).optional(),
    issuer: z.string().min(1).optional(),
    audience: z.string().min(1).optional(),
    team_claim: z.string().min(1).default("team"),
    scopes_claim: z.string().min(1).default("scope"),
    /** Clock difference tolerated on `exp`, `nbf` and `iat` (a token issued up to this far in the future is accepted). */
    clock_skew_s: z.number().int().min(0).max(3600).default(60),
    /** Refuse tokens whose `iat` is older than this (then `iat` is required); absent = only `exp` bounds a token's life. */
    max_age_s: z.number().int().positive().optional(),
  })
  .refine((jwt) => (jwt.secret === undefined) !== (jwt.jwks_url === undefined), { message: "give exactly one of secret or jwks_url" });

/** Audit entries a Redis audit list keeps by default. */
export const auditMaxEntriesDefault = 100_000;

/** `auth`: who may call /v1/* and the admin API. */
export const authConfigSchema = z
  .strictObject({
    mode: z.enum(["keys", "jwt", "none"]).default("keys"),
    /** Bearer token for /admin/*; without it (and without admin virtual keys) the admin API refuses every request. */
    admin_key: z.string().min(16, "the admin key needs at least 16 characters").optional(),
    /** Where virtual keys and the audit log live: memory (optionally persisted under data_dir) or redis (shared by replicas). */
    store: z.enum(["memory", "redis"]).default("memory"),
    redis_url: z.string().regex(/^rediss?:\/\//, "a redis:// or rediss:// URL").optional(),
    /** Memory store: keys.json and audit.jsonl are written here; absent = nothing persisted. */
    data_dir: z.string().min(1).optional(),
    /** store: redis, while Redis is down: fail_open serves keys verified within stale_key_seconds (unknown keys get 503); fail_closed refuses all with 503. */
    on_redis_failure: z.enum(["fail_open", "fail_closed"]).default("fail_open"),
    /** How long a key verified against Redis may still be served while Redis is down; bounds how late a revocation is seen then. */
    stale_key_seconds: z.number().int().positive().max(86_400).default(300),
    jwt: jwtConfigSchema.optional(),
    /** Store redis: the audit list keeps its newest entries up to this many (older ones are trimmed on append). */
    audit_max_entries: z.number().int().min(1).max(100_000_000).default(auditMaxEntriesDefault),
  })
  .superRefine((auth, context) => {
    if (auth.mode === "jwt" && auth.jwt === undefined) context.addIssue({ code: "custom", path: ["jwt"], message: "mode jwt needs a jwt section" });
    if (auth.store === "redis" && auth.redis_url === undefined) context.addIssue({ code: "custom", path: ["redis_url"], message: "store redis needs redis_url" });
  });

export type AuthConfig = z.output<typeof authConfigSchema>;
export type JwtConfig = z.output<typeof jwtConfigSchema>;
