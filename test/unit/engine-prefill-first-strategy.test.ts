import { describe, expect, it } from "vitest";
import type { BatchItem, Token } from "node-llama-cpp";
import { createPrefillFirstStrategy } from "../../src/engine/prefill-first-strategy.js";

const item = (length: number): BatchItem => ({ tokens: Array.from({ length }, () => 1 as Token), logits: [], evaluationPriority: 5 });

describe("prefill-first batching", () => {
  it("reads waiting prompts alone, then serves every decoding sequence, alternating", () => {
    const strategy = createPrefillFirstStrategy();
    const decoders = [item(1), item(1), item(1)];
    const prompt = item(300);
    const first = strategy({ items: [...decoders, prompt], size: 512 });
    expect(first).toEqual([{ item: prompt, processAmount: 300 }]);
    const longPrompt = item(900);
    const second = strategy({ items: [...decoders, longPrompt], size: 512 });
    expect(second.map((entry) => entry.processAmount)).toEqual([1, 1, 1, 509]);
    const third = strategy({ items: [...decoders, longPrompt], size: 512 });
    expect(third).toEqual([{ item: longPrompt, processAmount: 512 }]);
  });

  it("serves prompts oldest first within the batch size", () => {
    const strategy = createPrefillFirstStrategy();
    const [a, b, c] = [item(200), item(200), item(200)];
    expect(strategy({ items: [a, b, c] as BatchItem[], size: 512 }).map((entry) => entry.processAmount)).toEqual([200, 200, 112]);
  });

  it("decodes normally when no prompt waits", () => {
    const strategy = createPrefillFirstStrategy();
    const decoders = [item(1), item(1)];
    expect(strategy({ items: decoders, size: 512 }).length).toBe(2);
  });
});
