import cliProgress from "cli-progress";
import type { LiveStats } from "./live-stats.js";

export interface ProgressOptions {
  /** Number of requests when the run is count-bound; undefined for a duration-bound run. */
  total: number | undefined;
  durationMs: number | undefined;
  label: string;
  stream: NodeJS.WriteStream;
  /** Replaces the figures after the count (cli-progress tokens: {inflight}, {passed} = completed, {failed}, {tokps}, {ttft}). */
  figures?: string;
}

/** Draws a live bar with running figures on a TTY; a no-op elsewhere so logs and pipes stay clean. */
export function startProgressBar(live: LiveStats, options: ProgressOptions): { stop(): void } {
  if (options.stream.isTTY !== true) return { stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream: options.stream,
      format: `${options.label} |{bar}| {value}/{total}${options.total === undefined ? " s" : ""} | ${options.figures ?? "in flight {inflight} | failed {failed} | {tokps} out tok/s | mean TTFT {ttft} ms"}`,
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = (): Record<string, string | number> => {
    const elapsedS = live.startedAt === undefined ? 0 : (performance.now() - live.startedAt) / 1000;
    return {
      inflight: live.inFlight,
      passed: live.completed,
      failed: live.failed,
      tokps: elapsedS > 0 ? (live.outputTokens / elapsedS).toFixed(1) : "0",
      ttft: live.completed > 0 ? (live.ttftSumMs / live.completed).toFixed(1) : "-",
    };
  };
  const value = (): number => {
    if (options.total !== undefined) return live.completed + live.failed;
    const elapsedMs = live.startedAt === undefined ? 0 : performance.now() - live.startedAt;
    return Math.min(Math.round(elapsedMs / 1000), Math.round((options.durationMs ?? 0) / 1000));
  };
  bar.start(options.total ?? Math.round((options.durationMs ?? 0) / 1000), 0, payload());
  // Redrawn on a timer, not per request, so a fast run never spends its CPU on the terminal.
  const timer = setInterval(() => bar.update(value(), payload()), 250);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      bar.update(value(), payload());
      bar.stop();
    },
  };
}
