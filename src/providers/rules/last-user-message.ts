import type { JsonObject } from "../../protocol/openai-responses.js";
import type { GenerateOperation } from "../../pipeline/provider.js";

/** The text rules match against: the last user message of a chat, or the (last) prompt of a completion. */
export function lastUserMessage(operation: GenerateOperation, body: JsonObject): string {
  if (operation === "completion") {
    const prompt = body["prompt"];
    if (typeof prompt === "string") return prompt;
    if (Array.isArray(prompt)) {
      const last: unknown = prompt.at(-1);
      return typeof last === "string" ? last : "";
    }
    return "";
  }
  const messages = body["messages"];
  if (!Array.isArray(messages)) return "";
  for (let index = messages.length - 1; index >= 0; index--) {
    const message: unknown = messages[index];
    if (message === null || typeof message !== "object") continue;
    const { role, content } = message as Record<string, unknown>;
    if (role !== "user") continue;
    return textOf(content);
  }
  return "";
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const texts: string[] = [];
  for (const part of content as unknown[]) {
    if (part !== null && typeof part === "object" && (part as Record<string, unknown>)["type"] === "text") {
      const text = (part as Record<string, unknown>)["text"];
      if (typeof text === "string") texts.push(text);
    }
  }
  return texts.join(" ");
}
