import { firstChoice, type JsonObject, type Usage } from "./openai-responses.js";
import type { ResponsesRequest } from "./responses-request.js";

/** What names and describes one response: its key (ids derive from it), creation time and the request it answers. */
export interface ResponseIdentity {
  /** 32 hex digits: the response is `resp_<key>`, its output items `msg_<key>_<n>` and `fc_<key>_<n>`. */
  readonly key: string;
  /** Seconds since the epoch. */
  readonly createdAt: number;
  readonly request: ResponsesRequest;
}

const itemIdPattern = /^(?:msg|fc)_([0-9a-f]{32})_\d+$/;

/** The response id of an output item id (`msg_<key>_<n>` → `resp_<key>`), or undefined for a foreign id. */
export function responseIdOfItem(itemId: string): string | undefined {
  const key = itemIdPattern.exec(itemId)?.[1];
  return key === undefined ? undefined : `resp_${key}`;
}

/** An output message item holding `text`. */
export function messageItem(id: string, text: string, status: "in_progress" | "completed"): JsonObject {
  return { type: "message", id, status, role: "assistant", content: status === "completed" ? [outputText(text)] : [] };
}

/** An output_text content part. */
export function outputText(text: string): JsonObject {
  return { type: "output_text", text, annotations: [], logprobs: [] };
}

/** A function_call output item. */
export function functionCallItem(id: string, callId: string, name: string, args: string, status: "in_progress" | "completed"): JsonObject {
  return { type: "function_call", id, call_id: callId, name, arguments: args, status };
}

/** The output items of a chat completion's first choice, and why it finished. */
export function chatCompletionToOutput(completion: JsonObject, key: string): { output: JsonObject[]; finishReason: string | undefined } {
  const choice = firstChoice(completion);
  const message = (choice?.["message"] ?? {}) as JsonObject;
  const output: JsonObject[] = [];
  const content = message["content"];
  if (typeof content === "string" && content !== "") output.push(messageItem(`msg_${key}_${output.length}`, content, "completed"));
  for (const call of (message["tool_calls"] as JsonObject[] | undefined) ?? []) {
    const fn = (call["function"] ?? {}) as JsonObject;
    output.push(functionCallItem(`fc_${key}_${output.length}`, String(call["id"] ?? `call_${key}_${output.length}`), String(fn["name"] ?? ""), String(fn["arguments"] ?? ""), "completed"));
  }
  const finishReason = choice?.["finish_reason"];
  return { output, finishReason: typeof finishReason === "string" ? finishReason : undefined };
}

/** The chat message an output item was, for a follow-up's conversation. */
export function outputItemToChatMessage(item: JsonObject): JsonObject {
  if (item["type"] === "function_call") {
    return { role: "assistant", content: null, tool_calls: [{ id: item["call_id"], type: "function", function: { name: item["name"], arguments: item["arguments"] } }] };
  }
  const parts = (item["content"] as JsonObject[] | undefined) ?? [];
  return { role: "assistant", content: parts.map((part) => String(part["text"] ?? "")).join("") };
}

/** The assistant turn of a response's output as chat messages (text and tool calls in one message, as chat has them). */
export function outputToChatMessages(output: readonly JsonObject[]): JsonObject[] {
  if (output.length === 0) return [];
  const text = output.filter((item) => item["type"] === "message").map((item) => String(outputItemToChatMessage(item)["content"])).join("");
  const calls = output.filter((item) => item["type"] === "function_call").flatMap((item) => outputItemToChatMessage(item)["tool_calls"] as JsonObject[]);
  return [{ role: "assistant", content: text === "" && calls.length > 0 ? null : text, ...(calls.length === 0 ? {} : { tool_calls: calls }) }];
}

/** Usage in the Responses API's names. */
export function responsesUsage(usage: Usage | undefined): JsonObject | null {
  if (usage === undefined) return null;
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.total_tokens,
  };
}

/** The response object, in any state; `finishReason` decides completed vs incomplete once it is known. */
export function responseObject(identity: ResponseIdentity, model: string, state: { status: "in_progress" | "completed" | "failed"; output: readonly JsonObject[]; usage?: Usage | undefined; finishReason?: string | undefined; error?: JsonObject | undefined }): JsonObject {
  const { request } = identity;
  const incompleteReason = state.status !== "completed" ? undefined : state.finishReason === "length" ? "max_output_tokens" : state.finishReason === "content_filter" ? "content_filter" : undefined;
  return {
    id: `resp_${identity.key}`,
    object: "response",
    created_at: identity.createdAt,
    status: incompleteReason === undefined ? state.status : "incomplete",
    background: false,
    error: state.error ?? null,
    incomplete_details: incompleteReason === undefined ? null : { reason: incompleteReason },
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    max_tool_calls: null,
    model,
    output: state.output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    service_tier: "default",
    store: request.store ?? true,
    temperature: request.temperature ?? 1,
    text: { format: request.text?.format ?? { type: "text" } },
    tool_choice: request.tool_choice ?? "auto",
    tools: request.tools ?? [],
    top_p: request.top_p ?? 1,
    truncation: "disabled",
    usage: responsesUsage(state.usage),
    user: request.user ?? null,
    metadata: request.metadata ?? {},
  };
}
