import type { Random } from "../clock.js";
import type { DeploymentState } from "../deployment-state.js";
import type { RoutingStrategy } from "./routing-strategy.js";

/** Fewest in-flight requests wins; ties are broken at random so equal replicas share the load. */
export function createLeastOutstandingStrategy(random: Random): RoutingStrategy {
  return { key: () => undefined, pick: (candidates) => leastOutstanding(candidates, random) };
}

/** The candidate with the fewest in-flight requests, a uniformly random one among ties (reservoir sampling). */
export function leastOutstanding(candidates: readonly DeploymentState[], random: Random): DeploymentState {
  let best = candidates[0] as DeploymentState;
  let ties = 1;
  for (let index = 1; index < candidates.length; index++) {
    const candidate = candidates[index] as DeploymentState;
    if (candidate.inFlight < best.inFlight) {
      best = candidate;
      ties = 1;
    } else if (candidate.inFlight === best.inFlight && random() * ++ties < 1) {
      best = candidate;
    }
  }
  return best;
}
