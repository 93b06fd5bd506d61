import type { Logger } from "../pipeline/logger.js";
import type { AlertSink } from "./alert-sink.js";

/** Writes notifications to the gateway's log: firings as warnings, resolves as info. */
export function createLogSink(logger: Logger): AlertSink {
  return {
    name: "log",
    send: async (notification) => {
      const { status, fingerprint, labels, burnRates, explorerUrl, startsAt, endsAt, context } = notification;
      const fields = { alert: { status, fingerprint, labels, burnRates, explorerUrl, startsAt, endsAt, topErrors: context?.topErrors } };
      if (status === "firing") logger.warn(fields, `SLO alert firing: ${notification.summary}`);
      else logger.info(fields, `SLO alert resolved: ${notification.summary}`);
    },
  };
}
