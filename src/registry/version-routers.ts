import { closeModelEntries, createModelEntry, type ModelEntry, type ProviderFactory } from "../providers/model-registry.js";
import type { DeploymentConfig, TimeoutsConfig } from "../providers/deployment-config-schema.js";
import type { ModelRouter } from "../routing/model-router.js";
import { createConfiguredRouter, type RoutingTable, type RoutingTableConfig } from "../routing/routing-table.js";
import type { VersionSpec } from "./version-spec.js";

/** The part of the config version routers read: each model's routing policy and timeouts. */
export interface VersionRoutersConfig {
  readonly timeouts: TimeoutsConfig;
  readonly models: readonly (RoutingTableConfig["models"][number] & { readonly deployments: readonly DeploymentConfig[] })[];
}

/** Routers for registry versions, built once per version (versions are immutable) and kept until shutdown. */
export interface VersionRouters {
  /** The router serving `version` of `model`; undefined for a model the config does not define. */
  routerFor(model: string, version: number, spec: VersionSpec, specHash: string): ModelRouter | undefined;
  close(): Promise<void>;
}

/**
 * A version whose spec is the config's current definition is served by the config's own router (same deployments,
 * breakers and health checks); any other gets its own deployments, named `<model>#<version>/<index>`, under the
 * model's routing policy (strategy, retries, breaker, fallbacks, fast path) from the config.
 */
export function createVersionRouters(config: VersionRoutersConfig, routing: RoutingTable, configHashes: ReadonlyMap<string, string>, factory: ProviderFactory): VersionRouters {
  const models = new Map(config.models.map((model) => [model.name, model]));
  const built = new Map<string, ModelRouter>();
  const entries: ModelEntry[] = [];
  return {
    routerFor(model, version, spec, specHash) {
      const modelConfig = models.get(model);
      const base = routing.get(model);
      if (modelConfig === undefined || base === undefined) return undefined;
      if (configHashes.get(model) === specHash) return base;
      const key = `${model}#${version}`;
      let router = built.get(key);
      if (router === undefined) {
        const entry = createModelEntry({ name: model, deployments: spec.deployments, timeouts: modelConfig.timeouts }, config.timeouts, factory, key);
        entries.push(entry);
        router = createConfiguredRouter({ ...modelConfig, deployments: spec.deployments }, entry, config.timeouts, routing.clock, routing.random, base.fastPath);
        built.set(key, router);
      }
      return router;
    },
    close: () => closeModelEntries(entries),
  };
}
