import { performance } from "node:perf_hooks";
import { summarize, type LatencySummary } from "./stats.js";

/** What one open-loop run measured. Latency counts from the scheduled send time, so a stalled client or server cannot hide queueing (no coordinated omission). */
export interface RateRunResult {
  offeredRps: number;
  achievedRps: number;
  latenciesMs: number[];
  errors: number;
  late: number;
}

/**
 * Fires `send` at a constant rate for `durationMs`, open loop: requests go out on schedule whether or not earlier
 * ones finished. The timer wakes every millisecond and sends everything due.
 */
export async function runConstantRate(rps: number, durationMs: number, send: () => Promise<void>): Promise<RateRunResult> {
  const total = Math.round((rps * durationMs) / 1000);
  const intervalMs = 1000 / rps;
  const latenciesMs: number[] = [];
  let errors = 0;
  let late = 0;
  let sent = 0;
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (sent < total && start + sent * intervalMs <= now) {
        const scheduled = start + sent * intervalMs;
        if (now - scheduled > 5) late++;
        sent++;
        inFlight.push(
          send().then(
            () => void latenciesMs.push(performance.now() - scheduled),
            () => void errors++,
          ),
        );
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(inFlight);
  const elapsed = performance.now() - start;
  return { offeredRps: rps, achievedRps: Math.round((latenciesMs.length / elapsed) * 1000), latenciesMs, errors, late };
}

/** What a phase reports: errors, late sends, achieved rate and the latency summary of one constant-rate run. */
export interface RateRunSummary {
  errors: number;
  late: number;
  achievedRps: number;
  latency: LatencySummary;
}

/** Summarises one run the way every benchmark reports a phase. */
export function summarizeRun(result: RateRunResult): RateRunSummary {
  return { errors: result.errors, late: result.late, achievedRps: result.achievedRps, latency: summarize(result.latenciesMs) };
}
