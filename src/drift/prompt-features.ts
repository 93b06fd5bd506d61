import { franc } from "franc-min";

/**
 * Only this much of the prompt is kept and inspected: language and script need a few sentences, never a whole
 * document (franc's cost grows with the text: ~1 ms for 512 characters, ~3 ms for 2 KiB on a busy core).
 */
export const inspectedPromptChars = 512;

const scripts: ReadonlyArray<readonly [string, RegExp]> = [
  ["Latin", /\p{Script=Latin}/gu],
  ["Han", /\p{Script=Han}/gu],
  ["Cyrillic", /\p{Script=Cyrillic}/gu],
  ["Arabic", /\p{Script=Arabic}/gu],
  ["Hiragana", /\p{Script=Hiragana}/gu],
  ["Katakana", /\p{Script=Katakana}/gu],
  ["Hangul", /\p{Script=Hangul}/gu],
  ["Devanagari", /\p{Script=Devanagari}/gu],
  ["Greek", /\p{Script=Greek}/gu],
  ["Hebrew", /\p{Script=Hebrew}/gu],
  ["Thai", /\p{Script=Thai}/gu],
];
const anyLetter = /\p{L}/gu;

/** The last user message's text (chat) or the prompt (completions), cut to `inspectedPromptChars`; "" when none. */
export function promptText(body: Readonly<Record<string, unknown>>): string {
  const messages = body["messages"];
  if (Array.isArray(messages)) {
    for (let index = messages.length - 1; index >= 0; index--) {
      const message: unknown = messages[index];
      if (typeof message !== "object" || message === null || (message as { role?: unknown }).role !== "user") continue;
      return contentText((message as { content?: unknown }).content);
    }
    return "";
  }
  const prompt = body["prompt"];
  if (typeof prompt === "string") return prompt.slice(0, inspectedPromptChars);
  if (Array.isArray(prompt) && typeof prompt[0] === "string") return prompt[0].slice(0, inspectedPromptChars);
  return "";
}

/** A message's text: a string, or the text parts of a content array, stopping once enough is gathered. */
function contentText(content: unknown): string {
  if (typeof content === "string") return content.slice(0, inspectedPromptChars);
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content) {
    if (text.length >= inspectedPromptChars) break;
    const value: unknown = typeof part === "object" && part !== null ? (part as { text?: unknown }).text : undefined;
    if (typeof value === "string") text += (text === "" ? "" : " ") + value;
  }
  return text.slice(0, inspectedPromptChars);
}

/**
 * A copy of a short slice that no longer points into its parent: V8 may represent a slice as a view of the whole
 * string, and a reservoir holding 500 views of megabyte prompts would hold the prompts.
 */
export function detached(text: string): string {
  return text === "" ? text : Buffer.from(text, "utf8").toString("utf8");
}

/** The prompt's language as franc's ISO 639-3 code ("und" when too short to tell). */
export function promptLanguage(text: string): string {
  return franc(text);
}

/** The script most of the prompt's letters are written in; "Other" for scripts not listed, "none" without letters. */
export function promptScript(text: string): string {
  const letters = text.match(anyLetter)?.length ?? 0;
  if (letters === 0) return "none";
  let best = "Other";
  let bestCount = 0;
  for (const [name, pattern] of scripts) {
    const count = text.match(pattern)?.length ?? 0;
    if (count > bestCount) [best, bestCount] = [name, count];
  }
  return bestCount * 2 >= letters ? best : "Other";
}
