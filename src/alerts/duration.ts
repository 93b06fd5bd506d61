import { z } from "zod";

const units: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as `30s`, `5m`, `1h` or `3d`, parsed to milliseconds. */
export const durationSchema = z
  .string()
  .regex(/^[1-9]\d*(s|m|h|d)$/, "a duration such as 30s, 5m, 1h or 3d")
  .transform((text) => Number(text.slice(0, -1)) * (units[text.slice(-1)] ?? 0));

/** Formats milliseconds as the shortest exact duration (`3600000` → `1h`), the inverse of durationSchema. */
export function formatDuration(ms: number): string {
  for (const unit of ["d", "h", "m"] as const) {
    const size = units[unit] ?? 1;
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}
