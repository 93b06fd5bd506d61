import type { AlertNotification } from "./alert-notification.js";
import type { AlertSink, Fetch } from "./alert-sink.js";
import { postJson } from "./post-json.js";

/** Alertmanager's v2 API: POSTs `[ { labels, annotations, startsAt, endsAt?, generatorURL } ]` to `<url>/api/v2/alerts`. */
export function createAlertmanagerSink(baseUrl: string, headers: Readonly<Record<string, string>>, fetchFn: Fetch = fetch): AlertSink {
  const url = `${baseUrl.replace(/\/+$/, "")}/api/v2/alerts`;
  return {
    name: `alertmanager ${url}`,
    send: (notification, signal) => postJson(fetchFn, url, [alertmanagerAlert(notification)], headers, signal),
  };
}

/** One postable alert; a resolve sets `endsAt` (Alertmanager resolves an alert whose endsAt has passed). */
export function alertmanagerAlert(notification: AlertNotification): Record<string, unknown> {
  const annotations: Record<string, string> = {
    summary: notification.summary,
    burn_rate_long: notification.burnRates.long.toFixed(3),
    burn_rate_short: notification.burnRates.short.toFixed(3),
    objective: String(notification.objective),
    explorer_url: notification.explorerUrl,
  };
  const errors = notification.context?.topErrors ?? [];
  if (errors.length > 0) annotations["top_errors"] = errors.map((error) => `${error.type}=${error.count}`).join(", ");
  if (notification.context?.drift !== undefined) annotations["drift"] = JSON.stringify(notification.context.drift);
  return {
    labels: notification.labels,
    annotations,
    startsAt: notification.startsAt,
    ...(notification.endsAt === undefined ? {} : { endsAt: notification.endsAt }),
    generatorURL: notification.explorerUrl,
  };
}
