import { Redis } from "ioredis";
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
import type { AnswerStage } from "../pipeline/answer.js";
import type { Logger } from "../telemetry/logger.js";
import { createAdminGuard, type AdminGuard } from "./admin-guard.js";
import { createFileAuditLog, createRedisAuditLog } from "./audit-log.js";
import { createAuthenticate, type Authenticate } from "./authenticate.js";
import { createAuthorizeStage } from "./authorize-stage.js";
import { createCachedKeyLookup } from "./cached-key-lookup.js";
import { createJwtVerifier } from "./jwt-verifier.js";
import { createMemoryKeyStore } from "./memory-key-store.js";
import { createRedisKeyStore } from "./redis-key-store.js";

/** Authentication, scopes, limits, budgets and the key admin API, built from config. */
export interface Security {
  /** Undefined when auth is off (`mode: none` or no auth section). */
  readonly authenticate: Authenticate | undefined;
  /** authorize → limits → budget, in pipeline order. */
  readonly stages: readonly AnswerStage[];
  readonly adminRoutes: ReadonlyMap<string, MethodHandlers>;
  readonly adminGuard: AdminGuard;
  close(): Promise<void>;
}

/** How long a replica may trust a key record read from Redis: bounds how long a revocation takes to reach it. */
const sharedKeyCacheMs = 500;

/** Builds the security dependencies: connects to Redis when configured; budgets price requests with `prices`. */
export function createSecurity(config: GatewayConfig, logger: Logger, prices: PriceBook, now: () => number = Date.now): Security {
  const clients = new Map<string, Redis>();
  const redisFor = (url: string): Redis => {
    let client = clients.get(url);
    if (client === undefined) {
      client = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
      client.on("error", (error: unknown) => logger.warn({ err: error }, "redis connection problem (auth/limits)"));
      clients.set(url, client);
    }
    return client;
  };
  const auth = config.auth;
  const mode = auth?.mode ?? "none";
  const sharedKeys = auth?.store === "redis" && auth.redis_url !== undefined ? redisFor(auth.redis_url) : undefined;
  const store = sharedKeys === undefined ? createMemoryKeyStore(auth?.data_dir) : createRedisKeyStore(sharedKeys);
  const audit = sharedKeys === undefined ? createFileAuditLog(auth?.data_dir) : createRedisAuditLog(sharedKeys);
  const sharedLimits = config.limits.backend === "redis" && config.limits.redis_url !== undefined ? redisFor(config.limits.redis_url) : undefined;
  const limiter = sharedLimits === undefined ? createMemoryLimiter(now) : createRedisLimiter(sharedLimits);
  const spend = sharedLimits === undefined ? createMemorySpendStore(now) : createRedisSpendStore(sharedLimits, now);
  const findKey = sharedKeys === undefined ? store.findByHash : createCachedKeyLookup(store.findByHash, { ttlMs: sharedKeyCacheMs, maxEntries: 10_000, now });
  const authenticate =
    mode === "none" ? undefined : createAuthenticate({ findKey, now, ...(mode === "jwt" && auth?.jwt !== undefined ? { verifyJwt: createJwtVerifier(auth.jwt) } : {}) });
  return {
    authenticate,
    stages: [createAuthorizeStage(), createLimitsStage({ limiter, limits: config.limits, logger }), createBudgetStage({ spend, config, prices, logger, now })],
    adminRoutes: createAdminKeyRoutes({ store, audit, spend, now }),
    adminGuard: createAdminGuard(auth?.admin_key, authenticate),
    close: async () => {
      await Promise.all([store.close(), limiter.close(), spend.close()]);
      await Promise.all([...clients.values()].map((client) => client.quit().catch(() => undefined)));
    },
  };
}
