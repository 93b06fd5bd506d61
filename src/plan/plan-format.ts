import { GiB, KiB, MiB } from "./units.js";

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** Bytes in the largest binary unit that keeps the figure ≥ 1, two decimals, unit labelled. */
export function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(2)} GiB`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(2)} MiB`;
  if (bytes >= KiB) return `${(bytes / KiB).toFixed(2)} KiB`;
  return `${bytes.toFixed(0)} B`;
}

/** Bytes in GiB, two decimals, no unit (for table columns whose header names it). */
export function formatGib(bytes: number): string {
  return (bytes / GiB).toFixed(2);
}

/** A parameter count in K/M/B (decimal, as model cards write them). */
export function formatParams(count: number): string {
  if (count >= 1e9) return `${(count / 1e9).toFixed(2)} B`;
  if (count >= 1e6) return `${(count / 1e6).toFixed(2)} M`;
  if (count >= 1e3) return `${(count / 1e3).toFixed(1)} K`;
  return integer.format(count);
}

/** A whole number with thousands separators. */
export function formatInteger(value: number): string {
  return integer.format(value);
}

/** A rate with three significant figures at most, thousands separated (1,234 / 56.7 / 0.891). */
export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return "-";
  if (value >= 100) return integer.format(value);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(value >= 1 ? 2 : 3);
}

/** USD: cents below $1,000, whole dollars above. */
export function formatUsd(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "-";
  if (value >= 1000) return `$${integer.format(value)}`;
  if (value >= 0.01 || value === 0) return `$${value.toFixed(2)}`;
  return `$${value.toPrecision(2)}`;
}
