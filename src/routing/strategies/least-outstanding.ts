import type { Random } from "../clock.js";
import { loadOf, type DeploymentState } from "../deployment-state.js";
import type { RoutingStrategy } from "./routing-strategy.js";

/** Fewest in-flight requests (plus load the upstream reports from elsewhere, when scraped) wins; ties are broken at random so equal replicas share the load. */
export function createLeastOutstandingStrategy(random: Random): RoutingStrategy {
  return { key: () => undefined, pick: (candidates) => leastOutstanding(candidates, random) };
}

/** The candidate with the fewest in-flight requests, a uniformly random one among ties (reservoir sampling). */
export function leastOutstanding(candidates: readonly DeploymentState[], random: Random): DeploymentState {
  let best = candidates[0] as DeploymentState;
  let bestLoad = loadOf(best);
  let ties = 1;
  for (let index = 1; index < candidates.length; index++) {
    const candidate = candidates[index] as DeploymentState;
    const load = loadOf(candidate);
    if (load < bestLoad) {
      best = candidate;
      bestLoad = load;
      ties = 1;
    } else if (load === bestLoad && random() * ++ties < 1) {
      best = candidate;
    }
  }
  return best;
}
