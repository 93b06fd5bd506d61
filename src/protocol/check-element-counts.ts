import { GatewayError } from "../errors/gateway-error.js";
import type { JsonObject } from "./openai-responses.js";
import type { RequestLimits } from "./request-limits-config-schema.js";

/**
 * Refuses a parsed request whose lists are longer than `limits` allow, with a 400 naming the field and the limit.
 * Runs before schema validation and tokenizing, whose cost grows with these counts; it only reads lengths (and
 * one level into `messages` and list prompts), so it is cheap even for a body at the limits.
 */
export function checkElementCounts(body: JsonObject, limits: RequestLimits): void {
  const messages = body["messages"];
  if (Array.isArray(messages)) {
    atMost("messages", messages.length, limits.max_messages);
    messages.forEach((message: unknown, index) => {
      const content = isObject(message) ? message["content"] : undefined;
      if (Array.isArray(content)) atMost(`messages[${index}].content`, content.length, limits.max_content_parts);
    });
  }
  for (const field of ["prompt", "input"] as const) checkPromptCounts(field, body[field], limits);
  const tools = body["tools"];
  if (Array.isArray(tools)) atMost("tools", tools.length, limits.max_tools);
  const stop = body["stop"];
  if (Array.isArray(stop)) atMost("stop", stop.length, limits.max_stop_sequences);
  const logitBias = body["logit_bias"];
  if (isObject(logitBias)) atMost("logit_bias", Object.keys(logitBias).length, limits.max_logit_bias);
}

function checkPromptCounts(field: "prompt" | "input", value: unknown, limits: RequestLimits): void {
  if (!Array.isArray(value)) return;
  let tokenIds = 0;
  let lists = 0;
  for (const item of value as unknown[]) {
    if (Array.isArray(item)) {
      lists++;
      tokenIds += item.length;
    } else if (typeof item === "number") {
      tokenIds++;
    } else {
      lists++;
    }
  }
  atMost(field, lists, limits.max_prompts, "prompts");
  atMost(field, tokenIds, limits.max_token_ids, "token ids");
}

function atMost(param: string, actual: number, limit: number, what = "items"): void {
  if (actual <= limit) return;
  throw new GatewayError("too_many_elements", { message: `${param} has ${actual} ${what}; this gateway allows at most ${limit}.`, param });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
