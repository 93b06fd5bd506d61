import { describe, expect, it } from "vitest";
import { guardSignature } from "../../src/cache/semantic-guard.js";
import { createSemanticIndex, normalize } from "../../src/cache/semantic-index.js";

const guard = guardSignature("What is the capital of France?");

describe("the semantic index bounds", () => {
  it("keeps at most maxEntriesPerPartition entries, dropping the least recently matched", () => {
    const index = createSemanticIndex({ maxEntriesPerPartition: 2, maxPartitions: 10 });
    index.add("p", normalize([1, 0, 0]), guard, "x");
    index.add("p", normalize([0, 1, 0]), guard, "y");
    expect(index.find("p", normalize([1, 0, 0]), guard, 0.99)?.key).toBe("x");
    index.add("p", normalize([0, 0, 1]), guard, "z");
    expect(index.size()).toBe(2);
    expect(index.find("p", normalize([0, 1, 0]), guard, 0.99)).toBeUndefined();
    expect(index.find("p", normalize([1, 0, 0]), guard, 0.99)?.key).toBe("x");
  });

  it("keeps at most maxPartitions partitions and counts what it holds", () => {
    const index = createSemanticIndex({ maxEntriesPerPartition: 10, maxPartitions: 2 });
    index.add("a", normalize([1, 0]), guard, "a1");
    index.add("a", normalize([0, 1]), guard, "a2");
    index.add("b", normalize([1, 0]), guard, "b1");
    index.find("a", normalize([1, 0]), guard, 0.99);
    index.add("c", normalize([1, 0]), guard, "c1");
    expect(index.size()).toBe(3);
    expect(index.find("b", normalize([1, 0]), guard, 0.99)).toBeUndefined();
    expect(index.find("a", normalize([0, 1]), guard, 0.99)?.key).toBe("a2");
    index.add("a", normalize([0, 1]), guard, "a2");
    expect(index.size()).toBe(3);
    index.remove("a", "a1");
    index.remove("a", "a2");
    expect(index.size()).toBe(1);
  });

  it("prefers the newest of equally similar entries", () => {
    const index = createSemanticIndex({ maxEntriesPerPartition: 10, maxPartitions: 10 });
    index.add("p", normalize([1, 0]), guard, "old");
    index.add("p", normalize([1, 0]), guard, "new");
    expect(index.find("p", normalize([1, 0]), guard, 0.99)?.key).toBe("new");
  });
});
