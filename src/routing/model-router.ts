import type { ModelEntry } from "../providers/model-registry.js";
import type { RulesProvider } from "../providers/rules/rules-provider.js";
import { createCircuitBreaker } from "./circuit-breaker.js";
import type { Clock, Random } from "./clock.js";
import { createDeploymentHealth } from "./deployment-health.js";
import { isAvailable, type DeploymentState } from "./deployment-state.js";
import { beginLease, type Lease } from "./lease.js";
import { createPeakEwma } from "./peak-ewma.js";
import { createFirstByteDeadline } from "./first-byte-deadline.js";
import { createOutlierEjection } from "./outlier-ejection.js";
import { createRetryBudget, retryFloor, type RetryBudget } from "./retry-budget.js";
import { healthCheckSchema, type BreakerConfig, type HealthCheckConfig, type RetryConfig, type RoutingConfig } from "./routing-config-schema.js";
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
  /**
   * How long an attempt on `state` may wait for its first byte before it is retried elsewhere; undefined (wait for the
   * deployment's own timeout) when no other untried deployment could take the retry.
   */
  firstByteDeadline(state: DeploymentState, tried: ReadonlySet<number>, stream: boolean): number | undefined;
  /** Records a successful attempt's time to first byte, which the deadline adapts to. */
  observeFirstByte(stream: boolean, ms: number): void;
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
  // On by default once a model has two HTTP upstreams to choose between: a dead one leaves rotation before traffic finds it.
  const probeable = model.deployments.filter((deployment) => deployment.upstream !== undefined).length;
  const healthConfig = options.routing.health_check ?? (probeable > 1 ? healthCheckSchema.parse({}) : undefined);
  const healthCheck = healthConfig?.enabled === true ? healthConfig : undefined;
  const admits = (state: DeploymentState): boolean => isAvailable(state) && !state.ejection.ejected();
  const states: DeploymentState[] = model.deployments.map((deployment, index) => ({
    deployment,
    index,
    breaker: createCircuitBreaker(options.breaker, clock),
    ejection: createOutlierEjection(options.routing.ejection, clock, () => states.some((other) => other.index !== index && admits(other))),
    latency: createPeakEwma(options.routing.decay_ms, clock),
    inFlight: 0,
    // Only HTTP upstreams can be probed; in-process providers report readiness through their own state.
    ...(healthCheck !== undefined && deployment.upstream !== undefined ? { health: createDeploymentHealth() } : {}),
  }));
  const strategy = createStrategy(options.routing, states.length, options.random);
  const { retry } = options;
  const deadline = retry.first_byte_ms > 0 && states.length > 1 ? createFirstByteDeadline(retry.first_byte_ms, retry.first_byte_multiple) : undefined;
  return {
    model,
    retry: options.retry,
    budget: createRetryBudget(
      { ratio: retry.budget_ratio, minRetries: retryFloor(retry.budget_min_retries_per_second, retry.budget_window_ms, retry.budget_min_retries), windowMs: retry.budget_window_ms },
      clock,
    ),
    fallbacks: options.fallbacks,
    deadlineMs: options.deadlineMs,
    fastPath: options.fastPath,
    states,
    healthCheck,
    key: (input) => strategy.key(input),
    pick(key, tried, notBefore) {
      const now = clock.now();
      const ready = states.filter((state) => (notBefore.get(state.index) ?? 0) <= now && isAvailable(state));
      if (ready.length === 0) return undefined;
      // Ejected deployments serve only when nothing else can (Envoy's panic mode): ejection never refuses a request.
      const admitted = ready.filter((state) => !state.ejection.ejected());
      const available = admitted.length > 0 ? admitted : ready;
      const untried = tried.size === 0 ? available : available.filter((state) => !tried.has(state.index));
      return strategy.pick(untried.length > 0 ? untried : available, key);
    },
    firstByteDeadline(state, tried, stream) {
      if (deadline === undefined) return undefined;
      const alternative = states.some((other) => other.index !== state.index && !tried.has(other.index) && admits(other));
      return alternative ? deadline.deadlineMs(stream) : undefined;
    },
    observeFirstByte: (stream, ms) => deadline?.observe(stream, ms),
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
