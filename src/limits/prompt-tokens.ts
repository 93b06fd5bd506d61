import type { JsonObject } from "../protocol/openai-responses.js";
import type { PipelineOperation } from "../pipeline/answer.js";
import { requestTexts } from "../guardrails/request-texts.js";

/** Counts the tokens of one text. */
export type CountTokens = (text: string) => number;

/**
 * At most this many characters of one request's texts are tokenized (a few ms of synchronous BPE on the event loop);
 * the rest is estimated, so a 4 MiB prompt costs the same loop time as a 32 KiB one.
 */
export const tokenizeBudgetChars = 32 * 1024;
/** The fewest tokens per character assumed for estimated text: 1 per 4 characters, about English prose's average in o200k. */
const minTokensPerChar = 1 / 4;
/** Per-message framing tokens of chat formats (role markers and separators). */
const perMessageTokens = 4;

/**
 * Longest text handed to the BPE at once. Its merge loop is superlinear in the length of a run without whitespace:
 * 32K characters of one letter took 1.3 s, of "ü" 5.9 s (measured on the shared 2-core host), while 256-character
 * pieces take 5–25 ms for the whole 32K.
 */
const pieceChars = 256;

/**
 * Counts `text` in pieces of at most `pieceChars`, cut just before a space or newline in the piece's second half where
 * there is one (where the tokenizer's own pre-split cuts too, so prose counts exactly), else mid-run, never inside a
 * surrogate pair. Only runs of over 128 characters without whitespace count a little differently than whole.
 */
export function countInPieces(text: string, countPiece: CountTokens): number {
  if (text.length <= pieceChars) return countPiece(text);
  let total = 0;
  for (let start = 0; start < text.length; ) {
    let end = Math.min(text.length, start + pieceChars);
    if (end < text.length) {
      for (let at = end; at > start + pieceChars / 2; at--) {
        const code = text.charCodeAt(at);
        if (code === 32 || code === 10) {
          end = at;
          break;
        }
      }
      const last = text.charCodeAt(end - 1);
      if (last >= 0xd800 && last <= 0xdbff) end--;
    }
    total += countPiece(text.slice(start, end));
    start = end;
  }
  return total;
}

/** Loads a real BPE tokenizer (o200k_base, GPT-4o's) once at startup, and runs it once so its code is compiled before the first request. */
export async function loadTokenCounter(): Promise<CountTokens> {
  const encoding = await import("gpt-tokenizer/encoding/o200k_base");
  const options = { disallowedSpecial: new Set<string>() };
  const countPiece: CountTokens = (piece) => encoding.countTokens(piece, options);
  const count: CountTokens = (text) => countInPieces(text, countPiece);
  count("Warm-up: the tokenizer's first call compiles its hot functions, 1234 ünïcödé {\"json\": [1, 2]}.");
  return count;
}

/**
 * Counts the tokens of a request's texts, tokenizing at most `budgetChars` characters in total across all of them.
 * Text past the budget is estimated at the tokens-per-character ratio of the part that was tokenized, never below
 * 1 token per 4 characters, so text that tokenizes cheaply up front cannot make the rest count as almost nothing (the limiter reserves, then
 * settles to the real usage).
 */
export function countTextsBounded(texts: readonly string[], count: CountTokens, budgetChars = tokenizeBudgetChars): number {
  let left = budgetChars;
  let tokenized = 0;
  let tokenizedChars = 0;
  let estimatedChars = 0;
  for (const text of texts) {
    if (left >= text.length) {
      tokenized += count(text);
      tokenizedChars += text.length;
      left -= text.length;
      continue;
    }
    if (left > 0) {
      tokenized += count(text.slice(0, left));
      tokenizedChars += left;
    }
    estimatedChars += text.length - left;
    left = 0;
  }
  if (estimatedChars === 0) return tokenized;
  const ratio = Math.max(minTokensPerChar, tokenizedChars === 0 ? 0 : tokenized / tokenizedChars);
  return tokenized + Math.ceil(estimatedChars * ratio);
}

/** Estimates a request's prompt tokens: its texts tokenized (bounded per request), token-array prompts counted as they are, plus chat framing. */
export function promptTokens(operation: PipelineOperation, body: JsonObject, count: CountTokens, budgetChars = tokenizeBudgetChars): number {
  let total = countTextsBounded(requestTexts(operation, body), count, budgetChars);
  const field = operation === "chat" ? "messages" : operation === "completion" ? "prompt" : "input";
  const value = body[field];
  if (operation === "chat" && Array.isArray(value)) total += value.length * perMessageTokens;
  if (!Array.isArray(value)) return total;
  for (const item of value) {
    if (typeof item === "number") total += 1;
    else if (Array.isArray(item)) total += item.length;
  }
  return total;
}

/** Output tokens a request may produce: its max_tokens (× n), else the default reservation; embeddings produce none. */
export function outputReservation(operation: PipelineOperation, body: JsonObject, fallback: number): number {
  if (operation === "embedding") return 0;
  const max = body["max_completion_tokens"] ?? body["max_tokens"];
  const n = typeof body["n"] === "number" ? body["n"] : 1;
  return (typeof max === "number" ? max : fallback) * n;
}
