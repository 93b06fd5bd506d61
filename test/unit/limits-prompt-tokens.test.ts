import { describe, expect, it } from "vitest";
import { countInPieces, countTextsBounded, loadTokenCounter, promptTokens, tokenizeBudgetChars, type CountTokens } from "../../src/limits/prompt-tokens.js";

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

describe("countInPieces keeps the BPE's superlinear runs short", () => {
  it("hands the tokenizer at most 256 characters at a time, cut at whitespace in prose, never splitting a surrogate pair", () => {
    const pieces: string[] = [];
    const record: CountTokens = (piece) => {
      pieces.push(piece);
      return 1;
    };
    const prose = "the quick brown fox jumps over the lazy dog ".repeat(200);
    countInPieces(prose, record);
    expect(pieces.join("")).toBe(prose);
    expect(Math.max(...pieces.map((piece) => piece.length))).toBeLessThanOrEqual(256);
    expect(pieces.slice(1).every((piece) => piece.startsWith(" "))).toBe(true);
    pieces.length = 0;
    const emoji = `x${"😀".repeat(1000)}`;
    countInPieces(emoji, record);
    expect(pieces.join("")).toBe(emoji);
    // A lone surrogate would come back from UTF-8 as U+FFFD.
    expect(pieces.every((piece) => Buffer.from(piece).toString() === piece)).toBe(true);
  });

  it("counts prose exactly as the whole text, and 32K characters of one letter in pieces", async () => {
    const count = await loadTokenCounter();
    const prose = "Gantry routes requests to models; it counts tokens before it forwards them. ".repeat(500);
    const { countTokens } = await import("gpt-tokenizer/encoding/o200k_base");
    expect(count(prose)).toBe(countTokens(prose));
    // Whole, this run takes seconds of BPE; in pieces its count stays close to the whole's 4,096 tokens.
    expect(count("x".repeat(32 * 1024))).toBeGreaterThanOrEqual(4096);
  });
});
