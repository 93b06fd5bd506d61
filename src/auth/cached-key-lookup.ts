import type { KeyRecord } from "./key-record.js";

/** Finds a key record by hash. */
export type KeyLookup = (hash: string) => Promise<KeyRecord | undefined>;

/**
 * Puts a short-lived local cache in front of a shared key store, so a busy key costs one Redis read per `ttlMs`
 * rather than per request. `ttlMs` bounds how long a revocation takes to reach this replica. Misses are not
 * cached (a new key works at once), and the map holds at most `maxEntries` (oldest evicted first).
 */
export function createCachedKeyLookup(lookup: KeyLookup, options: { ttlMs: number; maxEntries: number; now: () => number }): KeyLookup {
  const entries = new Map<string, { record: KeyRecord; until: number }>();
  return async (hash) => {
    const now = options.now();
    const cached = entries.get(hash);
    if (cached !== undefined && cached.until > now) return cached.record;
    const record = await lookup(hash);
    entries.delete(hash);
    if (record === undefined) return undefined;
    if (entries.size >= options.maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done !== true) entries.delete(oldest.value);
    }
    entries.set(hash, { record, until: now + options.ttlMs });
    return record;
  };
}
