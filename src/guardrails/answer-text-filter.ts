import type { JsonObject } from "../protocol/openai-responses.js";
import type { StreamPart } from "../pipeline/provider.js";
import type { Answer, StreamAnswer } from "../pipeline/answer.js";
import { createTextHoldback, type TextHoldback } from "./text-holdback.js";

/** Rewrites the text of an answer: JSON choices at once, stream deltas through a per-choice holdback. */
export function filterAnswerText(answer: Answer, makeHoldback: () => TextHoldback, transform: (text: string) => string): Answer {
  if (answer.kind === "json") {
    const { raw: _raw, ...result } = answer.result;
    return { ...answer, result: { ...result, body: mapChoices(result.body, (choice) => rewriteChoice(choice, (text) => transform(text))) } };
  }
  return filterStream(answer, makeHoldback);
}

/** A holdback of `holdback` characters using `spansOf` and `transform`. */
export function holdbackFactory(holdback: number, spansOf: (text: string) => ReadonlyArray<{ start: number; end: number }>, transform: (text: string) => string): () => TextHoldback {
  return () => createTextHoldback(holdback, spansOf, transform);
}

function filterStream(answer: StreamAnswer, makeHoldback: () => TextHoldback): StreamAnswer {
  const holdbacks = new Map<number, TextHoldback>();
  let template: JsonObject | undefined;
  let flushed = false;
  const holdbackFor = (index: number): TextHoldback => {
    let holdback = holdbacks.get(index);
    if (holdback === undefined) {
      holdback = makeHoldback();
      holdbacks.set(index, holdback);
    }
    return holdback;
  };
  const transformPart = (part: StreamPart): StreamPart => {
    const choices = part.chunk["choices"];
    if (!Array.isArray(choices) || choices.length === 0) return part;
    template ??= part.chunk;
    const chunk = mapChoices(part.chunk, (choice) => {
      const index = typeof choice["index"] === "number" ? choice["index"] : 0;
      const holdback = holdbackFor(index);
      const finished = choice["finish_reason"] !== null && choice["finish_reason"] !== undefined;
      return rewriteChoice(choice, (text) => holdback.push(text) + (finished ? holdback.flush() : ""), finished ? () => holdback.flush() : undefined);
    });
    const { raw: _raw, ...rest } = part;
    return { ...rest, chunk };
  };
  // Text still held when the upstream ends without a finishing chunk goes out in one extra chunk.
  const flushPart = (): StreamPart | undefined => {
    flushed = true;
    if (template === undefined) return undefined;
    const base = template;
    const choices = [...holdbacks.entries()].map(([index, holdback]) => ({ index, text: holdback.flush() })).filter((item) => item.text !== "");
    if (choices.length === 0) return undefined;
    const isChat = base["object"] === "chat.completion.chunk";
    return { type: "chunk", chunk: { ...base, choices: choices.map(({ index, text }) => (isChat ? { index, delta: { content: text }, finish_reason: null } : { index, text, finish_reason: null })) } };
  };
  const { parts } = answer;
  const first = answer.first.done === true ? answer.first : { done: false as const, value: transformPart(answer.first.value) };
  const filtered: AsyncIterator<StreamPart> = {
    next: async () => {
      const item = await parts.next();
      if (item.done !== true) return { done: false, value: transformPart(item.value) };
      const extra = flushed ? undefined : flushPart();
      return extra === undefined ? item : { done: false, value: extra };
    },
    return: async (value?: unknown) => (parts.return === undefined ? { done: true, value } : parts.return(value)),
  };
  return { ...answer, first, parts: filtered };
}

function mapChoices(body: JsonObject, map: (choice: JsonObject) => JsonObject): JsonObject {
  const choices = body["choices"];
  if (!Array.isArray(choices)) return body;
  return { ...body, choices: choices.map((choice: unknown) => (choice !== null && typeof choice === "object" ? map(choice as JsonObject) : choice)) };
}

/** Rewrites a choice's text wherever it lives: chat `message`/`delta` content or completion `text`. */
function rewriteChoice(choice: JsonObject, rewrite: (text: string) => string, onNoText?: () => string): JsonObject {
  for (const field of ["message", "delta"] as const) {
    const holder = choice[field];
    if (holder !== null && typeof holder === "object") {
      const content = (holder as JsonObject)["content"];
      if (typeof content === "string") return { ...choice, [field]: { ...(holder as JsonObject), content: rewrite(content) } };
      if (onNoText !== undefined) {
        const rest = onNoText();
        if (rest !== "") return { ...choice, [field]: { ...(holder as JsonObject), content: rest } };
      }
      return choice;
    }
  }
  if (typeof choice["text"] === "string") return { ...choice, text: rewrite(choice["text"]) };
  return choice;
}
