import type { Clock } from "./clock.js";

/** Peak-sensitive moving average of latency: jumps up at once on a slow sample, decays slowly back down. */
export interface PeakEwma {
  observe(latencyMs: number): void;
  /** The current estimate; 0 before any observation, so new deployments get tried. */
  value(): number;
}

/** Creates a peak-EWMA (Finagle's load metric) whose memory fades with time constant `decayMs`. */
export function createPeakEwma(decayMs: number, clock: Clock): PeakEwma {
  let estimate = 0;
  let stamp = clock.now();
  return {
    observe(latencyMs) {
      const now = clock.now();
      const elapsed = Math.max(now - stamp, 0);
      stamp = now;
      if (latencyMs > estimate) {
        estimate = latencyMs;
        return;
      }
      const weight = Math.exp(-elapsed / decayMs);
      estimate = estimate * weight + latencyMs * (1 - weight);
    },
    value: () => estimate,
  };
}
