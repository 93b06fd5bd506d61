import { describe, expect, it } from "vitest";
import { streamedParams } from "../../src/plan/streamed-weights.js";

describe("streamedParams", () => {
  const dense = { params: 8e9, lookupOnlyParams: 0.5e9 };
  const moe = { params: 47e9, lookupOnlyParams: 0, experts: { total: 8, perToken: 2, routedParams: 45e9 } };

  it.each([
    { what: "dense streams everything but a looked-up embedding table", model: dense, batch: 64, expected: 7.5e9 },
    { what: "MoE at batch 1 streams the active experts", model: moe, batch: 1, expected: 2e9 + 45e9 * (2 / 8) },
    { what: "MoE at batch 4 streams the experts some sequence picks", model: moe, batch: 4, expected: 2e9 + 45e9 * (1 - 0.75 ** 4) },
  ])("$what", ({ model, batch, expected }) => {
    expect(streamedParams(model, batch)).toBeCloseTo(expected, -3);
  });

  it("approaches every expert as the batch grows", () => {
    expect(streamedParams(moe, 256) / 47e9).toBeGreaterThan(0.999);
  });
});
