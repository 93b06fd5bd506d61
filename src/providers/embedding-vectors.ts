import { GatewayError } from "../errors/gateway-error.js";
import type { JsonObject } from "../protocol/openai-responses.js";

/** Scales a vector to unit length (L2), as OpenAI's embeddings are, so a dot product is the cosine similarity. */
export function l2Normalize(vector: readonly number[]): number[] {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  return norm === 0 ? [...vector] : vector.map((value) => value / norm);
}

/**
 * Shortens a vector to `dimensions` (Matryoshka-style truncation), refusing a size larger than the model's, then
 * normalises it when asked: a truncated vector is no longer unit length.
 */
export function shapeEmbedding(vector: readonly number[], dimensions: number | undefined, normalize: boolean): number[] {
  if (dimensions !== undefined && dimensions > vector.length) {
    throw new GatewayError("invalid_request", { message: `dimensions: this model's embeddings have ${vector.length} dimensions; ask for at most that many.`, param: "dimensions" });
  }
  const truncated = dimensions === undefined || dimensions === vector.length ? vector : vector.slice(0, dimensions);
  return normalize ? l2Normalize(truncated) : [...truncated];
}

/** A vector as the client asked for it: float32 values as a float array, or base64 of little-endian float32s (the same values). */
export function encodeEmbedding(vector: readonly number[], format: unknown): number[] | string {
  const floats = new Float32Array(vector);
  return format === "base64" ? Buffer.from(floats.buffer).toString("base64") : Array.from(floats);
}

/** Reads a vector as an OpenAI-compatible upstream sent it (float array or base64); undefined when it is neither. */
export function decodeEmbedding(value: unknown): number[] | undefined {
  if (Array.isArray(value)) return value.every((item) => typeof item === "number") ? (value as number[]) : undefined;
  if (typeof value !== "string") return undefined;
  const bytes = Buffer.from(value, "base64");
  if (bytes.length % 4 !== 0) return undefined;
  return Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
}

/** Normalises every vector of an embeddings answer in place of the upstream's, keeping each one's encoding. */
export function normalizeEmbeddingsBody(body: JsonObject): JsonObject {
  const data = body["data"];
  if (!Array.isArray(data)) return body;
  const normalized = data.map((item: unknown) => {
    if (item === null || typeof item !== "object") return item;
    const embedding = (item as JsonObject)["embedding"];
    const vector = decodeEmbedding(embedding);
    return vector === undefined ? item : { ...(item as JsonObject), embedding: encodeEmbedding(l2Normalize(vector), typeof embedding === "string" ? "base64" : "float") };
  });
  return { ...body, data: normalized };
}
