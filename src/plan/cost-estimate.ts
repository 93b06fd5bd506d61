import type { BillingMode, GpuSpec } from "./gpu-catalogue.js";
import { billingModes } from "./gpu-catalogue.js";
import { hoursPerMonth } from "./units.js";

/** What a configuration costs under one billing mode, in USD. */
export interface ModeCost {
  readonly mode: BillingMode;
  readonly perHour: number;
  readonly perMonth: number;
  /** Per million output tokens at `tokensPerSecond`; undefined when nothing is produced. */
  readonly perMillionOutputTokens: number | undefined;
}

/** Cost of `gpus` GPUs producing `tokensPerSecond` output tokens, for every billing mode the catalogue prices. */
export function costEstimate(gpu: GpuSpec, gpus: number, tokensPerSecond: number): ModeCost[] {
  const costs: ModeCost[] = [];
  for (const mode of billingModes) {
    const price = gpu.price_per_hour[mode];
    if (price === undefined) continue;
    const perHour = price * gpus;
    costs.push({
      mode,
      perHour,
      perMonth: perHour * hoursPerMonth,
      perMillionOutputTokens: tokensPerSecond > 0 ? (perHour / (tokensPerSecond * 3600)) * 1e6 : undefined,
    });
  }
  return costs;
}
