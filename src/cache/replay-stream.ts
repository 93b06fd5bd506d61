import type { JsonObject } from "../protocol/openai-responses.js";
import type { GenerateOperation, StreamPart } from "../pipeline/provider.js";

/** Content pieces per replayed chunk: word-sized, like an upstream's token chunks. */
const piecePattern = /\s*\S+|\s+$/g;

/**
 * The chunks of a stream that delivers `body` (a cached JSON answer): per choice a role chunk (chat), content chunks,
 * tool calls, a finish chunk; then a usage-only chunk, hidden from the client unless it asked for usage.
 */
export function replayParts(operation: GenerateOperation, body: JsonObject, clientAskedUsage: boolean): StreamPart[] {
  const base = { id: body["id"], object: operation === "chat" ? "chat.completion.chunk" : "text_completion", created: body["created"], model: body["model"], ...(body["system_fingerprint"] === undefined ? {} : { system_fingerprint: body["system_fingerprint"] }) };
  const parts: StreamPart[] = [];
  const push = (choice: JsonObject): void => void parts.push({ type: "chunk", chunk: { ...base, choices: [choice] } });
  const choices = Array.isArray(body["choices"]) ? (body["choices"] as JsonObject[]) : [];
  for (const choice of choices) {
    const index = choice["index"] ?? 0;
    if (operation === "completion") {
      for (const piece of pieces(choice["text"])) push({ index, text: piece, finish_reason: null, logprobs: null });
      push({ index, text: "", finish_reason: choice["finish_reason"] ?? "stop", logprobs: null });
      continue;
    }
    const message = (choice["message"] ?? {}) as JsonObject;
    push({ index, delta: { role: "assistant", content: "" }, finish_reason: null, logprobs: null });
    for (const piece of pieces(message["content"])) push({ index, delta: { content: piece }, finish_reason: null, logprobs: null });
    if (typeof message["refusal"] === "string") push({ index, delta: { refusal: message["refusal"] }, finish_reason: null, logprobs: null });
    if (Array.isArray(message["tool_calls"])) {
      const toolCalls = (message["tool_calls"] as JsonObject[]).map((call, position) => ({ index: position, ...call }));
      push({ index, delta: { tool_calls: toolCalls }, finish_reason: null, logprobs: null });
    }
    push({ index, delta: {}, finish_reason: choice["finish_reason"] ?? "stop", logprobs: null });
  }
  if (body["usage"] !== undefined) parts.push({ type: "chunk", chunk: { ...base, choices: [], usage: body["usage"] }, ...(clientAskedUsage ? {} : { internalUsage: true }) });
  return parts;
}

function pieces(text: unknown): string[] {
  if (typeof text !== "string" || text === "") return [];
  return text.match(piecePattern) ?? [text];
}
