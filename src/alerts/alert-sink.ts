import type { AlertNotification } from "./alert-notification.js";

/** A destination for notifications; `send` rejects when the receiver did not accept it (the delivery retries). */
export interface AlertSink {
  /** Names the sink in logs, e.g. `webhook http://…`. */
  readonly name: string;
  send(notification: AlertNotification, signal: AbortSignal): Promise<void>;
}

/** The fetch the HTTP sinks use; injected so tests and proxies can supply their own. */
export type Fetch = typeof fetch;
