import type { BenchPrompt, ChatMessage } from "./bench-prompt.js";
import { messagesToPrompt } from "./bench-prompt.js";
import type { DatasetEntry } from "./dataset-file.js";
import type { SeededRandom } from "./seeded-random.js";
import type { BenchTokenizer } from "./tokenizer.js";

export interface ConversationPromptOptions {
  count: number;
  /** "sharegpt": shuffled and filtered as vLLM does; "file": in file order, repeated to reach `count`. */
  mode: "sharegpt" | "file";
  /** --output-len when given: overrides every entry's own length. */
  outputLen: number | undefined;
  /** Used for entries that carry neither a length nor a reference answer. */
  defaultOutputLen: number;
  prefix: string;
  prefixTokens: number;
}

// vLLM's ShareGPT filter: too short to time or too long for common context windows.
const minTokens = 4;
const maxPromptTokens = 1024;
const maxTotalTokens = 2048;

/** Turns dataset entries into prompts with their token counts and requested output lengths. */
export function createConversationPrompts(entries: readonly DatasetEntry[], options: ConversationPromptOptions, random: SeededRandom, tokenizer: BenchTokenizer): BenchPrompt[] {
  const { count, mode, prefix, prefixTokens } = options;
  const prompts: BenchPrompt[] = [];
  if (entries.length === 0) return prompts;
  const order = mode === "sharegpt" ? shuffled(entries.length, random) : entries.map((_, index) => index);
  for (let step = 0; prompts.length < count; step++) {
    if (mode === "sharegpt" && step >= order.length) break;
    const entry = entries[order[step % order.length] ?? 0];
    if (entry === undefined) break;
    const inputTokens = entry.messages.reduce((sum, message) => sum + tokenizer.count(message.content), 0);
    const referenceTokens = entry.completion === undefined ? undefined : tokenizer.count(entry.completion);
    const outputTokens = options.outputLen ?? entry.outputLen ?? referenceTokens ?? options.defaultOutputLen;
    if (mode === "sharegpt") {
      if (options.outputLen === undefined && referenceTokens === undefined) continue;
      if (inputTokens < minTokens || (options.outputLen === undefined && outputTokens < minTokens)) continue;
      if (inputTokens > maxPromptTokens || inputTokens + outputTokens > maxTotalTokens) continue;
    }
    const messages = withPrefix(entry.messages, prefix);
    prompts.push({ prompt: messagesToPrompt(messages), messages, inputTokens: inputTokens + prefixTokens, maxOutputTokens: Math.max(1, outputTokens) });
  }
  return prompts;
}

function withPrefix(messages: readonly ChatMessage[], prefix: string): ChatMessage[] {
  if (prefix === "") return [...messages];
  const [first, ...rest] = messages;
  return first === undefined ? [] : [{ ...first, content: prefix + first.content }, ...rest];
}

function shuffled(length: number, random: SeededRandom): number[] {
  const order = Array.from({ length }, (_, index) => index);
  for (let index = length - 1; index > 0; index--) {
    const other = random.integer(0, index);
    const held = order[index] ?? 0;
    order[index] = order[other] ?? 0;
    order[other] = held;
  }
  return order;
}
