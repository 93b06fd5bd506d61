import { firstChoice } from "../protocol/openai-responses.js";
import type { JsonObject } from "../protocol/openai-responses.js";
import { refusalPrefixChars } from "./refusal.js";

/** The start of a JSON answer's text and its `refusal` field (chat `message`, or a completion's `text`). */
export function answerText(body: JsonObject): { text: string; refusal: unknown } {
  const choice = firstChoice(body);
  const message = choice?.["message"];
  if (typeof message === "object" && message !== null && !Array.isArray(message)) {
    const { content, refusal } = message as JsonObject;
    return { text: typeof content === "string" ? content.slice(0, refusalPrefixChars) : "", refusal };
  }
  const text = choice?.["text"];
  return { text: typeof text === "string" ? text.slice(0, refusalPrefixChars) : "", refusal: undefined };
}
