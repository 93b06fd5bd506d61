import { z } from "zod";
import { GatewayError } from "../errors/gateway-error.js";
import type { JsonObject } from "./openai-responses.js";

// Anthropic's Messages API request, as far as a chat-completions backend can serve it; unknown fields are refused.

const block = z.looseObject({ type: z.string().min(1) });
const message = z.strictObject({ role: z.enum(["user", "assistant"]), content: z.union([z.string(), z.array(block)]) });
const tool = z.looseObject({ name: z.string().min(1), description: z.string().optional(), input_schema: z.looseObject({}).optional(), type: z.string().optional() });
const toolChoice = z.looseObject({ type: z.enum(["auto", "any", "tool", "none"]), name: z.string().optional(), disable_parallel_tool_use: z.boolean().optional() });
const system = z.union([z.string(), z.array(z.looseObject({ type: z.literal("text"), text: z.string() }))]);

const countFields = {
  model: z.string().min(1),
  messages: z.array(message).min(1),
  system: system.optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  thinking: z.looseObject({ type: z.string() }).optional(),
};

export const anthropicMessagesRequestSchema = z.strictObject({
  ...countFields,
  max_tokens: z.number().int().min(1),
  stop_sequences: z.array(z.string()).max(16).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  stream: z.boolean().optional(),
  metadata: z.looseObject({ user_id: z.string().nullable().optional() }).optional(),
  service_tier: z.enum(["auto", "standard_only"]).optional(),
  // A prompt-caching hint: upstream prefix caches (vLLM, llama.cpp) need none, so there is nothing to forward.
  cache_control: z.looseObject({ type: z.string() }).nullable().optional(),
  output_config: z
    .strictObject({
      effort: z.string().nullable().optional(),
      format: z.strictObject({ type: z.literal("json_schema"), schema: z.looseObject({}) }).nullable().optional(),
    })
    .optional(),
});

export const anthropicCountTokensRequestSchema = z.strictObject(countFields);

export type AnthropicMessagesRequest = z.output<typeof anthropicMessagesRequestSchema>;
export type AnthropicCountTokensRequest = z.output<typeof anthropicCountTokensRequestSchema>;

const invalid = (param: string, message: string): GatewayError => new GatewayError("invalid_request", { message, param });

/** Translates a Messages request (or a count_tokens one) into a chat-completions body. */
export function anthropicToChat(request: AnthropicMessagesRequest | AnthropicCountTokensRequest): JsonObject & { model: string; stream?: boolean } {
  if (request.thinking !== undefined && request.thinking["type"] !== "disabled") throw invalid("thinking", "Extended thinking is not supported by this gateway's models.");
  const messages: JsonObject[] = [];
  const systemText = typeof request.system === "string" ? request.system : request.system?.map((part) => part.text).join("\n");
  if (systemText !== undefined && systemText !== "") messages.push({ role: "system", content: systemText });
  request.messages.forEach((turn, index) => messages.push(...turnMessages(turn, `messages[${index}]`)));
  const body: JsonObject & { model: string; stream?: boolean } = { model: request.model, messages };
  if ("max_tokens" in request) {
    body["max_tokens"] = request.max_tokens;
    if (request.stream === true) Object.assign(body, { stream: true, stream_options: { include_usage: true } });
    if (request.stop_sequences !== undefined && request.stop_sequences.length > 0) body["stop"] = request.stop_sequences;
    if (request.temperature !== undefined) body["temperature"] = request.temperature;
    if (request.top_p !== undefined) body["top_p"] = request.top_p;
    // Not an OpenAI field, but vLLM, SGLang, llama.cpp and the embedded engine read it.
    if (request.top_k !== undefined) body["top_k"] = request.top_k;
    const user = request.metadata?.user_id;
    if (typeof user === "string") body["user"] = user;
    if ((request.output_config?.effort ?? null) !== null) throw invalid("output_config.effort", "output_config.effort is not supported by this gateway's models.");
    const format = request.output_config?.format;
    if (format !== undefined && format !== null) body["response_format"] = { type: "json_schema", json_schema: { name: "output", schema: format.schema } };
  }
  request.tools?.forEach((tool, index) => {
    if (tool.type !== undefined && tool.type !== "custom") throw invalid(`tools[${index}].type`, `Server tool "${tool.type}" is not supported: only client tools are.`);
    if (tool.input_schema === undefined) throw invalid(`tools[${index}].input_schema`, `tools[${index}].input_schema is required.`);
  });
  if (request.tools !== undefined && request.tools.length > 0) {
    body["tools"] = request.tools.map((tool) => ({ type: "function", function: { name: tool.name, ...(tool.description === undefined ? {} : { description: tool.description }), parameters: tool.input_schema } }));
  }
  const choice = request.tool_choice;
  if (choice !== undefined) {
    if (choice.type === "tool" && choice.name === undefined) throw invalid("tool_choice.name", "tool_choice.name is required when type is tool.");
    body["tool_choice"] = choice.type === "any" ? "required" : choice.type === "tool" ? { type: "function", function: { name: choice.name } } : choice.type;
    if (choice.disable_parallel_tool_use === true && body["tools"] !== undefined) body["parallel_tool_calls"] = false;
  }
  return body;
}

/** One Anthropic turn as chat messages: tool results become tool messages, tool_use blocks become tool_calls. */
function turnMessages(turn: AnthropicMessagesRequest["messages"][number], param: string): JsonObject[] {
  if (typeof turn.content === "string") return [{ role: turn.role, content: turn.content }];
  const toolMessages: JsonObject[] = [];
  const parts: JsonObject[] = [];
  const toolCalls: JsonObject[] = [];
  turn.content.forEach((item, index) => {
    const at = `${param}.content[${index}]`;
    switch (item.type) {
      case "text":
        parts.push({ type: "text", text: stringField(item, "text", at) });
        break;
      case "image": {
        if (turn.role !== "user") throw invalid(`${at}.type`, "Only user turns may carry images.");
        const source = (item["source"] ?? {}) as JsonObject;
        const url = source["type"] === "base64" ? `data:${String(source["media_type"])};base64,${String(source["data"])}` : source["type"] === "url" ? String(source["url"]) : undefined;
        if (url === undefined) throw invalid(`${at}.source`, "Images need a base64 or url source.");
        parts.push({ type: "image_url", image_url: { url } });
        break;
      }
      case "tool_use":
        if (turn.role !== "assistant") throw invalid(`${at}.type`, "tool_use blocks belong in assistant turns.");
        toolCalls.push({ id: stringField(item, "id", at), type: "function", function: { name: stringField(item, "name", at), arguments: JSON.stringify(item["input"] ?? {}) } });
        break;
      case "tool_result":
        if (turn.role !== "user") throw invalid(`${at}.type`, "tool_result blocks belong in user turns.");
        toolMessages.push({ role: "tool", tool_call_id: stringField(item, "tool_use_id", at), content: toolResultText(item["content"], item["is_error"] === true, `${at}.content`) });
        break;
      case "thinking":
      case "redacted_thinking":
        // Thinking blocks come back from models that think; none of ours do, so there is nothing to replay.
        break;
      default:
        throw invalid(`${at}.type`, `Content blocks of type ${item.type} are not supported.`);
    }
  });
  const messages = [...toolMessages];
  const onlyText = parts.every((part) => part["type"] === "text");
  const content = parts.length === 0 ? null : onlyText ? parts.map((part) => String(part["text"])).join("\n") : parts;
  if (turn.role === "assistant") {
    if (content !== null || toolCalls.length > 0) messages.push({ role: "assistant", content, ...(toolCalls.length === 0 ? {} : { tool_calls: toolCalls }) });
  } else if (content !== null) {
    messages.push({ role: "user", content });
  }
  return messages;
}

function toolResultText(content: unknown, isError: boolean, param: string): string {
  const text =
    content === undefined ? "" : typeof content === "string" ? content : Array.isArray(content) ? content.map((part: unknown, index) => stringField(part as JsonObject, "text", `${param}[${index}]`)).join("\n") : undefined;
  if (text === undefined) throw invalid(param, `${param} must be a string or text blocks.`);
  return isError ? `Error: ${text}` : text;
}

function stringField(item: JsonObject, field: string, param: string): string {
  const value = item[field];
  if (typeof value !== "string") throw invalid(`${param}.${field}`, `${param}.${field} must be a string.`);
  return value;
}
