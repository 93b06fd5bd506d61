/** What a firing alert carries besides its numbers. */
export interface AlertContext {
  /** The drift report's summary for the alert's window (the drift feature's shape). */
  readonly drift?: unknown;
  /** The most frequent error types in the window, most frequent first. */
  readonly topErrors: readonly { readonly type: string; readonly count: number }[];
}

/** The port alerts read context through; the composition root builds it from the rollups and drift (src/compose/create-alert-targets.ts). */
export interface AlertContextSource {
  context(labels: Readonly<Record<string, string>>, fromMs: number, toMs: number): Promise<AlertContext>;
}
