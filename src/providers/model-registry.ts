import type { DeploymentConfig, TimeoutsConfig } from "./deployment-config-schema.js";
import type { Provider } from "../pipeline/provider.js";
import { createOpenAiCompatibleProvider } from "./openai-compatible/openai-compatible-provider.js";
import { createRulesProvider } from "./rules/rules-provider.js";
import { createLlamaCppProvider } from "./llama-cpp/llama-cpp-provider.js";
import { llamaEngineOptionsFromConfig } from "./llama-cpp/llama-cpp-engine-options.js";

/** One deployment of a model: a provider plus the name the upstream knows the model by. */
export interface Deployment {
  /** Stable id for headers, logs and metrics: `<model>/<index>`. */
  readonly id: string;
  readonly upstreamModel: string;
  readonly provider: Provider;
  /** Share of traffic under weighted round-robin (config `weight`, default 1). */
  readonly weight: number;
  /** Where an HTTP upstream lives, for active health checks; absent for in-process providers. */
  readonly upstream?: UpstreamEndpoint;
}

/** An HTTP upstream's base URL and the headers (auth included) a probe of it must send. */
export interface UpstreamEndpoint {
  readonly baseUrl: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** A client-facing model name and its deployments. */
export interface ModelEntry {
  readonly name: string;
  readonly deployments: readonly Deployment[];
}

export interface ModelRegistry {
  get(name: string): ModelEntry | undefined;
  list(): readonly ModelEntry[];
  close(): Promise<void>;
}

/** Every timeout with its value decided. */
export type ResolvedTimeouts = { [Key in keyof TimeoutsConfig]-?: number };

/** Builds a provider for one deployment config; one function per provider kind. */
export type ProviderFactory = (deployment: DeploymentConfig, modelName: string, timeouts: ResolvedTimeouts) => Provider;

const defaultTimeouts: ResolvedTimeouts = { connect_ms: 5_000, first_byte_ms: 120_000, idle_ms: 60_000, total_ms: 600_000 };

/** The built-in provider kinds. */
export const createProvider: ProviderFactory = (deployment, modelName, timeouts) => {
  switch (deployment.provider) {
    case "openai-compatible":
      return createOpenAiCompatibleProvider({
        baseUrl: deployment.base_url,
        ...(deployment.api_key === undefined ? {} : { apiKey: deployment.api_key }),
        ...(deployment.headers === undefined ? {} : { headers: deployment.headers }),
        maxConnections: deployment.max_connections,
        streamUsage: deployment.stream_usage,
        ...(deployment.normalize === undefined ? {} : { normalize: deployment.normalize }),
        timeouts: { connectMs: timeouts.connect_ms, firstByteMs: timeouts.first_byte_ms, idleMs: timeouts.idle_ms, totalMs: timeouts.total_ms },
      });
    case "rules":
      return createRulesProvider({ rulesFile: deployment.rules_file, modelName });
    case "llama-cpp":
      return createLlamaCppProvider({ engine: llamaEngineOptionsFromConfig(deployment, modelName), timeouts: { firstByteMs: timeouts.first_byte_ms, totalMs: timeouts.total_ms }, normalize: deployment.normalize });
  }
};

/** The part of the gateway config the registry reads: each model's deployments and the timeouts that layer over them. */
export interface ModelRegistryConfig {
  readonly timeouts: TimeoutsConfig;
  readonly models: readonly { readonly name: string; readonly deployments: readonly DeploymentConfig[]; readonly timeouts?: TimeoutsConfig | undefined }[];
}

/** Builds every model's deployments from config; timeouts layer global, then model, then deployment, key by key. */
export function createModelRegistry(config: ModelRegistryConfig, factory: ProviderFactory = createProvider): ModelRegistry {
  const models = new Map<string, ModelEntry>();
  for (const model of config.models) models.set(model.name, createModelEntry(model, config.timeouts, factory));
  const list = [...models.values()];
  return {
    get: (name) => models.get(name),
    list: () => list,
    close: () => closeModelEntries(list),
  };
}

/**
 * One model's deployments with their providers. `idPrefix` names the deployments (`<prefix>/<index>`): the model's
 * name, or a registry version's own prefix so a version's deployments stay apart from the config's in metrics.
 */
export function createModelEntry(model: ModelRegistryConfig["models"][number], globalTimeouts: TimeoutsConfig, factory: ProviderFactory, idPrefix = model.name): ModelEntry {
  const deployments = model.deployments.map((deployment, index): Deployment => {
    const timeouts = resolveTimeouts(globalTimeouts, model.timeouts, "timeouts" in deployment ? deployment.timeouts : undefined);
    return {
      id: `${idPrefix}/${index}`,
      upstreamModel: ("upstream_model" in deployment ? deployment.upstream_model : undefined) ?? model.name,
      provider: factory(deployment, model.name, timeouts),
      weight: deployment.weight,
      ...(deployment.provider === "openai-compatible" ? { upstream: upstreamEndpoint(deployment) } : {}),
    };
  });
  return { name: model.name, deployments };
}

/** Closes every provider of these models. */
export async function closeModelEntries(models: readonly ModelEntry[]): Promise<void> {
  await Promise.allSettled(models.flatMap((model) => model.deployments.map((deployment) => deployment.provider.close())));
}

/** The probe address of an openai-compatible deployment: its base URL with the same auth and extra headers as requests. */
function upstreamEndpoint(deployment: Extract<DeploymentConfig, { provider: "openai-compatible" }>): UpstreamEndpoint {
  const headers: Record<string, string> = { ...deployment.headers };
  if (deployment.api_key !== undefined) headers["authorization"] = `Bearer ${deployment.api_key}`;
  return { baseUrl: deployment.base_url, headers };
}

/** Layers timeouts: built-in defaults, then global config, then the deployment's own, skipping unset keys. */
function resolveTimeouts(...layers: readonly (TimeoutsConfig | undefined)[]): ResolvedTimeouts {
  const resolved = { ...defaultTimeouts };
  for (const layer of layers) {
    if (layer === undefined) continue;
    for (const key of Object.keys(resolved) as (keyof TimeoutsConfig)[]) {
      const value = layer[key];
      if (value !== undefined) resolved[key] = value;
    }
  }
  return resolved;
}
