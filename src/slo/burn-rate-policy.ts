/** One multi-window burn-rate alert (SRE workbook, ch. 5): fire when both windows burn faster than `factor`. */
export interface BurnRatePolicy {
  readonly severity: "page" | "ticket";
  /** Burn rate: the error ratio over the budgeted ratio (1 = the budget lasts exactly the period). */
  readonly factor: number;
  readonly longWindow: string;
  readonly shortWindow: string;
}

/** The workbook's defaults for a 30-day budget: 2% and 5% of it in a page, 10% and 10% in a ticket. */
export const defaultBurnRatePolicies: readonly BurnRatePolicy[] = [
  { severity: "page", factor: 14.4, longWindow: "1h", shortWindow: "5m" },
  { severity: "page", factor: 6, longWindow: "6h", shortWindow: "30m" },
  { severity: "ticket", factor: 3, longWindow: "1d", shortWindow: "2h" },
  { severity: "ticket", factor: 1, longWindow: "3d", shortWindow: "6h" },
];

const unitMs: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A window such as "5m", "6h" or "3d" in milliseconds (minutes are the rollups' resolution). */
export function windowMs(window: string): number {
  const match = /^(\d+)([mhd])$/.exec(window);
  const unit = match === null ? undefined : unitMs[match[2] ?? ""];
  if (match === null || unit === undefined || Number(match[1]) <= 0) throw new Error(`"${window}" is not a window such as 5m, 6h or 3d`);
  return Number(match[1]) * unit;
}
