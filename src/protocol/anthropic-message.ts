import { firstChoice, type JsonObject, type Usage } from "./openai-responses.js";

/** Anthropic's stop_reason for a chat finish_reason; `matchedStop` is the stop string a vLLM-style upstream reports. */
export function anthropicStopReason(finishReason: unknown, matchedStop: unknown, stopSequences: readonly string[] | undefined): { stop_reason: string; stop_sequence: string | null } {
  if (finishReason === "length") return { stop_reason: "max_tokens", stop_sequence: null };
  if (finishReason === "tool_calls" || finishReason === "function_call") return { stop_reason: "tool_use", stop_sequence: null };
  if (finishReason === "content_filter") return { stop_reason: "refusal", stop_sequence: null };
  if (typeof matchedStop === "string" && stopSequences?.includes(matchedStop) === true) return { stop_reason: "stop_sequence", stop_sequence: matchedStop };
  return { stop_reason: "end_turn", stop_sequence: null };
}

/** Usage in Anthropic's names. */
export function anthropicUsage(usage: Usage | undefined): { input_tokens: number; output_tokens: number } {
  return { input_tokens: usage?.prompt_tokens ?? 0, output_tokens: usage?.completion_tokens ?? 0 };
}

/** Parses tool-call arguments into the `input` object Anthropic's tool_use blocks carry; unparsable text stays a string under `_raw`. */
export function toolInput(args: string): JsonObject {
  if (args.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(args);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as JsonObject) : { value: parsed };
  } catch {
    return { _raw: args };
  }
}

/** A chat completion as an Anthropic message. */
export function chatCompletionToAnthropic(completion: JsonObject, id: string, model: string, usage: Usage | undefined, stopSequences: readonly string[] | undefined): JsonObject {
  const choice = firstChoice(completion);
  const message = (choice?.["message"] ?? {}) as JsonObject;
  const content: JsonObject[] = [];
  const text = message["content"];
  if (typeof text === "string" && text !== "") content.push({ type: "text", text });
  for (const call of (message["tool_calls"] as JsonObject[] | undefined) ?? []) {
    const fn = (call["function"] ?? {}) as JsonObject;
    content.push({ type: "tool_use", id: String(call["id"] ?? ""), name: String(fn["name"] ?? ""), input: toolInput(String(fn["arguments"] ?? "")) });
  }
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content,
    ...anthropicStopReason(choice?.["finish_reason"], choice?.["stop_reason"], stopSequences),
    usage: anthropicUsage(usage),
  };
}
