import type { Random } from "../clock.js";
import type { DeploymentState } from "../deployment-state.js";
import type { RoutingStrategy } from "./routing-strategy.js";

/** Power of two choices over peak-EWMA latency × (in-flight + 1): O(1) per pick and avoids herding onto one "best" replica. */
export function createLatencyStrategy(random: Random): RoutingStrategy {
  return {
    key: () => undefined,
    pick(candidates) {
      if (candidates.length === 1) return candidates[0] as DeploymentState;
      const first = Math.floor(random() * candidates.length);
      let second = Math.floor(random() * (candidates.length - 1));
      if (second >= first) second++;
      const left = candidates[first] as DeploymentState;
      const right = candidates[second] as DeploymentState;
      return cost(right) < cost(left) ? right : left;
    },
  };
}

function cost(state: DeploymentState): number {
  return state.latency.value() * (state.inFlight + 1);
}
