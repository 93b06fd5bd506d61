import type { JsonObject } from "../protocol/openai-responses.js";
import type { PipelineOperation } from "../pipeline/answer.js";
import { requestTexts } from "../guardrails/request-texts.js";

/** Counts the tokens of one text. */
export type CountTokens = (text: string) => number;

/** Texts longer than this are estimated (3 characters a token, on the high side) rather than tokenized, so no request blocks the event loop for long. */
const tokenizeLimitChars = 64 * 1024;
/** Per-message framing tokens of chat formats (role markers and separators). */
const perMessageTokens = 4;

/** Loads a real BPE tokenizer (o200k_base, GPT-4o's) once at startup. */
export async function loadTokenCounter(): Promise<CountTokens> {
  const encoding = await import("gpt-tokenizer/encoding/o200k_base");
  const options = { disallowedSpecial: new Set<string>() };
  return (text) => (text.length > tokenizeLimitChars ? Math.ceil(text.length / 3) : encoding.countTokens(text, options));
}

/** Estimates a request's prompt tokens: its texts tokenized, token-array prompts counted as they are, plus chat framing. */
export function promptTokens(operation: PipelineOperation, body: JsonObject, count: CountTokens): number {
  let total = requestTexts(operation, body).reduce((sum, text) => sum + count(text), 0);
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
