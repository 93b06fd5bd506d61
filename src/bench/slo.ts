import type { RequestTimings } from "./request-timings.js";

/** Service-level objectives for goodput, in milliseconds; an absent one is not checked. */
export interface Slo {
  ttftMs?: number;
  tpotMs?: number;
  e2elMs?: number;
}

const sloKeys = { ttft: "ttftMs", tpot: "tpotMs", e2el: "e2elMs" } as const;

/** Parses `ttft:500 tpot:50 e2el:3000` (space- or comma-separated, as many flags as given) into SLOs. */
export function parseSlo(specs: readonly string[]): Slo {
  const slo: Slo = {};
  for (const part of specs.flatMap((spec) => spec.split(/[\s,]+/)).filter((part) => part !== "")) {
    const match = /^(ttft|tpot|e2el):(\d+(?:\.\d+)?)$/.exec(part);
    const name = match?.[1] as keyof typeof sloKeys | undefined;
    if (match === null || name === undefined) throw new Error(`--goodput: expected ttft:MS, tpot:MS or e2el:MS, got "${part}"`);
    slo[sloKeys[name]] = Number(match[2]);
  }
  return slo;
}

/** True when some objective is set. */
export function hasSlo(slo: Slo): boolean {
  return slo.ttftMs !== undefined || slo.tpotMs !== undefined || slo.e2elMs !== undefined;
}

/** Whether a successful request met every objective; a one-token answer has no TPOT and passes that check (as in vLLM). */
export function meetsSlo(timings: RequestTimings, slo: Slo): boolean {
  if (slo.ttftMs !== undefined && timings.ttftMs > slo.ttftMs) return false;
  if (slo.tpotMs !== undefined && timings.tpotMs !== undefined && timings.tpotMs > slo.tpotMs) return false;
  if (slo.e2elMs !== undefined && timings.e2elMs > slo.e2elMs) return false;
  return true;
}
