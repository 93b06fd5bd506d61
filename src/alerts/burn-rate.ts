import type { BurnRateWindow } from "./alerts-config-schema.js";
import type { AlertableSlo, SliCounts, SliSource } from "./sli-source.js";

/** One window's verdict for one SLO. */
export interface BurnRateVerdict {
  readonly firing: boolean;
  readonly long: WindowBurn;
  readonly short: WindowBurn;
}

/** Counts and burn rate over one window. */
export interface WindowBurn extends SliCounts {
  readonly burnRate: number;
}

/** Burn rate: the window's error ratio over the error budget's ratio (1 − objective); 0 on an empty window. */
export function burnRate(counts: SliCounts, objectivePercent: number): number {
  if (counts.total <= 0) return 0;
  const errorRatio = Math.max(counts.total - counts.good, 0) / counts.total;
  const budget = 1 - objectivePercent / 100;
  // A 100% objective has no budget: any error burns it infinitely fast.
  return budget <= 0 ? (errorRatio > 0 ? Number.POSITIVE_INFINITY : 0) : errorRatio / budget;
}

/**
 * Multi-window, multi-burn-rate (SRE workbook ch. 5): fires when the long AND the short window both burn at least
 * `factor` times the sustainable rate, and the long window holds at least `minEvents` events.
 */
export async function evaluateBurnRate(source: SliSource, slo: AlertableSlo, window: BurnRateWindow, minEvents: number, now: number): Promise<BurnRateVerdict> {
  const [longCounts, shortCounts] = await Promise.all([source.counts(slo.name, now - window.long, now), source.counts(slo.name, now - window.short, now)]);
  const long = { ...longCounts, burnRate: burnRate(longCounts, slo.objective) };
  const short = { ...shortCounts, burnRate: burnRate(shortCounts, slo.objective) };
  // The low-traffic guard: too few events in the long window say nothing about the service.
  const firing = long.total >= minEvents && long.burnRate >= window.factor && short.burnRate >= window.factor;
  return { firing, long, short };
}
