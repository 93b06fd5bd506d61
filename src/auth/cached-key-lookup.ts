import { LRUCache } from "lru-cache";
import type { KeyRecord } from "./key-record.js";

/** Finds a key record by hash. */
export type KeyLookup = (hash: string) => Promise<KeyRecord | undefined>;

/**
 * Puts a short-lived local cache in front of a shared key store, so a busy key costs one Redis read per `ttlMs`
 * rather than per request. `ttlMs` bounds how long a revocation takes to reach this replica. Misses are not
 * cached (a new key works at once), and the cache holds at most `maxEntries` (least recently used evicted first).
 */
export function createCachedKeyLookup(lookup: KeyLookup, options: { ttlMs: number; maxEntries: number; now: () => number }): KeyLookup {
  const entries = new LRUCache<string, KeyRecord>({ max: options.maxEntries, ttl: options.ttlMs, ttlResolution: 0, perf: { now: options.now } });
  return async (hash) => {
    const cached = entries.get(hash);
    if (cached !== undefined) return cached;
    const started = options.now();
    const record = await lookup(hash);
    // Counted from before the read, so a revocation that lands during it still reaches this replica within ttlMs.
    const ttl = options.ttlMs - (options.now() - started);
    if (record !== undefined && ttl > 0) entries.set(hash, record, { ttl });
    return record;
  };
}
