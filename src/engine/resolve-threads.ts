import { availableParallelism } from "node:os";

/** The thread count to run with, and whether the configured one had to be lowered. */
export interface ResolvedThreads {
  readonly threads: number;
  readonly lowered: boolean;
}

/**
 * Default: the physical cores llama.cpp counts for math; never more than the cores this process may use,
 * because oversubscribed threads spin-wait on each other and a tiny model gets many times slower.
 */
export function resolveThreads(requested: number | undefined, physicalCores: number, available: number = availableParallelism()): ResolvedThreads {
  const ceiling = Math.max(1, available);
  if (requested === undefined) return { threads: Math.max(1, Math.min(physicalCores, ceiling)), lowered: false };
  return requested > ceiling ? { threads: ceiling, lowered: true } : { threads: requested, lowered: false };
}
