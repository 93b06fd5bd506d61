import type { CacheStore } from "./cache-store.js";

/** Milliseconds since some epoch; injected so tests can move time. */
export type NowMs = () => number;

interface Entry {
  readonly value: string;
  readonly bytes: number;
  readonly expiresAt: number;
}

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

/** Creates an LRU on a Map (insertion order is recency order: a read moves the entry to the end). */
export function createMemoryCacheStore(options: MemoryCacheStoreOptions): MemoryCacheStore {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  let totalBytes = 0;

  const remove = (key: string): void => {
    const entry = entries.get(key);
    if (entry === undefined) return;
    entries.delete(key);
    totalBytes -= entry.bytes;
  };

  const read = (key: string): string | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now()) {
      remove(key);
      return undefined;
    }
    entries.delete(key);
    entries.set(key, entry);
    return entry.value;
  };

  const write = (key: string, value: string, ttlMs: number): void => {
    remove(key);
    const bytes = 2 * (key.length + value.length);
    if (bytes > options.maxBytes || ttlMs <= 0) return;
    entries.set(key, { value, bytes, expiresAt: now() + ttlMs });
    totalBytes += bytes;
    // Evict least recently used first; expired entries are dropped lazily, but they still count towards the caps.
    for (const oldest of entries.keys()) {
      if (entries.size <= options.maxEntries && totalBytes <= options.maxBytes) break;
      remove(oldest);
    }
  };

  return {
    kind: "memory",
    get: (key) => Promise.resolve(read(key)),
    set: (key, value, ttlMs) => Promise.resolve(write(key, value, ttlMs)),
    delete: (key) => Promise.resolve(remove(key)),
    close: () => {
      entries.clear();
      totalBytes = 0;
      return Promise.resolve();
    },
    size: () => entries.size,
    bytes: () => totalBytes,
  };
}
