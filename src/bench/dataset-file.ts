import type { ChatMessage } from "./bench-prompt.js";

/** One conversation read from a dataset file, before it becomes a prompt. */
export interface DatasetEntry {
  messages: ChatMessage[];
  /** The reference answer, when the file has one: its length sets the requested output length. */
  completion?: string;
  /** An explicit output length from the file (output_len / max_tokens). */
  outputLen?: number;
}

/**
 * Parses a dataset file: JSONL (one prompt or conversation per line) or a JSON array (the ShareGPT
 * dump format). Accepted records: a string; {prompt, completion?}; {messages: [{role, content}]};
 * {conversations: [{from, value}]} as ShareGPT writes them. Throws naming the first bad record.
 */
export function parseDatasetFile(text: string): DatasetEntry[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  const records: Array<{ value: unknown; where: string }> = [];
  if (trimmed.startsWith("[")) {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed)) throw new Error("dataset: expected a JSON array");
    parsed.forEach((value: unknown, index) => records.push({ value, where: `item ${index}` }));
  } else {
    text.split("\n").forEach((line, index) => {
      if (line.trim() === "") return;
      try {
        records.push({ value: JSON.parse(line) as unknown, where: `line ${index + 1}` });
      } catch (error) {
        throw new Error(`dataset line ${index + 1}: not JSON (${error instanceof Error ? error.message : String(error)})`);
      }
    });
  }
  return records.map(({ value, where }) => {
    const entry = toEntry(value);
    if (entry === undefined) throw new Error(`dataset ${where}: expected a string, {prompt}, {messages} or {conversations}`);
    return entry;
  });
}

function toEntry(value: unknown): DatasetEntry | undefined {
  if (typeof value === "string") return value === "" ? undefined : { messages: [{ role: "user", content: value }] };
  if (!isRecord(value)) return undefined;
  const outputLen = firstPositiveInteger(value["output_len"], value["max_tokens"], value["output_tokens"]);
  const withLength = (entry: DatasetEntry): DatasetEntry => (outputLen === undefined ? entry : { ...entry, outputLen });

  const turns = value["conversations"] ?? value["conversation"];
  if (Array.isArray(turns)) {
    // ShareGPT, as vLLM reads it: the first human turn is the prompt, the turn after it the reference answer.
    const messages = turns.map(toMessage);
    const promptIndex = messages.findIndex((message) => message?.role === "user");
    const prompt = messages[promptIndex];
    if (prompt === undefined) return undefined;
    const answer = messages[promptIndex + 1];
    return withLength(answer?.role === "assistant" ? { messages: [prompt], completion: answer.content } : { messages: [prompt] });
  }
  if (Array.isArray(value["messages"])) {
    const messages = value["messages"].map(toMessage);
    if (messages.length === 0 || messages.some((message) => message === undefined)) return undefined;
    const defined = messages as ChatMessage[];
    const last = defined.at(-1);
    if (last?.role === "assistant" && defined.length > 1) return withLength({ messages: defined.slice(0, -1), completion: last.content });
    return withLength({ messages: defined });
  }
  const prompt = value["prompt"] ?? value["text"];
  if (typeof prompt === "string" && prompt !== "") {
    const completion = value["completion"] ?? value["output"] ?? value["response"];
    const entry: DatasetEntry = { messages: [{ role: "user", content: prompt }] };
    return withLength(typeof completion === "string" ? { ...entry, completion } : entry);
  }
  return undefined;
}

function toMessage(value: unknown): ChatMessage | undefined {
  if (!isRecord(value)) return undefined;
  const role = String(value["role"] ?? value["from"] ?? "").toLowerCase();
  const content = value["content"] ?? value["value"];
  if (typeof content !== "string") return undefined;
  if (role === "system") return { role: "system", content };
  if (role === "user" || role === "human") return { role: "user", content };
  if (role === "assistant" || role === "gpt" || role === "chatgpt" || role === "model" || role === "bard") return { role: "assistant", content };
  return undefined;
}

function firstPositiveInteger(...values: unknown[]): number | undefined {
  return values.find((value): value is number => typeof value === "number" && Number.isInteger(value) && value > 0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
