/** Token usage as OpenAI reports it. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
}

/** A JSON object as it came off the wire. */
export type JsonObject = Record<string, unknown>;

/** The first choice of a response or chunk, if it carries one that is an object. */
export function firstChoice(body: JsonObject): JsonObject | undefined {
  const choices = body["choices"];
  if (!Array.isArray(choices)) return undefined;
  const first: unknown = choices[0];
  return typeof first === "object" && first !== null && !Array.isArray(first) ? (first as JsonObject) : undefined;
}

/** Reads a usage object off a response or chunk if it carries one. */
export function readUsage(body: JsonObject): Usage | undefined {
  const usage = body["usage"];
  if (usage === null || typeof usage !== "object") return undefined;
  const { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total } = usage as Record<string, unknown>;
  if (typeof prompt !== "number" || typeof completion !== "number") return undefined;
  return { ...(usage as Usage), total_tokens: typeof total === "number" ? total : prompt + completion };
}

/** True when a chunk carries only usage (OpenAI's final `choices: []` chunk). */
export function isUsageOnlyChunk(chunk: JsonObject): boolean {
  const choices = chunk["choices"];
  return Array.isArray(choices) && choices.length === 0 && readUsage(chunk) !== undefined;
}
