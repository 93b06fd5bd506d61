/** Good and total events of one SLO over a window. */
export interface SliCounts {
  readonly good: number;
  readonly total: number;
}

/**
 * The port alert evaluation reads SLIs through: counts of good and total events for an SLO over [fromMs, toMs).
 * The slo feature implements it from the per-minute rollups, so counts survive restarts and add up across replicas.
 */
export interface SliSource {
  counts(slo: string, fromMs: number, toMs: number): Promise<SliCounts>;
}

/** The little of an SLO that alerting needs; the slo feature's definitions fit it structurally. */
export interface AlertableSlo {
  readonly name: string;
  /** Percent, e.g. 99.5. */
  readonly objective: number;
  /** What the SLO covers: model, version, key, team (whichever are set). */
  readonly labels: Readonly<Record<string, string>>;
}
