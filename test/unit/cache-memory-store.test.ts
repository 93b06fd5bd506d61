import { describe, expect, it } from "vitest";
import { createMemoryCacheStore } from "../../src/cache/memory-cache-store.js";

describe("the in-memory LRU cache store", () => {
  it("expires entries after their TTL (injected clock)", async () => {
    let now = 1000;
    const store = createMemoryCacheStore({ maxEntries: 10, maxBytes: 1e6, now: () => now });
    await store.set("a", "answer", 300_000);
    now += 299_999;
    expect(await store.get("a")).toBe("answer");
    now += 1;
    expect(await store.get("a")).toBeUndefined();
    expect(store.size()).toBe(0);
    expect(store.bytes()).toBe(0);
  });

  it("evicts the least recently used entry beyond max entries", async () => {
    const store = createMemoryCacheStore({ maxEntries: 2, maxBytes: 1e6 });
    await store.set("a", "1", 1000);
    await store.set("b", "2", 1000);
    await store.get("a");
    await store.set("c", "3", 1000);
    expect(await store.get("b")).toBeUndefined();
    expect(await store.get("a")).toBe("1");
    expect(await store.get("c")).toBe("3");
    expect(store.size()).toBe(2);
  });

  it("keeps its byte total under max bytes and refuses an entry bigger than the cap", async () => {
    const store = createMemoryCacheStore({ maxEntries: 1000, maxBytes: 1000 });
    for (let index = 0; index < 50; index++) await store.set(`k${index}`, "x".repeat(100), 1000);
    expect(store.bytes()).toBeLessThanOrEqual(1000);
    expect(await store.get("k49")).toBe("x".repeat(100));
    expect(await store.get("k0")).toBeUndefined();
    await store.set("huge", "y".repeat(600), 1000);
    expect(await store.get("huge")).toBeUndefined();
  });

  it("replacing a key does not double count its bytes", async () => {
    const store = createMemoryCacheStore({ maxEntries: 10, maxBytes: 1e6 });
    await store.set("a", "1234", 1000);
    await store.set("a", "1234", 1000);
    expect(store.bytes()).toBe(2 * 5);
    await store.delete("a");
    expect(store.bytes()).toBe(0);
  });
});
