import type { TimeoutsConfig } from "../providers/deployment-config-schema.js";
import type { ModelEntry, ModelRegistry } from "../providers/model-registry.js";
import { createRulesProvider, type RulesProvider } from "../providers/rules/rules-provider.js";
import { systemClock, systemSchedule, type Clock, type Random, type Schedule } from "./clock.js";
import { createModelRouter, type ModelRouter } from "./model-router.js";
import { breakerSchema, retrySchema, type BreakerConfig, type FastPathConfig, type RetryConfig, type RoutingConfig } from "./routing-config-schema.js";
import { abortableSleep, type Sleep } from "./abortable-sleep.js";

/** Every model's router plus the clock, randomness and sleep the attempt loop uses. */
export interface RoutingTable {
  get(modelName: string): ModelRouter | undefined;
  /** Every model's router, in config order. */
  list(): readonly ModelRouter[];
  readonly clock: Clock;
  readonly random: Random;
  readonly sleep: Sleep;
  /** Timers for first-byte deadlines. */
  readonly schedule: Schedule;
}

export interface RoutingTableOptions {
  clock?: Clock;
  random?: Random;
  sleep?: Sleep;
  schedule?: Schedule;
}

/** The part of the gateway config routing reads: each model's routing, retries, breaker, fallbacks and fast path. */
export interface RoutingTableConfig {
  readonly timeouts: TimeoutsConfig;
  readonly models: readonly {
    readonly name: string;
    readonly deployments: readonly unknown[];
    readonly routing: RoutingConfig;
    readonly retry?: RetryConfig | undefined;
    readonly breaker?: BreakerConfig | undefined;
    readonly fallbacks: readonly string[];
    readonly fast_path?: FastPathConfig | undefined;
    readonly timeouts?: TimeoutsConfig | undefined;
  }[];
}

const defaultTotalMs = 600_000;

/**
 * Builds a router per model (rules files for fast paths are read here, at startup).
 */
export function createRoutingTable(config: RoutingTableConfig, registry: ModelRegistry, options: RoutingTableOptions = {}): RoutingTable {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const routers = new Map<string, ModelRouter>();
  for (const model of config.models) {
    const entry = registry.get(model.name);
    if (entry !== undefined) routers.set(model.name, createConfiguredRouter(model, entry, config.timeouts, clock, random));
  }
  const list = [...routers.values()];
  return { get: (name) => routers.get(name), list: () => list, clock, random, sleep: options.sleep ?? abortableSleep, schedule: options.schedule ?? systemSchedule };
}

/**
 * One model's router from its config and deployments. Retries and the breaker default on only where a model has
 * somewhere else to go (another deployment or a fallback): with a single upstream they would just turn a clear
 * upstream error into a retried or 503 one. `fastPath` replaces the config's rules when given (a registry version
 * shares its model's already loaded rules).
 */
export function createConfiguredRouter(
  model: RoutingTableConfig["models"][number],
  entry: ModelEntry,
  timeouts: TimeoutsConfig,
  clock: Clock,
  random: Random,
  fastPath?: RulesProvider,
): ModelRouter {
  const hasAlternative = entry.deployments.length > 1 || model.fallbacks.length > 0;
  const retry = model.retry ?? { ...retrySchema.parse({}), ...(hasAlternative ? {} : { max_attempts: 1 }) };
  const breaker = model.breaker ?? (hasAlternative ? breakerSchema.parse({}) : undefined);
  return createModelRouter({
    model: entry,
    routing: model.routing,
    retry,
    breaker,
    fallbacks: model.fallbacks,
    deadlineMs: model.timeouts?.total_ms ?? timeouts.total_ms ?? defaultTotalMs,
    fastPath: fastPath ?? (model.fast_path === undefined ? undefined : createRulesProvider({ rulesFile: model.fast_path.rules_file, modelName: model.name, serveAny: model.fast_path.serve_any })),
    clock,
    random,
  });
}
