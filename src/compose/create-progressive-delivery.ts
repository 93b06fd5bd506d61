import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { costOf } from "../accounting/pricing.js";
import type { PriceBook } from "../accounting/price-book.js";
import { createAlertDelivery, type AlertDelivery } from "../alerts/alert-delivery.js";
import { createAlertLease } from "../alerts/alert-lease.js";
import { createAlertSinks } from "../alerts/create-alert-sinks.js";
import type { GatewayConfig } from "../config/schema.js";
import { createAdminProgressiveRoutes } from "../http/routes/admin-progressive-routes.js";
import type { MethodHandlers } from "../http/route-table.js";
import type { AnswerStage } from "../pipeline/answer.js";
import type { Logger } from "../pipeline/logger.js";
import { createCanaryAnalyzer, type CanaryAnalyzer } from "../registry/canary-analysis.js";
import { createCanaryStore } from "../registry/canary-store.js";
import type { ModelRegistryService } from "../registry/model-registry-service.js";
import { createShadowStore } from "../registry/shadow-store.js";
import { createShadowTraffic, type ShadowTraffic } from "../registry/shadow-traffic.js";
import type { Sleep } from "../routing/abortable-sleep.js";
import type { Schedule } from "../routing/clock.js";
import type { ModelVersionResolver } from "../routing/model-version-resolver.js";
import type { RoutingTable } from "../routing/routing-table.js";
import type { GatewayStore } from "../store/gateway-store.js";

/** Shadow traffic and canary analysis, as the gateway wires them (docs/registry.md). */
export interface ProgressiveDelivery {
  /** The registry's resolver with the shadow hook attached. */
  readonly resolver: ModelVersionResolver;
  /** The innermost answer stage (it notes what shadowed requests were answered); none when no model is shadowed. */
  readonly stages: readonly AnswerStage[];
  readonly adminRoutes: Map<string, MethodHandlers>;
  readonly shadow: ShadowTraffic;
  readonly canary: CanaryAnalyzer;
  close(): Promise<void>;
}

export interface ProgressiveDeliveryDeps {
  readonly config: GatewayConfig;
  readonly service: ModelRegistryService;
  readonly resolver: ModelVersionResolver;
  readonly routing: RoutingTable;
  readonly database: GatewayStore;
  readonly prices: PriceBook;
  readonly logger: Logger;
  readonly now: () => number;
  readonly schedule: Schedule;
  readonly sleep: Sleep;
}

// As for alerts: the lease outlives a few missed rounds, so one slow round does not hand the job to another replica.
const leaseRounds = 3;

/** Builds shadow traffic, the canary analyzer and its job (one replica at a time, under a lease), and their admin routes. */
export function createProgressiveDelivery(deps: ProgressiveDeliveryDeps): ProgressiveDelivery {
  const { config, database, logger } = deps;
  const registryConfig = config.registry;
  const shadowStore = createShadowStore(database.sql);
  const shadow = createShadowTraffic({
    configs: registryConfig.shadow,
    snapshot: deps.service.snapshot,
    routing: deps.routing,
    policy: (name) => {
      const model = config.models.find((candidate) => candidate.name === name);
      if (model === undefined) return undefined;
      return { model: { name, routing: model.routing, retry: model.retry, breaker: model.breaker, timeouts: model.timeouts }, globalTimeouts: config.timeouts };
    },
    store: shadowStore,
    cost: (model, usage) => costOf(deps.prices.pricing(model), usage),
    now: deps.now,
    random: Math.random,
    logger,
  });
  // Rollbacks page through the alert sinks when alerts are configured, else through the log.
  const delivery: AlertDelivery = createAlertDelivery({
    sinks: createAlertSinks(config.alerts?.sinks ?? [{ kind: "log" }], logger),
    config: config.alerts?.delivery ?? { max_attempts: 5, initial_backoff_ms: 1000, max_backoff_ms: 60_000, timeout_ms: 10_000, queue_size: 1000 },
    logger,
    sleep: deps.sleep,
  });
  const canaryStore = createCanaryStore(database.sql);
  const lease = createAlertLease(database.sql, { name: "canary-analysis", holder: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`, ttlMs: leaseRounds * registryConfig.analysis_tick });
  const canary = createCanaryAnalyzer({
    store: canaryStore,
    registry: deps.service,
    rollups: database,
    lease,
    configured: registryConfig.canary,
    notify: (notification) => delivery.enqueue(notification),
    shadowAgreement: (model, version) => shadowStore.agreement(model, version),
    now: deps.now,
    logger,
  });
  // Rounds never overlap: the next is scheduled once the previous has finished.
  let stopped = false;
  let cancel = (): void => undefined;
  const round = (): void => {
    void canary
      .tick()
      .catch((error: unknown) => logger.warn({ err: error }, "canary analysis round failed"))
      .finally(() => {
        if (!stopped) cancel = deps.schedule(round, registryConfig.analysis_tick);
      });
  };
  cancel = deps.schedule(round, registryConfig.analysis_tick);
  return {
    resolver: { resolve: (context, request) => deps.resolver.resolve(context, request), answered: (context, choice) => shadow.answered(context, choice) },
    stages: Object.keys(registryConfig.shadow).length === 0 ? [] : [shadow.stage],
    adminRoutes: createAdminProgressiveRoutes({ shadow: { store: shadowStore, traffic: shadow }, canary: { store: canaryStore, analyzer: canary } }),
    shadow,
    canary,
    async close() {
      stopped = true;
      cancel();
      await shadow.close();
      await shadowStore.flush();
      delivery.close();
      await lease.release().catch((error: unknown) => logger.warn({ err: error }, "releasing the canary lease failed"));
    },
  };
}
