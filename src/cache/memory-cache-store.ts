import { LRUCache } from "lru-cache";
import type { CacheStore } from "./cache-store.js";

/** Milliseconds since some epoch; injected so tests can move time. */
export type NowMs = () => number;

export interface MemoryCacheStoreOptions {
  maxEntries: number;
  maxBytes: number;
  now?: NowMs;
}

/** The in-process store: an LRU bounded by entry count and by bytes (UTF-16 size of keys and values). */
export interface MemoryCacheStore extends CacheStore {
  size(): number;
  bytes(): number;
}

/** Creates the store on lru-cache; expired entries are dropped when read, and count towards the caps until then. */
export function createMemoryCacheStore(options: MemoryCacheStoreOptions): MemoryCacheStore {
  const entries = new LRUCache<string, string>({
    max: options.maxEntries,
    maxSize: options.maxBytes,
    sizeCalculation: (value, key) => 2 * (key.length + value.length),
    ...(options.now === undefined ? {} : { perf: { now: options.now }, ttlResolution: 0 }),
  });
  return {
    kind: "memory",
    get: (key) => Promise.resolve(entries.get(key)),
    set: (key, value, ttlMs) => {
      // lru-cache reads a ttl of 0 as "never expires"; here it means "do not keep".
      if (ttlMs <= 0) entries.delete(key);
      // lru-cache keeps an entry while its age is ≤ ttl; an entry here is gone once its age reaches ttlMs.
      else entries.set(key, value, { ttl: Math.max(1, ttlMs - 1) });
      return Promise.resolve();
    },
    delete: (key) => Promise.resolve(void entries.delete(key)),
    close: () => Promise.resolve(entries.clear()),
    size: () => entries.size,
    bytes: () => entries.calculatedSize,
  };
}
