import type { Pricing } from "./pricing.js";

/** What the price book reads of a configured model (config imports this folder's pricing schema, not the reverse). */
export interface PricedModel {
  readonly name: string;
  readonly pricing?: Pricing | undefined;
  readonly fallbacks: readonly string[];
}

/** Each model's prices, and the worst case a request to a model can be charged (its own or a fallback's price). */
export interface PriceBook {
  /** The model's pricing; undefined = free. Pricing is per model (every deployment of a model has its price). */
  pricing(model: string): Pricing | undefined;
  /** The most a request can cost: prompt and output tokens at the highest prices among the model and its fallbacks. */
  worstCaseUsd(model: string, promptTokens: number, outputTokens: number): number;
}

/** Builds the price book from the models' `pricing` and `fallbacks` once, at startup. */
export function createPriceBook(models: readonly PricedModel[]): PriceBook {
  const byName = new Map(models.map((model) => [model.name, model] as const));
  const worst = new Map<string, { input: number; output: number }>();
  for (const model of models) {
    // The attempt loop tries the model, then its fallbacks (one level), so any of them may answer.
    const chain = [model, ...model.fallbacks.flatMap((name) => byName.get(name) ?? [])];
    worst.set(model.name, {
      input: Math.max(...chain.map((each) => each.pricing?.input_per_million ?? 0)),
      output: Math.max(...chain.map((each) => each.pricing?.output_per_million ?? 0)),
    });
  }
  return {
    pricing: (model) => byName.get(model)?.pricing,
    worstCaseUsd: (model, promptTokens, outputTokens) => {
      const prices = worst.get(model);
      return prices === undefined ? 0 : (promptTokens * prices.input + outputTokens * prices.output) / 1_000_000;
    },
  };
}
