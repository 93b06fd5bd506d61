import type { Redis } from "ioredis";
import { dependencyUnavailable } from "../errors/dependency-unavailable.js";
import type { CacheStore } from "./cache-store.js";

export interface RedisCacheStoreOptions {
  /** A client that fails fast while disconnected (no offline queue): a cache must never hold a request up. Owned by the caller. */
  redis: Redis;
  /** Entries larger than this are not stored (Redis bounds the total with its own maxmemory policy). */
  maxBytes: number;
  keyPrefix?: string;
  /** Told about backend failures. */
  onError?: (error: unknown) => void;
  /** A failed lookup reads as a miss (fail_open, the default) or refuses the request with 503 (fail_closed). */
  onFailure?: "fail_open" | "fail_closed";
}

/** A store shared by every replica: one Redis string per entry, expiring by itself (SET … PX). */
export function createRedisCacheStore(options: RedisCacheStoreOptions): CacheStore {
  const prefix = options.keyPrefix ?? "gantry:cache:";
  const { redis } = options;
  const onError = options.onError ?? (() => undefined);
  // Until the first connection is up every command would fail at once; wait for it (or its failure) instead.
  const connected = redis.status === "wait" ? redis.connect().catch(onError) : Promise.resolve();

  return {
    kind: "redis",
    async get(key) {
      await connected;
      try {
        return (await redis.get(prefix + key)) ?? undefined;
      } catch (error) {
        onError(error);
        if (options.onFailure === "fail_closed") throw dependencyUnavailable(error);
        return undefined;
      }
    },
    async set(key, value, ttlMs) {
      if (2 * value.length > options.maxBytes || ttlMs <= 0) return;
      await connected;
      try {
        await redis.set(prefix + key, value, "PX", Math.ceil(ttlMs));
      } catch (error) {
        onError(error);
      }
    },
    async delete(key) {
      await connected;
      try {
        await redis.del(prefix + key);
      } catch (error) {
        onError(error);
      }
    },
    async close() {
      await connected;
    },
  };
}
