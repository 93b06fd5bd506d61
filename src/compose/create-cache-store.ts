import type { CacheConfig } from "../cache/cache-config-schema.js";
import type { CacheStore } from "../cache/cache-store.js";
import { createMemoryCacheStore } from "../cache/memory-cache-store.js";
import { createRedisCacheStore } from "../cache/redis-cache-store.js";
import type { RedisConnections } from "./redis-connections.js";

/** How often a failing Redis may be reported: a dead cache must not flood the log. */
const errorReportEveryMs = 10_000;

/** Builds the configured cache backend; errors Redis replied with go to `onError`, at most once per 10 s. */
export function createCacheStore(config: CacheConfig, redis: RedisConnections, onError: (error: unknown) => void, now: () => number = Date.now): CacheStore {
  if (config.backend === "memory" || config.redis_url === undefined) return createMemoryCacheStore({ maxEntries: config.max_entries, maxBytes: config.max_bytes });
  let reportedAt = -Infinity;
  return createRedisCacheStore({
    redis: redis.forCache(config.redis_url),
    maxBytes: config.max_bytes,
    onFailure: config.on_redis_failure,
    onError: (error) => {
      // A lost or dead connection is logged once per change by the connection itself; errors Redis replied with are not.
      if (!(error instanceof Error && error.name === "ReplyError") || now() - reportedAt < errorReportEveryMs) return;
      reportedAt = now();
      onError(error);
    },
  });
}
