import type { DeploymentState } from "../deployment-state.js";
import type { RoutingStrategy } from "./routing-strategy.js";

/** Smooth weighted round-robin (nginx): proportions follow `weight`, picks interleave instead of bunching. */
export function createRoundRobinStrategy(deploymentCount: number): RoutingStrategy {
  const current = new Float64Array(deploymentCount);
  return {
    key: () => undefined,
    pick(candidates) {
      let total = 0;
      let best = candidates[0] as DeploymentState;
      for (const candidate of candidates) {
        const weight = candidate.deployment.weight;
        total += weight;
        current[candidate.index] = (current[candidate.index] ?? 0) + weight;
        if ((current[candidate.index] ?? 0) > (current[best.index] ?? 0)) best = candidate;
      }
      current[best.index] = (current[best.index] ?? 0) - total;
      return best;
    },
  };
}
