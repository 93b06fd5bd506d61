import { describe, expect, it } from "vitest";
import { decodeEmbedding, encodeEmbedding, l2Normalize, normalizeEmbeddingsBody, shapeEmbedding } from "../../src/providers/embedding-vectors.js";
import { GatewayError } from "../../src/errors/gateway-error.js";

const norm = (vector: readonly number[]): number => Math.hypot(...vector);

describe("embedding vectors", () => {
  it("normalises to unit length, leaving a zero vector alone", () => {
    expect(l2Normalize([3, 4])).toEqual([0.6, 0.8]);
    expect(l2Normalize([0, 0])).toEqual([0, 0]);
  });

  it("truncates to dimensions and renormalises; refuses more than the model has", () => {
    const shaped = shapeEmbedding([3, 4, 12], 2, true);
    expect(shaped).toEqual([0.6, 0.8]);
    expect(shapeEmbedding([3, 4, 12], 2, false)).toEqual([3, 4]);
    expect(norm(shapeEmbedding([3, 4, 12], undefined, true))).toBeCloseTo(1, 12);
    expect(() => shapeEmbedding([1, 2], 3, true)).toThrow(GatewayError);
    expect(() => shapeEmbedding([1, 2], 3, true)).toThrow(/at most that many/);
  });

  it("float and base64 carry the same float32 values, and base64 decodes back", () => {
    const vector = l2Normalize([1, 2, 3]);
    const floats = encodeEmbedding(vector, "float") as number[];
    const base64 = encodeEmbedding(vector, "base64") as string;
    expect(decodeEmbedding(base64)).toEqual(floats);
    expect(decodeEmbedding([1, "x"])).toBeUndefined();
  });

  it("normalises an upstream's answer keeping each vector's encoding", () => {
    const body = { object: "list", data: [{ index: 0, embedding: [3, 4] }, { index: 1, embedding: encodeEmbedding([0, 5], "base64") }] };
    const normalized = normalizeEmbeddingsBody(body);
    const data = normalized["data"] as { embedding: number[] | string }[];
    expect(data[0]?.embedding).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(decodeEmbedding(data[1]?.embedding)).toEqual([0, 1]);
  });
});
