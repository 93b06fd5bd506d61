import type { RunningGateway } from "../main.js";

/** Serves until SIGTERM/SIGINT, then drains in-flight requests and closes; a second signal exits at once. */
export function serveUntilSignal(gateway: RunningGateway): Promise<void> {
  return new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++;
      if (signals > 1) process.exit(130);
      gateway.logger.info({ signal, in_flight: gateway.app.inFlight() }, "shutting down: draining in-flight requests");
      void gateway.close().then(resolve);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
