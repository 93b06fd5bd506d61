import type { JsonObject } from "../protocol/openai-responses.js";
import type { PipelineOperation } from "../pipeline/answer.js";

/** Rewrites every piece of client text a model reads: chat message contents (strings and text parts), prompts, embedding inputs. */
export function mapRequestTexts(operation: PipelineOperation, body: JsonObject, map: (text: string) => string): JsonObject {
  if (operation === "chat") {
    const messages = body["messages"];
    if (!Array.isArray(messages)) return body;
    return { ...body, messages: messages.map((message: unknown) => mapMessage(message, map)) };
  }
  const field = operation === "completion" ? "prompt" : "input";
  const value = body[field];
  if (typeof value === "string") return { ...body, [field]: map(value) };
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return { ...body, [field]: value.map((item: string) => map(item)) };
  return body;
}

/** Every piece of client text a model reads, in order. */
export function requestTexts(operation: PipelineOperation, body: JsonObject): string[] {
  const texts: string[] = [];
  mapRequestTexts(operation, body, (text) => {
    texts.push(text);
    return text;
  });
  return texts;
}

function mapMessage(message: unknown, map: (text: string) => string): unknown {
  if (message === null || typeof message !== "object") return message;
  const record = message as JsonObject;
  const content = record["content"];
  if (typeof content === "string") return { ...record, content: map(content) };
  if (!Array.isArray(content)) return record;
  return {
    ...record,
    content: content.map((part: unknown) => {
      if (part === null || typeof part !== "object") return part;
      const typed = part as JsonObject;
      return typed["type"] === "text" && typeof typed["text"] === "string" ? { ...typed, text: map(typed["text"]) } : typed;
    }),
  };
}
