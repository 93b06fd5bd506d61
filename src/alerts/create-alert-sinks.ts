import type { Logger } from "../pipeline/logger.js";
import type { AlertSinkConfig } from "./alerts-config-schema.js";
import type { AlertSink, Fetch } from "./alert-sink.js";
import { createAlertmanagerSink } from "./alertmanager-sink.js";
import { createLogSink } from "./log-sink.js";
import { createSlackSink } from "./slack-sink.js";
import { createWebhookSink } from "./webhook-sink.js";

/** Builds the configured sinks. */
export function createAlertSinks(configs: readonly AlertSinkConfig[], logger: Logger, fetchFn: Fetch = fetch): AlertSink[] {
  return configs.map((config) => {
    if (config.kind === "log") return createLogSink(logger);
    if (config.kind === "slack") return createSlackSink(config.url, config.headers, fetchFn);
    if (config.kind === "alertmanager") return createAlertmanagerSink(config.url, config.headers, fetchFn);
    return createWebhookSink(config.url, config.headers, fetchFn);
  });
}
