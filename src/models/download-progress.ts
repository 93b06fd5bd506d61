import cliProgress from "cli-progress";

/** Receives download progress: bytes so far and the total when the server said it. */
export type DownloadProgress = (received: number, total: number | undefined) => void;

/** A progress reporter that can be stopped (ends the bar's line). */
export interface ProgressReporter {
  readonly update: DownloadProgress;
  stop(): void;
}

/** A progress bar on stderr when stderr is a terminal; silent otherwise (logs and CI stay clean). */
export function createDownloadProgress(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (stream.isTTY !== true) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% {received}/{size} MiB`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(received, total) {
      const payload = { received: mebibytes(received), size: total === undefined ? "?" : mebibytes(total) };
      if (!started) {
        bar.start(total ?? 0, received, payload);
        started = true;
      }
      if (total !== undefined) bar.setTotal(total);
      bar.update(received, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function mebibytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
