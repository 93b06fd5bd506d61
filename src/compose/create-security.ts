import { randomBytes } from "node:crypto";
import type { GatewayConfig } from "../config/schema.js";
import type { MethodHandlers } from "../http/route-table.js";
import { createAdminKeyRoutes } from "../http/routes/admin-keys.js";
import { createBudgetStage } from "../limits/budget-stage.js";
import { createLimitsStage } from "../limits/limits-stage.js";
import { createMemoryLimiter } from "../limits/memory-limiter.js";
import { createMemorySpendStore } from "../limits/memory-spend-store.js";
import type { PriceBook } from "../accounting/price-book.js";
import { createRedisLimiter } from "../limits/redis-limiter.js";
import { createRedisSpendStore } from "../limits/redis-spend-store.js";
import { createFallbackLimiter } from "../limits/fallback-limiter.js";
import { createGuardedSpendStore } from "../limits/guarded-spend-store.js";
import type { AnswerStage } from "../pipeline/answer.js";
import type { Logger } from "../pipeline/logger.js";
import type { RedisConnections } from "./redis-connections.js";
import { createAdminGuard, type AdminGuard } from "../auth/admin-guard.js";
import { createFileAuditLog, createRedisAuditLog, type AuditLog } from "../auth/audit-log.js";
import { createAuthenticate, type Authenticate } from "../auth/authenticate.js";
import { createAuthorizeStage } from "../auth/authorize-stage.js";
import { createCachedKeyLookup } from "../auth/cached-key-lookup.js";
import { createJwtVerifier } from "../auth/jwt-verifier.js";
import { createMemoryKeyStore } from "../auth/memory-key-store.js";
import { createRedisKeyStore } from "../auth/redis-key-store.js";
import { auditMaxEntriesDefault } from "../auth/auth-config-schema.js";
import { createAdminSessions } from "../auth/admin-sessions.js";
import { isLoopbackHost } from "../auth/loopback.js";
import { createAdminSessionRoutes } from "../http/routes/admin-session-routes.js";

/** Authentication, scopes, limits, budgets and the key admin API, built from config. */
export interface Security {
  /** Undefined when auth is off (`mode: none` or no auth section). */
  readonly authenticate: Authenticate | undefined;
  /** The access stages for a config's limits (made again on each reload, over the same limiter and spend store), each placed by name in the composition root's stage list. */
  stages(config: GatewayConfig): { readonly authorize: AnswerStage; readonly limits: AnswerStage; readonly budget: AnswerStage };
  readonly adminRoutes: ReadonlyMap<string, MethodHandlers>;
  readonly adminGuard: AdminGuard;
  /** The dashboard login token (see `createAdminGuard`), when this gateway made one: the startup log prints its login URL. */
  readonly loginToken: string | undefined;
  /** Where admin actions are recorded (keys here, faults in the composition root). */
  readonly audit: AuditLog;
  close(): Promise<void>;
}

/** How long a replica may trust a key record read from Redis: bounds how long a revocation takes to reach it. */
const sharedKeyCacheMs = 500;

/** Builds the security dependencies on the shared Redis clients; budgets price requests with `prices`. */
export function createSecurity(config: GatewayConfig, redis: RedisConnections, logger: Logger, prices: PriceBook, now: () => number = Date.now): Security {
  const auth = config.auth;
  const mode = auth?.mode ?? "none";
  const sharedKeys = auth?.store === "redis" && auth.redis_url !== undefined ? redis.forState(auth.redis_url) : undefined;
  const store = sharedKeys === undefined ? createMemoryKeyStore(auth?.data_dir) : createRedisKeyStore(sharedKeys);
  const audit = sharedKeys === undefined ? createFileAuditLog(auth?.data_dir) : createRedisAuditLog(sharedKeys, auth?.audit_max_entries ?? auditMaxEntriesDefault);
  const sharedLimits = config.limits.backend === "redis" && config.limits.redis_url !== undefined ? redis.forState(config.limits.redis_url) : undefined;
  // Each concern on Redis follows its on_redis_failure policy while Redis is down (docs/operations.md).
  const onFailure = config.limits.on_redis_failure;
  const limiter = sharedLimits === undefined ? createMemoryLimiter(now) : createFallbackLimiter(createRedisLimiter(sharedLimits), createMemoryLimiter(now), onFailure.rate_limits);
  const spend = sharedLimits === undefined ? createMemorySpendStore(now) : createGuardedSpendStore(createRedisSpendStore(sharedLimits, now), onFailure.budgets);
  const staleMs = auth?.on_redis_failure === "fail_closed" ? 0 : (auth?.stale_key_seconds ?? 300) * 1000;
  const findKey = sharedKeys === undefined ? store.findByHash : createCachedKeyLookup(store.findByHash, { ttlMs: sharedKeyCacheMs, staleMs, maxEntries: 10_000, now });
  const authenticate =
    mode === "none" ? undefined : createAuthenticate({ findKey, now, ...(mode === "jwt" && auth?.jwt !== undefined ? { verifyJwt: createJwtVerifier(auth.jwt, now) } : {}) });
  const sessionConfig = config.admin.session;
  const sessionTtlMs = sessionConfig.ttl_minutes * 60_000;
  const sessions = createAdminSessions({ ttlMs: sessionTtlMs, maxSessions: sessionConfig.max_sessions, now });
  // A loopback gateway without an admin key (the quick start) makes a login token for the dashboard, Jupyter-style.
  const loginToken = auth?.admin_key === undefined && !config.admin.open_on_loopback && isLoopbackHost(config.server.host) ? randomBytes(24).toString("base64url") : undefined;
  const keyActive = async (id: string): Promise<boolean> => {
    const record = await store.get(id);
    return record !== undefined && record.revoked_at === undefined && (record.expires_at === undefined || Date.parse(record.expires_at) > now());
  };
  const authorize = createAuthorizeStage();
  return {
    authenticate,
    stages: (current) => ({ authorize, limits: createLimitsStage({ limiter, limits: current.limits, logger }), budget: createBudgetStage({ spend, config: current, prices, logger, now }) }),
    adminRoutes: new Map([...createAdminKeyRoutes({ store, audit, spend, now }), ...createAdminSessionRoutes({ sessions, ttlMs: sessionTtlMs, secureCookie: sessionConfig.secure_cookie })]),
    adminGuard: createAdminGuard({ adminKey: auth?.admin_key, authenticate, open: config.admin.open_on_loopback, sessions, keyActive, loginToken }),
    loginToken,
    audit,
    close: async () => {
      await Promise.all([store.close(), limiter.close(), spend.close()]);
    },
  };
}
