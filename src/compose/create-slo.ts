import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { GatewayConfig } from "../config/schema.js";
import { createAdminSloRoutes } from "../http/routes/admin-slo-route.js";
import type { MethodHandlers } from "../http/route-table.js";
import type { Schedule } from "../routing/clock.js";
import { createRollupAggregator, type RollupAggregator } from "../slo/rollup-aggregator.js";
import { createRollupSliSource, sloDefinitions, type SliSource, type SloDefinition } from "../slo/sli-source.js";
import type { GatewayStore } from "../store/gateway-store.js";
import type { StatsWindow, WindowStats } from "../store/request-stats.js";
import { startRetention } from "../store/retention.js";
import type { Logger } from "../telemetry/logger.js";

/** The rollups and SLOs of a gateway, ready for the observer and the admin API. */
export interface SloFeature {
  /** The per-minute aggregator the observer feeds; undefined when rollups are off. */
  readonly rollups: RollupAggregator | undefined;
  readonly definitions: readonly SloDefinition[];
  /** The SLIs from the rollups (the port burn-rate alerts read); undefined when rollups are off. */
  readonly sliSource: SliSource | undefined;
  /** /admin/stats from the rollups; undefined when rollups are off (the request log answers). */
  readonly stats: ((window: StatsWindow) => Promise<WindowStats>) | undefined;
  readonly adminRoutes: Map<string, MethodHandlers>;
  /** Flushes the last rollups (before the database closes). */
  close(): Promise<void>;
}

/** Unref'd real timers: the flush job never holds the process open. */
const backgroundSchedule: Schedule = (callback, ms) => {
  const timer = setTimeout(callback, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/** Builds the rollup aggregator with its background flush job and retention, the SLI source and /admin/slo. */
export function createSlo(config: Pick<GatewayConfig, "rollups" | "slos">, database: GatewayStore | undefined, logger: Logger, time: { now: () => number }): SloFeature {
  const definitions = sloDefinitions(config.slos);
  let warnedAt = -Infinity;
  if (!config.rollups.enabled || database === undefined) return { rollups: undefined, definitions, sliSource: undefined, stats: undefined, adminRoutes: new Map(), close: async () => undefined };
  const rollups = createRollupAggregator({
    store: database,
    replica: config.rollups.replica_id ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
    now: time.now,
    flushIntervalMs: config.rollups.flush_interval_seconds * 1000,
    // Real timers even under a test's fake clock: a flush moves no time, and readers flush before they read.
    schedule: backgroundSchedule,
    onError: (error) => logger.warn({ err: error }, "writing request rollups failed: retrying at the next flush"),
    onDrop() {
      // One warning a minute at most: a flood of new series must not become a flood of logs.
      if (time.now() - warnedAt < 60_000) return;
      warnedAt = time.now();
      logger.warn("request rollups hold too many series: requests of new series are left out");
    },
  });
  const stopRetention = startRetention({ prune: (before) => database.pruneRollups(before) }, config.rollups.retention_days, (error) => logger.warn({ err: error }, "pruning request rollups failed"), time.now);
  const sliSource = createRollupSliSource(database, definitions);
  return {
    rollups,
    definitions,
    sliSource,
    stats: async (window) => {
      await rollups.flush();
      return database.rollupStats(window);
    },
    adminRoutes: createAdminSloRoutes({ definitions, source: sliSource, flush: () => rollups.flush(), now: time.now }),
    async close() {
      stopRetention();
      await rollups.close();
    },
  };
}
