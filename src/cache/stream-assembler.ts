import type { JsonObject } from "../protocol/openai-responses.js";
import type { GenerateOperation } from "../pipeline/provider.js";

interface ToolCallParts {
  id?: string;
  type: string;
  name: string;
  arguments: string;
}

interface ChoiceParts {
  content: string;
  refusal: string | undefined;
  finishReason: string | undefined;
  toolCalls: Map<number, ToolCallParts>;
}

/** Collects a stream's chunks into the JSON answer a non-streaming request would have got. */
export interface StreamAssembler {
  add(chunk: JsonObject): void;
  /** The whole answer, or undefined when the stream did not end every choice with a finish_reason (never cache it). */
  finish(): JsonObject | undefined;
}

/** Creates an assembler for a chat or completion stream. */
export function createStreamAssembler(operation: GenerateOperation): StreamAssembler {
  const choices = new Map<number, ChoiceParts>();
  let header: JsonObject | undefined;
  let usage: unknown;

  return {
    add(chunk) {
      header ??= chunk;
      if (chunk["usage"] !== undefined && chunk["usage"] !== null) usage = chunk["usage"];
      const list = chunk["choices"];
      if (!Array.isArray(list)) return;
      for (const item of list as JsonObject[]) {
        const index = typeof item["index"] === "number" ? item["index"] : 0;
        let parts = choices.get(index);
        if (parts === undefined) {
          parts = { content: "", refusal: undefined, finishReason: undefined, toolCalls: new Map() };
          choices.set(index, parts);
        }
        if (typeof item["finish_reason"] === "string") parts.finishReason = item["finish_reason"];
        if (operation === "completion") {
          if (typeof item["text"] === "string") parts.content += item["text"];
          continue;
        }
        const delta = (item["delta"] ?? {}) as JsonObject;
        if (typeof delta["content"] === "string") parts.content += delta["content"];
        if (typeof delta["refusal"] === "string") parts.refusal = (parts.refusal ?? "") + delta["refusal"];
        if (Array.isArray(delta["tool_calls"])) addToolCalls(parts.toolCalls, delta["tool_calls"] as JsonObject[]);
      }
    },
    finish() {
      if (header === undefined || choices.size === 0) return undefined;
      const ordered = [...choices.entries()].sort(([a], [b]) => a - b);
      if (ordered.some(([, parts]) => parts.finishReason === undefined)) return undefined;
      const body: JsonObject = {
        id: header["id"],
        object: operation === "chat" ? "chat.completion" : "text_completion",
        created: header["created"],
        model: header["model"],
        ...(header["system_fingerprint"] === undefined ? {} : { system_fingerprint: header["system_fingerprint"] }),
        choices: ordered.map(([index, parts]) => (operation === "chat" ? chatChoice(index, parts) : { index, text: parts.content, finish_reason: parts.finishReason, logprobs: null })),
      };
      if (usage !== undefined) body["usage"] = usage;
      return body;
    },
  };
}

function addToolCalls(calls: Map<number, ToolCallParts>, deltas: JsonObject[]): void {
  for (const delta of deltas) {
    const index = typeof delta["index"] === "number" ? delta["index"] : 0;
    const call = calls.get(index) ?? { type: "function", name: "", arguments: "" };
    const fn = (delta["function"] ?? {}) as JsonObject;
    if (typeof delta["id"] === "string") call.id = delta["id"];
    if (typeof delta["type"] === "string") call.type = delta["type"];
    if (typeof fn["name"] === "string") call.name += fn["name"];
    if (typeof fn["arguments"] === "string") call.arguments += fn["arguments"];
    calls.set(index, call);
  }
}

function chatChoice(index: number, parts: ChoiceParts): JsonObject {
  const toolCalls = [...parts.toolCalls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, call]) => ({ ...(call.id === undefined ? {} : { id: call.id }), type: call.type, function: { name: call.name, arguments: call.arguments } }));
  const message: JsonObject = { role: "assistant", content: parts.content === "" && toolCalls.length > 0 ? null : parts.content };
  if (parts.refusal !== undefined) message["refusal"] = parts.refusal;
  if (toolCalls.length > 0) message["tool_calls"] = toolCalls;
  return { index, message, finish_reason: parts.finishReason, logprobs: null };
}
