import { LRUCache } from "lru-cache";
import { dependencyUnavailable } from "../errors/dependency-unavailable.js";
import type { KeyRecord } from "./key-record.js";

/** Finds a key record by hash. */
export type KeyLookup = (hash: string) => Promise<KeyRecord | undefined>;

export interface CachedKeyLookupOptions {
  /** How long a record is served without asking the store: bounds how long a revocation takes to reach this replica. */
  ttlMs: number;
  /** While the store fails, a record verified this recently is still served (0: none; every lookup fails with 503). */
  staleMs: number;
  maxEntries: number;
  now: () => number;
}

interface Verified {
  readonly record: KeyRecord;
  readonly at: number;
}

/**
 * Puts a short-lived local cache in front of a shared key store, so a busy key costs one Redis read per `ttlMs`
 * rather than per request. Misses are not cached (a new key works at once), and the cache holds at most `maxEntries`
 * (least recently used evicted first). When the store fails, keys verified within `staleMs` are still served and
 * any other key gets 503 dependency_unavailable: an unknown key is never let in.
 */
export function createCachedKeyLookup(lookup: KeyLookup, options: CachedKeyLookupOptions): KeyLookup {
  const keepMs = Math.max(options.ttlMs, options.staleMs);
  const entries = new LRUCache<string, Verified>({ max: options.maxEntries, ttl: keepMs, ttlResolution: 0, perf: { now: options.now } });
  return async (hash) => {
    const cached = entries.get(hash);
    // Counted from before the read, so a revocation that lands during it still reaches this replica within ttlMs.
    const started = options.now();
    if (cached !== undefined && started - cached.at < options.ttlMs) return cached.record;
    let record: KeyRecord | undefined;
    try {
      record = await lookup(hash);
    } catch (error) {
      if (cached !== undefined && started - cached.at < options.staleMs) return cached.record;
      throw dependencyUnavailable(error);
    }
    if (record === undefined) entries.delete(hash);
    else entries.set(hash, { record, at: started }, { ttl: Math.max(1, keepMs - (options.now() - started)) });
    return record;
  };
}
