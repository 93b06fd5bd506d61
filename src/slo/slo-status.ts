import type { SliSource, SloDefinition } from "./sli-source.js";

const minuteMs = 60_000;

/** The burn-rate windows /admin/slo and `gantry slo status` report (those of the SRE workbook's alerts). */
export const standardWindows: readonly { readonly name: string; readonly ms: number }[] = [
  { name: "5m", ms: 5 * minuteMs },
  { name: "30m", ms: 30 * minuteMs },
  { name: "1h", ms: 60 * minuteMs },
  { name: "2h", ms: 120 * minuteMs },
  { name: "6h", ms: 360 * minuteMs },
  { name: "1d", ms: 1440 * minuteMs },
  { name: "3d", ms: 4320 * minuteMs },
];

/** One SLO's state now. Ratios are fractions (0–1) except `objective` and `sli`, which are percent like the config. */
export interface SloStatus {
  readonly name: string;
  readonly objective: number;
  readonly period_days: number;
  readonly selector: SloDefinition["selector"];
  readonly sli_kind: string;
  readonly threshold_ms: number | null;
  /** Good and total events over the period. */
  readonly events: { readonly good: number; readonly total: number };
  /** Percent good over the period; null with no events. */
  readonly sli: number | null;
  readonly error_budget: {
    /** Bad events the objective allows over the period, given its traffic. */
    readonly allowed: number;
    readonly consumed: number;
    /** Share of the budget left (negative once overspent); 1 with no events. */
    readonly remaining: number;
  };
  /** Error ratio over each window divided by the budgeted ratio; null when the window holds no events. */
  readonly burn_rates: Readonly<Record<string, number | null>>;
  /** Event counts per window. */
  readonly window_events: Readonly<Record<string, { readonly good: number; readonly total: number }>>;
}

/** The end of the window that ends "now": the end of the open minute, so the latest requests count. */
export function windowEnd(nowMs: number): number {
  return Math.floor(nowMs / minuteMs) * minuteMs + minuteMs;
}

/** Bad events over total divided by the budgeted error ratio (1 = spending exactly the budget); null without events. */
export function burnRate(counts: { good: number; total: number }, objective: number): number | null {
  if (counts.total === 0) return null;
  return (counts.total - counts.good) / counts.total / (1 - objective / 100);
}

/** The burn rate of `slo` over the `windowMs` before `nowMs` (the alerts' evaluation). */
export async function windowBurnRate(source: SliSource, slo: SloDefinition, windowMs: number, nowMs: number): Promise<{ burnRate: number | null; good: number; total: number }> {
  const end = windowEnd(nowMs);
  const counts = await source.counts(slo.name, end - windowMs, end);
  return { burnRate: burnRate(counts, slo.objective), ...counts };
}

/** The SLO's status: SLI and error budget over its period, burn rates over the standard windows. */
export async function computeSloStatus(source: SliSource, slo: SloDefinition, nowMs: number): Promise<SloStatus> {
  const end = windowEnd(nowMs);
  const [period, ...windows] = await Promise.all([source.counts(slo.name, end - slo.periodMs, end), ...standardWindows.map((window) => source.counts(slo.name, end - window.ms, end))]);
  const events = period ?? { good: 0, total: 0 };
  const allowed = (events.total * (100 - slo.objective)) / 100;
  const consumed = events.total - events.good;
  return {
    name: slo.name,
    objective: slo.objective,
    period_days: slo.periodMs / (24 * 3600 * 1000),
    selector: slo.selector,
    sli_kind: slo.sli.kind,
    threshold_ms: slo.sli.kind === "availability" ? null : slo.sli.thresholdMs,
    events,
    sli: events.total === 0 ? null : round((events.good / events.total) * 100, 4),
    error_budget: { allowed: round(allowed, 3), consumed, remaining: allowed === 0 ? 1 : round(1 - consumed / allowed, 4) },
    burn_rates: Object.fromEntries(standardWindows.map((window, index) => [window.name, roundOrNull(burnRate(windows[index] ?? { good: 0, total: 0 }, slo.objective))])),
    window_events: Object.fromEntries(standardWindows.map((window, index) => [window.name, windows[index] ?? { good: 0, total: 0 }])),
  };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function roundOrNull(value: number | null): number | null {
  return value === null ? null : round(value, 3);
}
