import type { AlertContext } from "./alert-context-source.js";
import type { SliCounts } from "./sli-source.js";

/** What every sink receives: one alert's firing or resolve, with its numbers, its context and a link to the requests. */
export interface AlertNotification {
  /** Stable per SLO and window; sinks and receivers group and dedup by it. */
  readonly fingerprint: string;
  readonly status: "firing" | "resolved";
  readonly slo: string;
  readonly severity: "page" | "ticket";
  /** The SLO's objective in percent. */
  readonly objective: number;
  readonly window: { readonly long: string; readonly short: string; readonly factor: number };
  /** alertname, slo, severity, window and the SLO's own labels (model, version, key, team). */
  readonly labels: Readonly<Record<string, string>>;
  readonly summary: string;
  readonly burnRates: { readonly long: number; readonly short: number };
  readonly counts: { readonly long: SliCounts; readonly short: SliCounts };
  /** ISO 8601: when the alert began firing. */
  readonly startsAt: string;
  /** ISO 8601: when it resolved (resolves only). */
  readonly endsAt?: string;
  /** The request explorer query for the long window. */
  readonly explorerUrl: string;
  readonly context?: AlertContext;
}
