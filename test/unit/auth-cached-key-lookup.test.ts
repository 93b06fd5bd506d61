import { describe, expect, it } from "vitest";
import { createCachedKeyLookup } from "../../src/auth/cached-key-lookup.js";
import type { KeyRecord } from "../../src/auth/key-record.js";

const record = (hash: string): KeyRecord => ({ id: `id-${hash}`, name: hash, prefix: "gk-", hash, created_at: "2026-01-01T00:00:00Z" });

describe("the cached key lookup", () => {
  it("serves a found key from memory for ttlMs, counted from before the read, and never caches a miss", async () => {
    let now = 0;
    const reads: string[] = [];
    const stored = new Map([["a", record("a")]]);
    const lookup = createCachedKeyLookup(
      async (hash) => {
        reads.push(hash);
        now += 100; // the read itself takes 100 ms
        return stored.get(hash);
      },
      { ttlMs: 1000, maxEntries: 10, now: () => now },
    );
    expect((await lookup("a"))?.id).toBe("id-a");
    now = 1000;
    stored.delete("a");
    expect((await lookup("a"))?.id).toBe("id-a");
    now = 1001;
    expect(await lookup("a")).toBeUndefined();
    expect(await lookup("b")).toBeUndefined();
    stored.set("b", record("b"));
    expect((await lookup("b"))?.id).toBe("id-b");
    expect(reads).toEqual(["a", "a", "b", "b"]);
  });

  it("keeps at most maxEntries keys, dropping the least recently used", async () => {
    const reads: string[] = [];
    const lookup = createCachedKeyLookup(
      async (hash) => {
        reads.push(hash);
        return record(hash);
      },
      { ttlMs: 60_000, maxEntries: 2, now: () => 0 },
    );
    for (const hash of ["a", "b", "a", "c", "a", "b"]) await lookup(hash);
    expect(reads).toEqual(["a", "b", "c", "b"]);
  });
});
