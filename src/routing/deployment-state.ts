import type { Deployment } from "../providers/model-registry.js";
import type { CircuitBreaker } from "./circuit-breaker.js";
import type { PeakEwma } from "./peak-ewma.js";

/** What routing knows about one deployment: load, latency and breaker. */
export interface DeploymentState {
  readonly deployment: Deployment;
  /** Position in the model's deployment list; strategies keep per-deployment state by it. */
  readonly index: number;
  readonly breaker: CircuitBreaker;
  readonly latency: PeakEwma;
  inFlight: number;
}

/** Whether the deployment may take a request now: provider ready and breaker admits. */
export function isAvailable(state: DeploymentState): boolean {
  return state.deployment.provider.state().state === "ready" && state.breaker.available();
}
