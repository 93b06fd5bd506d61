import type { ModelEntry } from "../providers/model-registry.js";
import type { RulesProvider } from "../providers/rules/rules-provider.js";
import { createCircuitBreaker } from "./circuit-breaker.js";
import type { Clock, Random } from "./clock.js";
import { createDeploymentHealth } from "./deployment-health.js";
import { isAvailable, type DeploymentState } from "./deployment-state.js";
import { beginLease, type Lease } from "./lease.js";
import { createPeakEwma } from "./peak-ewma.js";
import { createRetryBudget, type RetryBudget } from "./retry-budget.js";
import type { BreakerConfig, HealthCheckConfig, RetryConfig, RoutingConfig } from "./routing-config-schema.js";
import { createStrategy } from "./strategies/create-strategy.js";
import type { RoutingInput } from "./strategies/routing-strategy.js";

/** One model's routing: its deployments' state, strategy, retry policy and budget, fallbacks and fast path. */
export interface ModelRouter {
  readonly model: ModelEntry;
  readonly retry: RetryConfig;
  readonly budget: RetryBudget;
  readonly fallbacks: readonly string[];
  /** Longest time the whole attempt loop may spend waiting on this model (its total timeout). */
  readonly deadlineMs: number;
  readonly fastPath: RulesProvider | undefined;
  readonly states: readonly DeploymentState[];
  /** Active health checks for the deployments that carry `health`; undefined when off. */
  readonly healthCheck: HealthCheckConfig | undefined;
  key(input: RoutingInput): number | undefined;
  /**
   * An available deployment, preferring ones not yet tried for this request and skipping those whose Retry-After
   * (`notBefore`, clock time by index) has not passed; undefined when none is available.
   */
  pick(key: number | undefined, tried: ReadonlySet<number>, notBefore: ReadonlyMap<number, number>): DeploymentState | undefined;
  /** How long until a deployment held back only by its Retry-After becomes available again, if any is. */
  coolDownRemaining(notBefore: ReadonlyMap<number, number>): number | undefined;
  begin(state: DeploymentState): Lease;
}

export interface ModelRouterOptions {
  model: ModelEntry;
  routing: RoutingConfig;
  retry: RetryConfig;
  breaker: BreakerConfig | undefined;
  fallbacks: readonly string[];
  deadlineMs: number;
  fastPath: RulesProvider | undefined;
  clock: Clock;
  random: Random;
}

/** Creates a model's router; all state is per deployment and fixed in size. */
export function createModelRouter(options: ModelRouterOptions): ModelRouter {
  const { model, clock } = options;
  const healthCheck = options.routing.health_check?.enabled === true ? options.routing.health_check : undefined;
  const states: DeploymentState[] = model.deployments.map((deployment, index) => ({
    deployment,
    index,
    breaker: createCircuitBreaker(options.breaker, clock),
    latency: createPeakEwma(options.routing.decay_ms, clock),
    inFlight: 0,
    // Only HTTP upstreams can be probed; in-process providers report readiness through their own state.
    ...(healthCheck !== undefined && deployment.upstream !== undefined ? { health: createDeploymentHealth() } : {}),
  }));
  const strategy = createStrategy(options.routing, states.length, options.random);
  return {
    model,
    retry: options.retry,
    budget: createRetryBudget({ ratio: options.retry.budget_ratio, minRetries: options.retry.budget_min_retries, windowMs: options.retry.budget_window_ms }, clock),
    fallbacks: options.fallbacks,
    deadlineMs: options.deadlineMs,
    fastPath: options.fastPath,
    states,
    healthCheck,
    key: (input) => strategy.key(input),
    pick(key, tried, notBefore) {
      const now = clock.now();
      const available = states.filter((state) => (notBefore.get(state.index) ?? 0) <= now && isAvailable(state));
      if (available.length === 0) return undefined;
      const untried = tried.size === 0 ? available : available.filter((state) => !tried.has(state.index));
      return strategy.pick(untried.length > 0 ? untried : available, key);
    },
    coolDownRemaining(notBefore) {
      const now = clock.now();
      let soonest: number | undefined;
      for (const [index, until] of notBefore) {
        const state = states[index];
        if (state === undefined || until <= now || !isAvailable(state)) continue;
        soonest = Math.min(soonest ?? Infinity, until - now);
      }
      return soonest;
    },
    begin: (state) => beginLease(state, clock),
  };
}
