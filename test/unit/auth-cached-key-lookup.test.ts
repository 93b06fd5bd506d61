import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/gateway-error.js";
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
      { ttlMs: 1000, staleMs: 0, maxEntries: 10, now: () => now },
    );
    expect((await lookup("a"))?.id).toBe("id-a");
    // Fresh for strictly less than ttlMs from before the read: a revocation reaches this replica at +ttlMs.
    now = 999;
    stored.delete("a");
    expect((await lookup("a"))?.id).toBe("id-a");
    now = 1000;
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
      { ttlMs: 60_000, staleMs: 0, maxEntries: 2, now: () => 0 },
    );
    for (const hash of ["a", "b", "a", "c", "a", "b"]) await lookup(hash);
    expect(reads).toEqual(["a", "b", "c", "b"]);
  });

  it("while the store fails, serves keys verified within staleMs and refuses every other key with 503", async () => {
    let now = 0;
    let down = false;
    const lookup = createCachedKeyLookup(
      async (hash) => {
        if (down) throw new Error("connection to Redis lost");
        return record(hash);
      },
      { ttlMs: 500, staleMs: 300_000, maxEntries: 10, now: () => now },
    );
    await lookup("a");
    down = true;
    now = 299_999;
    expect((await lookup("a"))?.id).toBe("id-a");
    await expect(lookup("b")).rejects.toSatisfy((error: unknown) => error instanceof GatewayError && error.code === "dependency_unavailable" && error.status === 503);
    now = 300_000;
    await expect(lookup("a")).rejects.toBeInstanceOf(GatewayError);
    down = false;
    expect((await lookup("a"))?.id).toBe("id-a");
  });

  it("with staleMs 0 (fail_closed) refuses even a recently verified key once its ttl has passed", async () => {
    let now = 0;
    let down = false;
    const lookup = createCachedKeyLookup(
      async (hash) => {
        if (down) throw new Error("Command timed out");
        return record(hash);
      },
      { ttlMs: 500, staleMs: 0, maxEntries: 10, now: () => now },
    );
    await lookup("a");
    down = true;
    now = 400;
    expect((await lookup("a"))?.id).toBe("id-a");
    now = 500;
    await expect(lookup("a")).rejects.toBeInstanceOf(GatewayError);
  });
});
