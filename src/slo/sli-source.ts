import type { HistogramKind, RollupStore } from "../store/rollup-store.js";
import { countAtOrBelow } from "../store/latency-histogram.js";
import { periodMs, type SloConfig } from "./slo-config-schema.js";

/** What counts as a good event. */
export type SliDefinition = { readonly kind: "availability" } | { readonly kind: HistogramKind; readonly thresholdMs: number };

/** An SLO as the evaluators (status, burn-rate alerts, Prometheus rules) read it. */
export interface SloDefinition {
  readonly name: string;
  /** Percent, e.g. 99.5. */
  readonly objective: number;
  readonly periodMs: number;
  readonly selector: { readonly model?: string; readonly version?: string; readonly key?: string; readonly team?: string };
  readonly sli: SliDefinition;
}

/** Good and total events of an SLO over a time range, summed over every replica (the alerts' port). */
export interface SliSource {
  counts(slo: string, fromMs: number, toMs: number): Promise<{ good: number; total: number }>;
}

/** The definitions from the `slos:` config. */
export function sloDefinitions(slos: readonly SloConfig[]): SloDefinition[] {
  return slos.map((slo) => ({
    name: slo.name,
    objective: slo.objective,
    periodMs: periodMs(slo.period),
    selector: {
      ...(slo.model === undefined ? {} : { model: slo.model }),
      ...(slo.version === undefined ? {} : { version: slo.version }),
      ...(slo.key === undefined ? {} : { key: slo.key }),
      ...(slo.team === undefined ? {} : { team: slo.team }),
    },
    sli: slo.sli.kind === "availability" ? { kind: "availability" } : { kind: slo.sli.kind, thresholdMs: slo.sli.threshold_ms },
  }));
}

/**
 * Counts from the per-minute rollups: minutes starting in [fromMs, toMs). Availability: every request is an event,
 * the bad ones are server errors (5xx). Latency kinds: the successful requests that have the measure are the events,
 * good when at or under the threshold (failures are the availability SLO's to count).
 */
export function createRollupSliSource(store: Pick<RollupStore, "rollupEvents">, definitions: readonly SloDefinition[]): SliSource {
  const byName = new Map(definitions.map((definition) => [definition.name, definition]));
  return {
    async counts(slo, fromMs, toMs) {
      const definition = byName.get(slo);
      if (definition === undefined) throw new Error(`unknown SLO "${slo}"`);
      const { sli } = definition;
      if (sli.kind === "availability") {
        const events = await store.rollupEvents(definition.selector, fromMs, toMs);
        return { good: events.total - events.serverErrors, total: events.total };
      }
      const events = await store.rollupEvents(definition.selector, fromMs, toMs, sli.kind);
      const histogram = events.histogram ?? [];
      return { good: countAtOrBelow(histogram, sli.thresholdMs), total: histogram.reduce((sum, count) => sum + count, 0) };
    },
  };
}
