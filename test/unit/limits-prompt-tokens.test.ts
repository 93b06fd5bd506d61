import { describe, expect, it } from "vitest";
import { countTextsBounded, loadTokenCounter, promptTokens, tokenizeBudgetChars, type CountTokens } from "../../src/limits/prompt-tokens.js";

/** A counter that records how many characters it was asked to tokenize: 1 token per 5 characters. */
function recordingCounter(): { count: CountTokens; tokenizedChars: () => number; calls: () => number } {
  let chars = 0;
  let calls = 0;
  return {
    count: (text) => {
      chars += text.length;
      calls++;
      return Math.ceil(text.length / 5);
    },
    tokenizedChars: () => chars,
    calls: () => calls,
  };
}

describe("promptTokens bounds tokenization per request", () => {
  it("tokenizes at most the budget in total across 64 × 63 KiB messages, and estimates the rest", () => {
    const counter = recordingCounter();
    const messages = Array.from({ length: 64 }, () => ({ role: "user", content: "x".repeat(63 * 1024) }));
    const tokens = promptTokens("chat", { model: "m", messages }, counter.count);
    expect(counter.tokenizedChars()).toBe(tokenizeBudgetChars);
    // The tokenized part ran at 1 token per 5 characters, below the 1-per-4 floor, so the rest is estimated at 1 per 4.
    const totalChars = 64 * 63 * 1024;
    expect(tokens).toBe(Math.ceil(tokenizeBudgetChars / 5) + Math.ceil((totalChars - tokenizeBudgetChars) / 4) + 64 * 4);
  });

  it("tokenizes a single 4 MiB prompt only up to the budget", () => {
    const counter = recordingCounter();
    promptTokens("completion", { model: "m", prompt: "y".repeat(4 * 1024 * 1024) }, counter.count);
    expect(counter.tokenizedChars()).toBe(tokenizeBudgetChars);
    expect(counter.calls()).toBe(1);
  });

  it("counts small prompts exactly, with no estimate", () => {
    const counter = recordingCounter();
    expect(promptTokens("embedding", { model: "m", input: ["abcde", "abcdefghij"] }, counter.count)).toBe(3);
    expect(counter.tokenizedChars()).toBe(15);
  });

  it("estimates past the budget at the measured ratio when it is above 1 token per 4 characters", () => {
    const dense: CountTokens = (text) => text.length; // 1 token per character, like CJK text
    expect(countTextsBounded(["a".repeat(10), "b".repeat(30)], dense, 20)).toBe(40);
  });

  it("makes no tokenizer call for texts wholly past the budget", () => {
    const counter = recordingCounter();
    countTextsBounded(["a".repeat(8), "b".repeat(100), "c".repeat(100)], counter.count, 8);
    expect(counter.calls()).toBe(1);
    expect(counter.tokenizedChars()).toBe(8);
  });

  it("counts real o200k tokens for a short text", async () => {
    const count = await loadTokenCounter();
    expect(count("Hello, world!")).toBe(4);
  });
});
