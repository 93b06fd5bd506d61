import type { Deployment } from "../providers/model-registry.js";
import type { CircuitBreaker } from "./circuit-breaker.js";
import type { DeploymentHealth } from "./deployment-health.js";
import type { OutlierEjection } from "./outlier-ejection.js";
import type { PeakEwma } from "./peak-ewma.js";

/** What routing knows about one deployment: load, latency, breaker and (when probed) active health. */
export interface DeploymentState {
  readonly deployment: Deployment;
  /** Position in the model's deployment list; strategies keep per-deployment state by it. */
  readonly index: number;
  readonly breaker: CircuitBreaker;
  /** Passive ejection on the first failures; routing prefers deployments that are not ejected. */
  readonly ejection: OutlierEjection;
  readonly latency: PeakEwma;
  inFlight: number;
  /** Present only when the model has `routing.health_check` and the deployment is an HTTP upstream. */
  readonly health?: DeploymentHealth;
}

/** Whether the deployment may take a request now: provider ready, active health check passing, breaker admits. */
export function isAvailable(state: DeploymentState): boolean {
  return state.deployment.provider.state().state === "ready" && state.health?.healthy !== false && state.breaker.available();
}

/** Load for least-loaded choices: our own in-flight requests plus what the upstream reported from elsewhere. */
export function loadOf(state: DeploymentState): number {
  return state.inFlight + (state.health?.externalLoad ?? 0);
}
