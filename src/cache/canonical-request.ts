import { createHash } from "node:crypto";
import type { JsonObject } from "../protocol/openai-responses.js";
import type { PipelineOperation } from "../pipeline/answer.js";

/**
 * Request fields that never change the answer's content: `stream` and `stream_options` only choose its framing,
 * and a cached answer is replayed in either framing. Everything else, vendor extras included, is part of the key.
 */
const framingKeys = new Set(["stream", "stream_options"]);

/** OpenAI's documented defaults: a request that spells one out asks for the same answer as one that leaves it out. */
const defaults: Readonly<Record<string, unknown>> = {
  temperature: 1,
  top_p: 1,
  n: 1,
  presence_penalty: 0,
  frequency_penalty: 0,
  logprobs: false,
  echo: false,
  best_of: 1,
  encoding_format: "float",
};

/** The request as a canonical JSON string: keys sorted at every depth, nulls and spelled-out defaults dropped. */
export function canonicalRequest(operation: PipelineOperation, body: JsonObject, omit: ReadonlySet<string> = framingKeys): string {
  const top: JsonObject = {};
  for (const key of Object.keys(body).sort()) {
    const value = body[key];
    if (omit.has(key) || value === null || value === undefined || defaults[key] === value) continue;
    top[key] = value;
  }
  return `${operation}:${stableStringify(top)}`;
}

/** The exact-cache key: sha256 over a version, the partition and the canonical request. */
export function cacheKey(partition: string, operation: PipelineOperation, body: JsonObject): string {
  return createHash("sha256").update(`v1\n${partition}\n${canonicalRequest(operation, body)}`).digest("hex");
}

/** JSON with object keys sorted recursively; arrays keep their order (message order matters). */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((item) => stableStringify(item)).join(",")}]`;
  const record = value as Record<string, unknown>;
  const fields: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined) continue;
    fields.push(`${JSON.stringify(key)}:${stableStringify(item)}`);
  }
  return `{${fields.join(",")}}`;
}

/** Whether the request asks for a reproducible answer: temperature 0 or a seed (embeddings always are). */
export function isDeterministic(operation: PipelineOperation, body: JsonObject): boolean {
  return operation === "embedding" || body["temperature"] === 0 || typeof body["seed"] === "number";
}
