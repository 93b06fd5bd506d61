import type { AlertSink, Fetch } from "./alert-sink.js";
import { postJson } from "./post-json.js";

/** The generic JSON webhook: POSTs `{ version: 1, status, alert }`, where `alert` is the whole notification. */
export function createWebhookSink(url: string, headers: Readonly<Record<string, string>>, fetchFn: Fetch = fetch): AlertSink {
  return {
    name: `webhook ${url}`,
    send: (notification, signal) => postJson(fetchFn, url, { version: 1, status: notification.status, alert: notification }, headers, signal),
  };
}
