import { monitorEventLoopDelay } from "node:perf_hooks";

/** How hard the bench itself worked: a busy client measures its own queueing, not the server's. */
export interface ClientLoad {
  /** CPU time of this process (user + system) over wall time, in percent of one core. */
  cpuPercentOfOneCore: number;
  eventLoopDelayMs: { mean: number; p99: number; max: number };
}

// The histogram records whole timer intervals, so an idle loop reads as the resolution itself; it is subtracted.
const resolutionMs = 10;

/** Above this share of one core, latencies start to include the client's own event-loop queueing. */
export const clientCpuWarningPercent = 80;

/** Starts measuring this process's CPU use and event-loop delay; `stop` returns the figures since the start. */
export function startClientLoadMonitor(): { stop(): ClientLoad } {
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  return {
    stop: () => {
      histogram.disable();
      const cpu = process.cpuUsage(cpuStart);
      const wallMs = Math.max(performance.now() - wallStart, 1e-3);
      const toMs = (nanoseconds: number): number => (Number.isFinite(nanoseconds) ? Math.max(0, nanoseconds / 1e6 - resolutionMs) : 0);
      return {
        cpuPercentOfOneCore: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
        eventLoopDelayMs: { mean: toMs(histogram.mean), p99: toMs(histogram.percentile(99)), max: toMs(histogram.max) },
      };
    },
  };
}
