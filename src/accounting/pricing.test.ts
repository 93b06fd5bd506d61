import { describe, expect, it } from "vitest";
import { costOf, pricingSchema } from "./pricing.js";

describe("costOf", () => {
  const pricing = pricingSchema.parse({ input_per_million: 2.5, output_per_million: 10, cached_input_per_million: 1.25 });

  it("prices input, output and cached tokens per million", () => {
    expect(costOf(pricing, { prompt_tokens: 1_000_000, completion_tokens: 0, total_tokens: 1_000_000 })).toBe(2.5);
    expect(costOf(pricing, { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 })).toBeCloseTo(0.0025 + 0.005, 12);
    expect(costOf(pricing, { prompt_tokens: 1000, completion_tokens: 0, total_tokens: 1000, prompt_tokens_details: { cached_tokens: 400 } })).toBeCloseTo((600 * 2.5 + 400 * 1.25) / 1e6, 12);
  });

  it("is free without a price or usage, and cached tokens default to the input price", () => {
    expect(costOf(undefined, { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 })).toBe(0);
    expect(costOf(pricing, undefined)).toBe(0);
    const noCachedPrice = pricingSchema.parse({ input_per_million: 1 });
    expect(costOf(noCachedPrice, { prompt_tokens: 10, completion_tokens: 0, total_tokens: 10, prompt_tokens_details: { cached_tokens: 10 } })).toBeCloseTo(1e-5, 15);
  });
});
