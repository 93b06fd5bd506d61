import { createHash } from "node:crypto";
import type { BurnRateWindow } from "./alerts-config-schema.js";
import { formatDuration } from "./duration.js";

/** The alert's identity: one per SLO and window, stable across restarts and replicas. */
export function alertFingerprint(slo: string, window: BurnRateWindow): string {
  return createHash("sha256").update(JSON.stringify([slo, window.severity, window.long, window.short, window.factor])).digest("hex").slice(0, 16);
}

/** A window's name, e.g. `1h/5m`. */
export function windowName(window: Pick<BurnRateWindow, "long" | "short">): string {
  return `${formatDuration(window.long)}/${formatDuration(window.short)}`;
}
