import { ClientAbortedError, GatewayError } from "../errors/gateway-error.js";
import type { Deployment } from "../providers/model-registry.js";
import { backoffDelay } from "./backoff.js";
import type { Schedule } from "./clock.js";
import type { Lease } from "./lease.js";
import type { ModelRouter } from "./model-router.js";
import type { RoutingTable } from "./routing-table.js";
import type { RoutingInput } from "./strategies/routing-strategy.js";

/** What the loop has done so far; the route turns it into `x-gantry-*` headers, on success and on failure. */
export interface AttemptProgress {
  attempts: number;
  model: string;
  deployment: string | undefined;
  /** 0 for the requested model, n for the n-th fallback. */
  fallbackPosition: number;
}

/** The successful attempt: its value and the lease the caller ends once the answer is delivered. */
export interface AttemptSuccess<T> {
  readonly value: T;
  readonly lease: Lease;
}

/**
 * Runs one attempt on a deployment of `model`; throws to fail it. `signal` is the attempt's own: the client's, plus
 * the first-byte deadline that moves a hanging attempt to another deployment.
 */
export type Attempt<T> = (deployment: Deployment, signal: AbortSignal, lease: Lease, model: ModelRouter) => Promise<T>;

/**
 * Tries the model's deployments (retrying retryable failures with backoff, within the retry budget, preferring
 * deployments not yet tried and honouring Retry-After), then its fallbacks in order. Throws the last failure.
 * An attempt counts as done once `attempt` resolves, so a stream must resolve only after its first part; one that has
 * not resolved within the model's first-byte deadline is aborted and retried while another deployment can take it.
 */
export async function runAttempts<T>(
  table: RoutingTable,
  primary: ModelRouter,
  input: RoutingInput,
  signal: AbortSignal,
  progress: AttemptProgress,
  attempt: Attempt<T>,
): Promise<AttemptSuccess<T>> {
  const stream = input.body["stream"] === true;
  const chain = [primary, ...primary.fallbacks.flatMap((name) => table.get(name) ?? [])];
  let lastError: unknown;
  for (const [position, router] of chain.entries()) {
    progress.model = router.model.name;
    progress.fallbackPosition = position;
    router.budget.request();
    const key = router.key(input);
    const tried = new Set<number>();
    // Retry-After is per request: other requests may still find the upstream willing, and the breaker ignores 429s.
    const notBefore = new Map<number, number>();
    const startedAt = table.clock.now();
    let modelError: unknown;
    let unsupported = false;
    for (let attempts = 0; attempts < router.retry.max_attempts; ) {
      throwIfAborted(signal);
      const state = router.pick(key, tried, notBefore);
      if (state === undefined) {
        const wait = router.coolDownRemaining(notBefore);
        const remaining = router.deadlineMs - (table.clock.now() - startedAt);
        // Retry-After is honoured, never cut short: wait it out only when it fits, else give up with the 429.
        if (wait !== undefined && wait <= router.retry.max_delay_ms && wait <= remaining) {
          await table.sleep(wait, signal);
          continue;
        }
        break;
      }
      if (attempts > 0) {
        if (!router.budget.tryRetry()) break;
        const delay = backoffDelay(attempts, router.retry.base_delay_ms, router.retry.max_delay_ms, table.random);
        if (delay > 0) await table.sleep(delay, signal);
      }
      attempts++;
      progress.attempts++;
      progress.deployment = state.deployment.id;
      tried.add(state.index);
      const lease = router.begin(state);
      const deadlineMs = attempts < router.retry.max_attempts ? router.firstByteDeadline(state, tried, stream) : undefined;
      const armed = deadlineMs === undefined ? undefined : armFirstByteDeadline(signal, deadlineMs, table.schedule, state.deployment.id);
      const attemptStartedAt = table.clock.now();
      try {
        const value = await attempt(state.deployment, armed?.signal ?? signal, lease, router);
        router.observeFirstByte(stream, table.clock.now() - attemptStartedAt);
        return { value, lease };
      } catch (error) {
        lease.fail(error);
        if (error instanceof ClientAbortedError || signal.aborted) throw error;
        // A fallback that cannot serve this operation at all (rules asked for embeddings) is skipped, so the
        // client learns why the requested model failed rather than what the fallback cannot do.
        if (position > 0 && lastError !== undefined && error instanceof GatewayError && error.code === "operation_not_supported") {
          unsupported = true;
          break;
        }
        if (!(error instanceof GatewayError) || !error.retryable) throw error;
        modelError = error;
        if (error.retryAfterMs !== undefined) notBefore.set(state.index, table.clock.now() + error.retryAfterMs);
      } finally {
        armed?.disarm();
      }
    }
    if (!unsupported) lastError = modelError ?? noDeployment(router);
  }
  throw lastError;
}

/** The attempt's signal: aborts with the client's reason, or with a retryable upstream_timeout once `ms` pass. */
function armFirstByteDeadline(signal: AbortSignal, ms: number, schedule: Schedule, deployment: string): { signal: AbortSignal; disarm: () => void } {
  const controller = new AbortController();
  const forward = (): void => controller.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener("abort", forward, { once: true });
  const disarm = schedule(() => {
    controller.abort(new GatewayError("upstream_timeout", { message: `Deployment ${deployment} sent no first byte within ${ms} ms (routing first-byte deadline).` }));
  }, ms);
  return { signal: controller.signal, disarm };
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new ClientAbortedError();
}

/** 503 for a model whose deployments are all open or cooling down, unless an upstream error of its own says more. */
function noDeployment(router: ModelRouter): GatewayError {
  return new GatewayError("no_deployment_available", {
    message: `No deployment of model "${router.model.name}" is available: every deployment is unhealthy (circuit open or failing health checks), not ready, or asked to wait (Retry-After).`,
  });
}
