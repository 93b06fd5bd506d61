import { z } from "zod";
import { GatewayError } from "../errors/gateway-error.js";

// The OpenAI Responses API's create request, as far as a chat-completions backend can serve it. Unknown fields are
// refused (strict) rather than dropped, and the known fields a chat backend cannot serve are refused with `param`.

const inputItem = z.looseObject({ type: z.string().optional() });

const functionTool = z.looseObject({
  type: z.string().min(1),
  name: z.string().min(1).optional(),
  description: z.string().nullable().optional(),
  parameters: z.looseObject({}).nullable().optional(),
  strict: z.boolean().nullable().optional(),
});

const textFormat = z.looseObject({
  type: z.enum(["text", "json_object", "json_schema"]),
  name: z.string().optional(),
  schema: z.looseObject({}).optional(),
  description: z.string().optional(),
  strict: z.boolean().nullable().optional(),
});

export const responsesRequestSchema = z.strictObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(inputItem)]).optional(),
  instructions: z.string().nullable().optional(),
  previous_response_id: z.string().min(1).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_obfuscation: z.boolean().optional() }).nullable().optional(),
  store: z.boolean().nullable().optional(),
  max_output_tokens: z.number().int().min(1).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  tools: z.array(functionTool).optional(),
  tool_choice: z.union([z.enum(["none", "auto", "required"]), z.looseObject({ type: z.string(), name: z.string().optional() })]).nullable().optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  text: z.looseObject({ format: textFormat.optional(), verbosity: z.string().nullable().optional() }).nullable().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  user: z.string().optional(),
  safety_identifier: z.string().optional(),
  prompt_cache_key: z.string().optional(),
  service_tier: z.string().nullable().optional(),
  truncation: z.enum(["auto", "disabled"]).nullable().optional(),
  include: z.array(z.string()).nullable().optional(),
  background: z.boolean().nullable().optional(),
  reasoning: z.looseObject({ effort: z.string().nullable().optional(), summary: z.string().nullable().optional() }).nullable().optional(),
  top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
  max_tool_calls: z.number().int().min(1).nullable().optional(),
  prompt: z.unknown().optional(),
  conversation: z.unknown().optional(),
});

export type ResponsesRequest = z.output<typeof responsesRequestSchema>;
export type ResponsesInputItem = z.output<typeof inputItem>;

/** Refuses, with `param` set, the fields a chat-completions backend cannot serve faithfully. */
export function refuseUnservableResponsesFields(request: ResponsesRequest): void {
  const refuse = (param: string, message: string): never => {
    throw new GatewayError("invalid_request", { message, param });
  };
  if (request.background === true) refuse("background", "background: true is not supported: this gateway answers in the request.");
  if (request.reasoning !== undefined && request.reasoning !== null && ((request.reasoning.effort ?? null) !== null || (request.reasoning.summary ?? null) !== null)) {
    refuse("reasoning", "reasoning is not supported: this gateway's models answer through chat completions, which expose no reasoning controls.");
  }
  if (request.include !== undefined && request.include !== null && request.include.length > 0) refuse("include", `include: ${request.include[0] ?? ""} is not supported.`);
  if (request.truncation === "auto") refuse("truncation", "truncation: auto is not supported; a prompt over the context window gets a 400.");
  if (request.top_logprobs !== undefined && request.top_logprobs !== null && request.top_logprobs > 0) refuse("top_logprobs", "top_logprobs is not supported on /v1/responses.");
  if (request.max_tool_calls !== undefined && request.max_tool_calls !== null) refuse("max_tool_calls", "max_tool_calls is not supported.");
  if (request.prompt !== undefined && request.prompt !== null) refuse("prompt", "Stored prompt templates are not supported.");
  if (request.conversation !== undefined && request.conversation !== null) refuse("conversation", "Conversations are not supported; use previous_response_id.");
  if (request.service_tier !== undefined && request.service_tier !== null && request.service_tier !== "auto" && request.service_tier !== "default") {
    refuse("service_tier", `service_tier: ${request.service_tier} is not supported.`);
  }
  request.tools?.forEach((tool, index) => {
    if (tool.type !== "function") refuse(`tools[${index}].type`, `Built-in tool "${tool.type}" is not supported: only function tools are.`);
    if (tool.name === undefined) refuse(`tools[${index}].name`, `tools[${index}].name is required.`);
  });
  const choice = request.tool_choice;
  if (typeof choice === "object" && choice !== null && choice.type !== "function") refuse("tool_choice.type", `tool_choice.type: ${choice.type} is not supported: only function tools are.`);
  if (typeof choice === "object" && choice !== null && choice.name === undefined) refuse("tool_choice.name", "tool_choice.name is required.");
  const format = request.text?.format;
  if (format?.type === "json_schema" && (format.name === undefined || format.schema === undefined)) refuse("text.format", "text.format of type json_schema needs name and schema.");
}
