import type { ModelInfo } from "./model-info.js";

/**
 * Parameters one decode step of `batch` sequences streams from memory. Dense: all of them, less an untied input
 * embedding (one row per token is looked up, not streamed). MoE: the non-expert part plus the routed experts the
 * batch touches; with uniform routing a given expert escapes all batch × perToken picks with probability
 * (1 − perToken/total)^batch, so at batch 1 this is the active parameter count and it climbs towards every
 * expert as the batch grows.
 */
export function streamedParams(model: Pick<ModelInfo, "params" | "lookupOnlyParams" | "experts">, batch: number): number {
  const dense = model.params - model.lookupOnlyParams;
  const experts = model.experts;
  if (experts === undefined || experts.routedParams === 0) return Math.max(0, dense);
  const touched = 1 - (1 - experts.perToken / experts.total) ** Math.max(1, batch);
  return Math.max(0, dense - experts.routedParams + experts.routedParams * touched);
}
