import { z } from "zod";
import type { Usage } from "../protocol/openai-responses.js";

/** A model's prices in US dollars per million tokens; a model without one costs nothing (local models). */
export const pricingSchema = z.strictObject({
  input_per_million: z.number().min(0).default(0),
  output_per_million: z.number().min(0).default(0),
  /** Prompt tokens served from a provider's prompt cache; defaults to the input price. */
  cached_input_per_million: z.number().min(0).optional(),
});

export type Pricing = z.output<typeof pricingSchema>;

/** The cost of one request's usage in US dollars (cached prompt tokens at the cached price). */
export function costOf(pricing: Pricing | undefined, usage: Usage | undefined): number {
  if (pricing === undefined || usage === undefined) return 0;
  const cached = Math.min(usage.prompt_tokens_details?.cached_tokens ?? 0, usage.prompt_tokens);
  const cachedPrice = pricing.cached_input_per_million ?? pricing.input_per_million;
  return ((usage.prompt_tokens - cached) * pricing.input_per_million + cached * cachedPrice + usage.completion_tokens * pricing.output_per_million) / 1_000_000;
}
