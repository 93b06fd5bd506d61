import type { GatewayConfig } from "../config/schema.js";
import type { MethodHandlers } from "../http/route-table.js";
import { createAdminModelRoutes } from "../http/routes/admin-models.js";
import type { Logger } from "../pipeline/logger.js";
import type { ProviderFactory } from "../providers/model-registry.js";
import type { AuditLog } from "../auth/audit-log.js";
import { createGateVerdictStore } from "../evals/gate-verdict-store.js";
import { createModelRegistryService, type ModelRegistryService } from "../registry/model-registry-service.js";
import { createPromotionGate } from "../registry/promotion-gate.js";
import { startRegistryReplication, type RegistryReplication } from "../registry/registry-replication.js";
import { createVersionResolver } from "../registry/version-resolver.js";
import { createVersionRouters, type VersionRouters } from "../registry/version-routers.js";
import { configVersionSpec, versionSpecHash } from "../registry/version-spec.js";
import type { Schedule } from "../routing/clock.js";
import { configOnlyVersions, type ModelVersionResolver } from "../routing/model-version-resolver.js";
import type { RoutingTable } from "../routing/routing-table.js";
import type { GatewayStore } from "../store/gateway-store.js";
import { listenForRegistryChanges } from "../store/registry-listener.js";

/** The registry as the gateway uses it: the hot-path resolver, admin routes, and the routing of each config generation. */
export interface ModelVersions {
  readonly resolver: ModelVersionResolver;
  readonly adminRoutes: Map<string, MethodHandlers>;
  /** Undefined when the registry is off. */
  readonly service: ModelRegistryService | undefined;
  /**
   * Puts a config generation's models under the registry (each definition a version, a changed one the new prod) and
   * returns the routing in which bare model names route to their `prod` version (fallbacks, embeddings, fast paths).
   * Versions' providers come from `factory`, whose owner closes them. Without the registry: `routing` itself.
   */
  bind(config: GatewayConfig, routing: RoutingTable, factory: ProviderFactory): Promise<RoutingTable>;
  close(): Promise<void>;
}

export interface ModelVersionsDeps {
  config: GatewayConfig;
  store: GatewayStore | undefined;
  logger: Logger;
  now: () => number;
  schedule: Schedule;
  /** Refused promotions are recorded here (the admin audit log). */
  audit: AuditLog;
}

/**
 * Builds the model registry: its snapshot is kept current from PostgreSQL notifications and a stamp poll (started
 * with the first generation), and rebuilt over each config generation's routers. Off (or with no database), models
 * route from config alone.
 */
export function createModelVersions(deps: ModelVersionsDeps): ModelVersions {
  const { config, store, logger } = deps;
  if (!config.registry.enabled || store === undefined) {
    return { resolver: configOnlyVersions, adminRoutes: new Map(), service: undefined, bind: async (_config, routing) => routing, close: async () => undefined };
  }
  // The service outlives reloads; the routers its snapshot binds versions to are the generation's in force.
  let routers: VersionRouters = { routerFor: () => undefined, close: async () => undefined };
  const service = createModelRegistryService({ store, routers: { routerFor: (...version) => routers.routerFor(...version), close: async () => undefined }, now: deps.now, logger, promotionBlocker: createPromotionGate(config.registry.promotion, createGateVerdictStore(store.sql)), audit: deps.audit });
  const url = config.database.url;
  let replication: RegistryReplication | undefined;
  // Each model's definition as the registry last took it: a reload writes only what changed since.
  let synced = new Map<string, string>();
  return {
    resolver: createVersionResolver({ snapshot: service.snapshot, sessionHeader: config.registry.session_header }),
    adminRoutes: createAdminModelRoutes(service),
    service,
    async bind(generation, routing, factory) {
      const configSpecs = generation.models.map((model) => ({ name: model.name, spec: configVersionSpec(model.deployments) }));
      const hashes = new Map(configSpecs.map((model) => [model.name, versionSpecHash(model.spec)]));
      // The writes first (their own snapshot still binds the routers in force: other replicas' writes may land
      // while this one waits for the registry lock), then the snapshot over the new routers, which goes live in the
      // same turn as the generation.
      const changed = configSpecs.filter((model) => synced.get(model.name) !== hashes.get(model.name));
      if (changed.length > 0) await service.syncConfig(changed);
      synced = hashes;
      const previous = routers;
      routers = createVersionRouters(generation, routing, hashes, factory);
      try {
        await service.reload(true);
      } catch (error) {
        routers = previous;
        await service.reload(true).catch(() => undefined);
        throw error;
      }
      replication ??= startRegistryReplication({
        reload: () => service.reload(),
        pollMs: config.registry.poll_ms,
        schedule: deps.schedule,
        logger,
        ...(url === undefined ? {} : { listen: (onChange, onLost) => listenForRegistryChanges(url, onChange, onLost) }),
      });
      return service.routing(routing);
    },
    close: async () => {
      await replication?.stop();
    },
  };
}
