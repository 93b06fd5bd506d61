import type { GatewayConfig } from "../config/schema.js";
import type { MethodHandlers } from "../http/route-table.js";
import { createAdminModelRoutes } from "../http/routes/admin-models.js";
import type { Logger } from "../pipeline/logger.js";
import type { ProviderFactory } from "../providers/model-registry.js";
import type { AuditLog } from "../auth/audit-log.js";
import { createGateVerdictStore } from "../evals/gate-verdict-store.js";
import { createModelRegistryService, type ModelRegistryService } from "../registry/model-registry-service.js";
import { createPromotionGate } from "../registry/promotion-gate.js";
import { startRegistryReplication } from "../registry/registry-replication.js";
import { createVersionResolver } from "../registry/version-resolver.js";
import { createVersionRouters } from "../registry/version-routers.js";
import { configVersionSpec, versionSpecHash } from "../registry/version-spec.js";
import type { Schedule } from "../routing/clock.js";
import { configOnlyVersions, type ModelVersionResolver } from "../routing/model-version-resolver.js";
import type { RoutingTable } from "../routing/routing-table.js";
import type { GatewayStore } from "../store/gateway-store.js";
import { listenForRegistryChanges } from "../store/registry-listener.js";

/** The registry as the gateway uses it: the hot-path resolver, a routing view, admin routes and a way to stop. */
export interface ModelVersions {
  readonly resolver: ModelVersionResolver;
  /** Bare model names route to their `prod` version here (fallbacks, embeddings, fast paths). */
  readonly routing: RoutingTable;
  readonly adminRoutes: Map<string, MethodHandlers>;
  /** Undefined when the registry is off. */
  readonly service: ModelRegistryService | undefined;
  close(): Promise<void>;
}

export interface ModelVersionsDeps {
  config: GatewayConfig;
  store: GatewayStore | undefined;
  routing: RoutingTable;
  factory: ProviderFactory;
  logger: Logger;
  now: () => number;
  schedule: Schedule;
  /** Refused promotions are recorded here (the admin audit log). */
  audit: AuditLog;
}

/**
 * Builds the model registry: syncs the config's models into it as versions, loads its snapshot, and keeps that
 * current from PostgreSQL notifications and a stamp poll. Off (or with no database), models route from config alone.
 */
export async function createModelVersions(deps: ModelVersionsDeps): Promise<ModelVersions> {
  const { config, store, logger } = deps;
  if (!config.registry.enabled || store === undefined) {
    return { resolver: configOnlyVersions, routing: deps.routing, adminRoutes: new Map(), service: undefined, close: async () => undefined };
  }
  const configSpecs = config.models.map((model) => ({ name: model.name, spec: configVersionSpec(model.deployments) }));
  const routers = createVersionRouters(config, deps.routing, new Map(configSpecs.map((model) => [model.name, versionSpecHash(model.spec)])), deps.factory);
  const promotionBlocker = createPromotionGate(config.registry.promotion, createGateVerdictStore(store.sql));
  const service = createModelRegistryService({ store, routers, now: deps.now, logger, promotionBlocker, audit: deps.audit });
  await service.syncConfig(configSpecs);
  const url = config.database.url;
  const replication = startRegistryReplication({
    reload: () => service.reload(),
    pollMs: config.registry.poll_ms,
    schedule: deps.schedule,
    logger,
    ...(url === undefined ? {} : { listen: (onChange, onLost) => listenForRegistryChanges(url, onChange, onLost) }),
  });
  return {
    resolver: createVersionResolver({ snapshot: service.snapshot, sessionHeader: config.registry.session_header }),
    routing: service.routing(deps.routing),
    adminRoutes: createAdminModelRoutes(service),
    service,
    close: async () => {
      await replication.stop();
      await routers.close();
    },
  };
}
