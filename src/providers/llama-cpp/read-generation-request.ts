import { GatewayError } from "../../errors/gateway-error.js";
import type { JsonObject } from "../../protocol/openai-responses.js";
import type { ChatTurn } from "../../engine/chat-prompt.js";
import type { GenerateOperation } from "../../pipeline/provider.js";

/** The prompt as the client gave it, before tokenization. */
export type PromptInput = { readonly kind: "chat"; readonly turns: readonly ChatTurn[] } | { readonly kind: "text"; readonly text: string } | { readonly kind: "tokens"; readonly tokens: readonly number[] };

export type ResponseFormat = { readonly type: "text" } | { readonly type: "json_object" } | { readonly type: "json_schema"; readonly schema: Readonly<Record<string, unknown>> };

/** A generation request in the engine's terms, validated; every problem is a 400 naming its `param`. */
export interface GenerationRequest {
  readonly prompts: readonly PromptInput[];
  readonly n: number;
  readonly maxTokens: number | undefined;
  readonly temperature: number;
  readonly topP: number;
  readonly topK: number;
  readonly minP: number;
  /** Undefined: a fresh random seed per choice. */
  readonly seed: number | undefined;
  readonly presencePenalty: number;
  readonly frequencyPenalty: number;
  readonly repetitionPenalty: number;
  readonly logitBias: Readonly<Record<string, number>> | undefined;
  readonly stop: readonly string[];
  readonly ignoreEos: boolean;
  readonly responseFormat: ResponseFormat;
  readonly includeUsage: boolean;
}

/** Most choices one request may ask for (prompts × n); each takes a sequence. */
const maxChoices = 64;

/** Reads the OpenAI body (already schema-checked by the route) into a generation request. */
export function readGenerationRequest(operation: GenerateOperation, body: JsonObject): GenerationRequest {
  const prompts = operation === "chat" ? [{ kind: "chat", turns: readTurns(body["messages"]) } as const] : readPrompts(body["prompt"]);
  if (operation === "completion") rejectCompletionExtras(body);
  else rejectChatExtras(body);
  const n = optionalNumber(body, "n", { min: 1, max: maxChoices, integer: true }) ?? 1;
  if (n * prompts.length > maxChoices) throw invalid(`At most ${maxChoices} choices (prompts × n) per request.`, "n");
  const maxTokens = optionalNumber(body, "max_completion_tokens", { min: 1, integer: true }) ?? optionalNumber(body, "max_tokens", { min: 1, integer: true });
  const seed = optionalNumber(body, "seed", { integer: true });
  return {
    prompts,
    n,
    maxTokens,
    temperature: optionalNumber(body, "temperature", { min: 0, max: 2 }) ?? 1,
    topP: optionalNumber(body, "top_p", { min: 0, max: 1 }) ?? 1,
    // OpenAI and vLLM semantics: no top-k unless asked (llama.cpp's server would default to 40).
    topK: Math.max(0, optionalNumber(body, "top_k", { min: -1, integer: true }) ?? 0),
    minP: optionalNumber(body, "min_p", { min: 0, max: 1 }) ?? 0,
    seed,
    presencePenalty: optionalNumber(body, "presence_penalty", { min: -2, max: 2 }) ?? 0,
    frequencyPenalty: optionalNumber(body, "frequency_penalty", { min: -2, max: 2 }) ?? 0,
    repetitionPenalty: optionalNumber(body, "repetition_penalty", { min: 0.01, max: 10 }) ?? 1,
    logitBias: readLogitBias(body["logit_bias"]),
    stop: readStop(body["stop"]),
    ignoreEos: body["ignore_eos"] === true,
    responseFormat: readResponseFormat(body["response_format"]),
    includeUsage: (body["stream_options"] as { include_usage?: unknown } | null | undefined)?.include_usage === true,
  };
}

function readTurns(messages: unknown): ChatTurn[] {
  if (!Array.isArray(messages)) throw invalid("messages is required", "messages");
  return messages.map((message: JsonObject, index): ChatTurn => {
    const role = message["role"];
    const param = `messages[${index}]`;
    if (role === "tool" || role === "function") throw invalid(`${param}: tool messages are not supported by the llama-cpp provider.`, `${param}.role`);
    if (Array.isArray(message["tool_calls"]) && message["tool_calls"].length > 0) throw invalid(`${param}: tool calls are not supported by the llama-cpp provider.`, `${param}.tool_calls`);
    const text = readContent(message["content"], `${param}.content`);
    return { role: role === "assistant" ? "assistant" : role === "user" ? "user" : "system", text };
  });
}

function readContent(content: unknown, param: string): string {
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw invalid(`${param} must be a string or an array of parts.`, param);
  return content
    .map((part: JsonObject, index) => {
      if (part["type"] !== "text" || typeof part["text"] !== "string") throw invalid(`${param}[${index}]: only text parts are supported by the llama-cpp provider.`, `${param}[${index}]`);
      return part["text"];
    })
    .join("");
}

function readPrompts(prompt: unknown): PromptInput[] {
  if (typeof prompt === "string") return [{ kind: "text", text: prompt }];
  if (!Array.isArray(prompt) || prompt.length === 0) throw invalid("prompt must be a string, an array of strings, or token arrays.", "prompt");
  if (prompt.every((item) => typeof item === "number")) return [{ kind: "tokens", tokens: prompt as number[] }];
  return prompt.map((item: unknown, index): PromptInput => {
    if (typeof item === "string") return { kind: "text", text: item };
    if (Array.isArray(item) && item.every((token) => typeof token === "number")) return { kind: "tokens", tokens: item as number[] };
    throw invalid(`prompt[${index}] must be a string or a token array.`, `prompt[${index}]`);
  });
}

function rejectCompletionExtras(body: JsonObject): void {
  if (body["echo"] === true) throw invalid("echo is not supported by the llama-cpp provider.", "echo");
  if (typeof body["suffix"] === "string" && body["suffix"] !== "") throw invalid("suffix is not supported by the llama-cpp provider.", "suffix");
  const bestOf = body["best_of"];
  if (typeof bestOf === "number" && bestOf > 1 && bestOf !== body["n"]) throw invalid("best_of is not supported by the llama-cpp provider.", "best_of");
  if (typeof body["logprobs"] === "number" && body["logprobs"] > 0) throw invalid("logprobs are not supported by the llama-cpp provider.", "logprobs");
}

function rejectChatExtras(body: JsonObject): void {
  if (body["logprobs"] === true) throw invalid("logprobs are not supported by the llama-cpp provider.", "logprobs");
  const tools = body["tools"];
  if (Array.isArray(tools) && tools.length > 0 && body["tool_choice"] !== "none") throw invalid("tools are not supported by the llama-cpp provider.", "tools");
}

function readStop(stop: unknown): string[] {
  if (stop === undefined || stop === null) return [];
  return (typeof stop === "string" ? [stop] : (stop as string[])).filter((item) => item !== "");
}

function readLogitBias(bias: unknown): Record<string, number> | undefined {
  if (bias === undefined || bias === null) return undefined;
  const entries = Object.entries(bias as Record<string, number>);
  for (const [token, value] of entries) {
    if (!/^\d+$/.test(token)) throw invalid(`logit_bias keys are token ids; got "${token}".`, "logit_bias");
    if (value < -100 || value > 100) throw invalid("logit_bias values lie between -100 and 100.", "logit_bias");
  }
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

function readResponseFormat(format: unknown): ResponseFormat {
  if (format === undefined || format === null) return { type: "text" };
  const { type, json_schema: jsonSchema } = format as { type: string; json_schema?: { schema?: unknown } };
  if (type === "json_object") return { type };
  if (type !== "json_schema") return { type: "text" };
  const schema = jsonSchema?.schema;
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) throw invalid("response_format.json_schema.schema is required for json_schema.", "response_format.json_schema.schema");
  return { type, schema: schema as Record<string, unknown> };
}

function optionalNumber(body: JsonObject, key: string, limits: { min?: number; max?: number; integer?: boolean }): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || (limits.integer === true && !Number.isInteger(value))) throw invalid(`${key} must be a${limits.integer === true ? "n integer" : " number"}.`, key);
  if (limits.min !== undefined && value < limits.min) throw invalid(`${key} must be at least ${limits.min}.`, key);
  if (limits.max !== undefined && value > limits.max) throw invalid(`${key} must be at most ${limits.max}.`, key);
  return value;
}

function invalid(message: string, param: string): GatewayError {
  return new GatewayError("invalid_request", { message, param });
}
