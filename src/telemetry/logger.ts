import pino, { type Logger } from "pino";

export type { Logger } from "pino";

/** Paths that must never reach a log line, whatever a caller passes in. */
const redactPaths = ["authorization", "*.authorization", "api_key", "*.api_key", "admin_key", "*.admin_key", "headers", "*.headers"];

/**
 * JSON logs to stdout through an asynchronous destination, so a slow terminal or pipe never blocks a response.
 * Call `flush()` before exiting.
 */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination({ dest: 1, sync: false })): Logger {
  return pino({ level, base: { service: "gantry" }, redact: { paths: redactPaths, censor: "[redacted]" } }, destination);
}
