import { costOf, type Pricing } from "../accounting/pricing.js";
import type { Usage } from "../protocol/openai-responses.js";

/** Each configured model's pricing, by name. */
export function pricingByModel(config: { readonly models: readonly { readonly name: string; readonly pricing?: Pricing | undefined }[] }): ReadonlyMap<string, Pricing> {
  return new Map(config.models.flatMap((model) => (model.pricing === undefined ? [] : [[model.name, model.pricing] as const])));
}

/** What a request cost: nothing when the cache answered it, else the answering model's price for its usage. */
export function requestCost(pricing: ReadonlyMap<string, Pricing>, model: string | undefined, usage: Usage | undefined, cache: string | undefined): number {
  if (model === undefined || cache === "hit" || cache === "semantic-hit" || cache === "coalesced") return 0;
  return costOf(pricing.get(model), usage);
}
