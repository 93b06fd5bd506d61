/** Where cached answers live: serialised entries under a key, each with a time to live. */
export interface CacheStore {
  readonly kind: "memory" | "redis";
  /** The entry, or undefined when absent or expired. A failing backend reads as a miss. */
  get(key: string): Promise<string | undefined>;
  /** Stores an entry; a failing backend or an entry over the size cap stores nothing. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
