import type { JsonObject } from "../protocol/openai-responses.js";
import { readUsage } from "../protocol/openai-responses.js";
import type { Answer, PipelineRequest } from "../pipeline/answer.js";
import { replayParts } from "./replay-stream.js";

/** What the cache keeps per answer: the final JSON body and the answer headers that say who produced it. */
export interface CachedEntry {
  readonly body: JsonObject;
  readonly headers: Record<string, string>;
}

/** Headers of the original answer that still describe a replay (which model and deployment made it). */
const keptHeaders = ["x-gantry-model", "x-gantry-deployment"];

/** Serialises an entry for a store. */
export function encodeEntry(body: JsonObject, headers: Record<string, string>): string {
  const kept: Record<string, string> = {};
  for (const name of keptHeaders) {
    const value = headers[name];
    if (value !== undefined) kept[name] = value;
  }
  return JSON.stringify({ body, headers: kept });
}

/** Parses a stored entry; undefined for anything malformed (e.g. written by another version). */
export function decodeEntry(text: string): CachedEntry | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<CachedEntry>;
    if (parsed.body === null || typeof parsed.body !== "object" || parsed.headers === null || typeof parsed.headers !== "object") return undefined;
    return { body: parsed.body, headers: parsed.headers };
  } catch {
    return undefined;
  }
}

/**
 * The answer a hit serves, in the framing the request asked for. The prompt counts as cached
 * (`usage.prompt_tokens_details.cached_tokens = prompt_tokens`): no upstream processed it this time.
 */
export function answerFromEntry(request: PipelineRequest, entry: CachedEntry, cacheHeader: string): Answer {
  const usage = readUsage(entry.body);
  const body: JsonObject = usage === undefined ? entry.body : { ...entry.body, usage: { ...usage, prompt_tokens_details: { ...usage.prompt_tokens_details, cached_tokens: usage.prompt_tokens } } };
  const headers = { ...entry.headers, "x-gantry-attempts": "0", "x-gantry-cache": cacheHeader };
  const replayedUsage = readUsage(body);
  if (request.body.stream !== true || request.operation === "embedding") {
    return { kind: "json", result: { body, ...(replayedUsage === undefined ? {} : { usage: replayedUsage }) }, headers };
  }
  const askedUsage = (request.body["stream_options"] as { include_usage?: unknown } | undefined)?.include_usage === true;
  const parts = replayParts(request.operation, body, askedUsage);
  const iterator = parts[Symbol.iterator]();
  const first = iterator.next();
  const asyncParts: AsyncIterator<(typeof parts)[number]> = {
    next: () => Promise.resolve(iterator.next()),
    return: (value?: unknown) => Promise.resolve({ done: true, value }),
  };
  return { kind: "stream", first, parts: asyncParts, headers };
}
