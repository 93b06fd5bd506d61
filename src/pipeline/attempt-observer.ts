/** What an upstream attempt is aimed at, as an observer names it; a routing deployment satisfies it. */
export interface AttemptTarget {
  readonly id: string;
  readonly upstreamModel: string;
  readonly provider: { readonly kind: string };
}

/** One upstream attempt being observed. */
export interface ObservedAttempt {
  /** Headers to send upstream with this attempt (`traceparent`); undefined when tracing is off. */
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** Ends the attempt (once); an error marks it failed. */
  end(error?: unknown): void;
}

/**
 * The port through which routing reports upstream attempts (timing, trace context). Telemetry implements it; the
 * core and routing never import telemetry.
 */
export interface AttemptObserver {
  beginAttempt(target: AttemptTarget): ObservedAttempt;
}
