import { Redis } from "ioredis";
import type { CacheStore } from "./cache-store.js";

export interface RedisCacheStoreOptions {
  url: string;
  /** Entries larger than this are not stored (Redis bounds the total with its own maxmemory policy). */
  maxBytes: number;
  keyPrefix?: string;
  /** Told about backend failures, which otherwise read as misses. */
  onError?: (error: unknown) => void;
}

/** A store shared by every replica: one Redis string per entry, expiring by itself (SET … PX). */
export function createRedisCacheStore(options: RedisCacheStoreOptions): CacheStore {
  const prefix = options.keyPrefix ?? "gantry:cache:";
  // A cache must never hold a request up: no offline queue, one try per command, fail fast while disconnected.
  const redis = new Redis(options.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: 1000, lazyConnect: true });
  const onError = options.onError ?? (() => undefined);
  redis.on("error", onError);
  const connected = redis.connect().catch(onError);

  return {
    kind: "redis",
    async get(key) {
      await connected;
      try {
        return (await redis.get(prefix + key)) ?? undefined;
      } catch (error) {
        onError(error);
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
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
