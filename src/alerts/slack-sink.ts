import type { AlertNotification } from "./alert-notification.js";
import type { AlertSink, Fetch } from "./alert-sink.js";
import { postJson } from "./post-json.js";

/** A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat): POSTs `{ text }`. */
export function createSlackSink(url: string, headers: Readonly<Record<string, string>>, fetchFn: Fetch = fetch): AlertSink {
  return {
    name: `slack ${url}`,
    send: (notification, signal) => postJson(fetchFn, url, { text: slackText(notification) }, headers, signal),
  };
}

/** The message: status, summary, burn rates and the links, in Slack's mrkdwn. */
export function slackText(notification: AlertNotification): string {
  const head = notification.status === "firing" ? `:rotating_light: *FIRING* [${notification.severity}]` : ":white_check_mark: *RESOLVED*";
  const lines = [
    `${head} ${notification.summary}`,
    `burn rate ${notification.burnRates.long.toFixed(2)}× over ${notification.window.long}, ${notification.burnRates.short.toFixed(2)}× over ${notification.window.short} (threshold ${notification.window.factor}×)`,
  ];
  const errors = notification.context?.topErrors ?? [];
  if (errors.length > 0) lines.push(`top errors: ${errors.map((error) => `${error.type} (${error.count})`).join(", ")}`);
  lines.push(`<${notification.explorerUrl}|requests in the window>`);
  return lines.join("\n");
}
