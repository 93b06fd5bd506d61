import type { RunningGateway } from "../main.js";

/** Serves until SIGTERM/SIGINT, then drains in-flight requests and closes; a second signal exits at once. Resolves to the exit code. */
export function serveUntilSignal(gateway: RunningGateway): Promise<number> {
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++;
      if (signals > 1) process.exit(130);
      gateway.logger.info({ signal, in_flight: gateway.app.inFlight() }, "shutting down: draining in-flight requests");
      gateway.close().then(
        () => resolve(0),
        (error: unknown) => {
          gateway.logger.error({ err: error }, "shutdown failed");
          gateway.logger.flush();
          resolve(1);
        },
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
