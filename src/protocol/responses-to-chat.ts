import { GatewayError } from "../errors/gateway-error.js";
import type { JsonObject } from "./openai-responses.js";
import type { ResponsesInputItem, ResponsesRequest } from "./responses-request.js";

/** A Responses request as a chat-completions body, plus the conversation it adds (what a follow-up prepends). */
export interface ResponsesAsChat {
  readonly body: JsonObject & { model: string; stream?: boolean };
  /** The previous conversation and this request's input as chat messages, without `instructions` (never carried over). */
  readonly conversation: readonly JsonObject[];
}

const invalid = (param: string, message: string): GatewayError => new GatewayError("invalid_request", { message, param });

/** The ids of the `item_reference` items in an input, which the caller loads before translating. */
export function referencedItemIds(input: ResponsesRequest["input"]): string[] {
  if (!Array.isArray(input)) return [];
  return input.filter((item) => item.type === "item_reference" && typeof item["id"] === "string").map((item) => String(item["id"]));
}

/**
 * Translates a Responses create request into a chat-completions request. `previous` is the stored conversation of
 * `previous_response_id`; `references` maps referenced item ids to the chat message each one was.
 */
export function responsesToChat(request: ResponsesRequest, previous: readonly JsonObject[], references: ReadonlyMap<string, JsonObject>): ResponsesAsChat {
  const input = inputMessages(request.input, references);
  if (input.length === 0 && previous.length === 0) throw invalid("input", "input is required.");
  const conversation = [...previous, ...input];
  const instructions = request.instructions ?? undefined;
  const body: JsonObject & { model: string; stream?: boolean } = {
    model: request.model,
    messages: instructions === undefined ? conversation : [{ role: "system", content: instructions }, ...conversation],
  };
  if (request.stream === true) Object.assign(body, { stream: true, stream_options: { include_usage: true } });
  setDefined(body, "max_tokens", request.max_output_tokens);
  setDefined(body, "temperature", request.temperature);
  setDefined(body, "top_p", request.top_p);
  setDefined(body, "parallel_tool_calls", request.parallel_tool_calls);
  setDefined(body, "user", request.user ?? request.safety_identifier);
  if (request.tools !== undefined && request.tools.length > 0) {
    body["tools"] = request.tools.map((tool) => ({
      type: "function",
      function: { name: tool.name, ...definedFields({ description: tool.description, parameters: tool.parameters, strict: tool.strict }) },
    }));
  }
  const choice = request.tool_choice;
  if (typeof choice === "string") body["tool_choice"] = choice;
  else if (choice !== undefined && choice !== null) body["tool_choice"] = { type: "function", function: { name: choice.name } };
  const format = request.text?.format;
  if (format?.type === "json_object") body["response_format"] = { type: "json_object" };
  if (format?.type === "json_schema") {
    body["response_format"] = { type: "json_schema", json_schema: { name: format.name, schema: format.schema, ...definedFields({ description: format.description, strict: format.strict }) } };
  }
  return { body, conversation };
}

function inputMessages(input: ResponsesRequest["input"], references: ReadonlyMap<string, JsonObject>): JsonObject[] {
  if (input === undefined) return [];
  if (typeof input === "string") return [{ role: "user", content: input }];
  const messages: JsonObject[] = [];
  // Consecutive function calls (and the assistant text before them) are one chat assistant turn.
  const addToolCall = (call: JsonObject): void => {
    const last = messages.at(-1);
    if (last?.["role"] === "assistant") messages[messages.length - 1] = { ...last, tool_calls: [...((last["tool_calls"] as JsonObject[] | undefined) ?? []), call] };
    else messages.push({ role: "assistant", content: null, tool_calls: [call] });
  };
  const add = (message: JsonObject): void => {
    const calls = message["tool_calls"];
    if (message["role"] === "assistant" && Array.isArray(calls) && (message["content"] ?? null) === null) for (const call of calls as JsonObject[]) addToolCall(call);
    else messages.push(message);
  };
  input.forEach((item, index) => {
    const param = `input[${index}]`;
    switch (item.type ?? "message") {
      case "message":
        add(messageOf(item, param));
        break;
      case "function_call":
        addToolCall({ id: text(item["call_id"], `${param}.call_id`), type: "function", function: { name: text(item["name"], `${param}.name`), arguments: text(item["arguments"], `${param}.arguments`) } });
        break;
      case "function_call_output":
        messages.push({ role: "tool", tool_call_id: text(item["call_id"], `${param}.call_id`), content: toolOutput(item["output"], `${param}.output`) });
        break;
      case "item_reference": {
        const referenced = references.get(String(item["id"]));
        if (referenced === undefined) throw invalid(`${param}.id`, `No stored item with id ${String(item["id"])} is visible to this key.`);
        add(referenced);
        break;
      }
      default:
        throw invalid(`${param}.type`, `Input items of type ${String(item.type)} are not supported.`);
    }
  });
  return messages;
}

function messageOf(item: ResponsesInputItem, param: string): JsonObject {
  const role = item["role"];
  if (role !== "user" && role !== "assistant" && role !== "system" && role !== "developer") throw invalid(`${param}.role`, `${param}.role must be user, assistant, system or developer.`);
  const content = item["content"];
  // Chat backends (vLLM, llama.cpp) know `system` everywhere; `developer` is its newer name.
  const chatRole = role === "developer" ? "system" : role;
  if (typeof content === "string") return { role: chatRole, content };
  if (!Array.isArray(content)) throw invalid(`${param}.content`, `${param}.content must be a string or an array of content parts.`);
  const parts = content.map((part: unknown, index) => contentPart(part, `${param}.content[${index}]`));
  const texts = parts.filter((part) => part["type"] === "text").map((part) => String(part["text"]));
  if (chatRole !== "user" || parts.length === 1 && texts.length === 1) {
    if (texts.length !== parts.length) throw invalid(`${param}.content`, `Only user messages may carry images.`);
    return { role: chatRole, content: texts.join("\n") };
  }
  return { role: chatRole, content: parts };
}

function contentPart(part: unknown, param: string): JsonObject {
  if (part === null || typeof part !== "object") throw invalid(param, `${param} must be a content part object.`);
  const { type, text: value, image_url: imageUrl } = part as JsonObject;
  if (type === "input_text" || type === "output_text" || type === "refusal") return { type: "text", text: text(type === "refusal" ? (part as JsonObject)["refusal"] : value, `${param}.text`) };
  if (type === "input_image" && typeof imageUrl === "string") return { type: "image_url", image_url: { url: imageUrl } };
  throw invalid(`${param}.type`, `Content parts of type ${String(type)} are not supported${type === "input_image" ? " without image_url" : ""}.`);
}

function toolOutput(output: unknown, param: string): string {
  if (typeof output === "string") return output;
  if (Array.isArray(output)) return output.map((part: unknown, index) => String(contentPart(part, `${param}[${index}]`)["text"] ?? "")).join("");
  throw invalid(param, `${param} must be a string.`);
}

function text(value: unknown, param: string): string {
  if (typeof value !== "string") throw invalid(param, `${param} must be a string.`);
  return value;
}

function setDefined(body: JsonObject, key: string, value: unknown): void {
  if (value !== undefined && value !== null) body[key] = value;
}

function definedFields(fields: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== null));
}
