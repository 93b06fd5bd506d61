import { describe, expect, it } from "vitest";
import { guardSignature, guardsMatch } from "../../src/cache/semantic-guard.js";
import { createSemanticIndex, normalize } from "../../src/cache/semantic-index.js";

const same = (a: string, b: string): boolean => guardsMatch(guardSignature(a), guardSignature(b));

describe("the semantic cache guard", () => {
  it("lets paraphrases through", () => {
    expect(same("Is Paris safe at night?", "is Paris safe at night")).toBe(true);
    expect(same("What is 2 + 2?", "what's 2+2")).toBe(true);
  });

  it.each([
    ["negation", "Is Paris safe?", "Is Paris not safe?"],
    ["n't", "Is it safe?", "Isn't it safe?"],
    ["without", "Pasta with eggs", "Pasta without eggs"],
    ["except", "List all the planets", "List all the planets except Mars"],
    ["numbers", "Give me 2 tips", "Give me 3 tips"],
    ["decimals", "Convert 1.5 miles", "Convert 15 miles"],
    ["entities", "Is Paris safe?", "Is London safe?"],
    ["quoted strings", 'Translate "good morning"', 'Translate "good night"'],
  ])("blocks a %s mismatch", (_name, a, b) => {
    expect(same(a, b)).toBe(false);
  });
});

describe("the semantic index", () => {
  const guard = guardSignature("q");
  it("finds the nearest vector above the threshold, per partition", () => {
    const index = createSemanticIndex({ maxEntriesPerPartition: 10, maxPartitions: 10 });
    index.add("p", normalize([1, 0]), guard, "a");
    index.add("p", normalize([0.9, 0.1]), guard, "b");
    expect(index.find("p", normalize([1, 0.01]), guard, 0.95)?.key).toBe("a");
    expect(index.find("p", normalize([0, 1]), guard, 0.95)).toBeUndefined();
    expect(index.find("other", normalize([1, 0]), guard, 0.95)).toBeUndefined();
  });

  it("skips a closer candidate whose guard fails", () => {
    const index = createSemanticIndex({ maxEntriesPerPartition: 10, maxPartitions: 10 });
    index.add("p", normalize([1, 0]), guardSignature("Is it not safe?"), "negated");
    index.add("p", normalize([0.99, 0.05]), guardSignature("Is it safe?"), "plain");
    expect(index.find("p", normalize([1, 0]), guardSignature("Is it safe?"), 0.9)?.key).toBe("plain");
  });

  it("bounds entries per partition and partitions (LRU)", () => {
    const index = createSemanticIndex({ maxEntriesPerPartition: 3, maxPartitions: 2 });
    for (let item = 0; item < 10; item++) index.add("p1", normalize([1, item]), guard, `k${item}`);
    expect(index.size()).toBe(3);
    index.add("p2", normalize([1, 0]), guard, "x");
    index.add("p3", normalize([1, 0]), guard, "y");
    expect(index.size()).toBe(2);
    expect(index.find("p1", normalize([1, 9]), guard, 0.99)).toBeUndefined();
  });
});
